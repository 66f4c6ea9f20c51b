// The log as a sheet when the player finishes, or at once for "Log it"; then the way on.
(function () {
  "use strict";
  var $ = document.getElementById.bind(document);
  var log = $("log"), form = $("log-form"), main = $("main"), tpl = $("tpl-next");
  if (!log || !form || form.dataset.offline !== "log") return;
  var quick = /[?&]log=1(&|$)/.test(location.search), before = $("pain-before");
  var closer = log.querySelector(".sheet-close"), home = document.createComment(""), dialog;
  var pick = function (n) { return form.elements[n].value; };
  var choose = function (n, v) { var b = form.querySelector("[name=" + n + "][value='" + v + "']"); if (b) b.checked = true; };
  // Pain now defaults to pain before until picked.
  var touched = pick("pain_after") !== pick("pain_before");
  document.addEventListener("change", function (e) {
    if (e.target.name === "pain_after") touched = true;
    if (e.target.name === "pain_before" && !touched) choose("pain_after", e.target.value);
  });

  function open() {
    // Not answered before starting: ask it here.
    if (before && !form.contains(before) && (quick || !pick("pain_before"))) {
      before.querySelector("legend").textContent = before.dataset.tLater;
      form.insertBefore(before, form.querySelector("fieldset"));
    }
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "sheet";
      dialog.setAttribute("aria-labelledby", "log-title");
      // Closed: the form goes back into the page.
      dialog.onclose = function () { home.parentNode.insertBefore(log, home); };
      if (closer) closer.onclick = function () { dialog.close(); };
    }
    log.before(home);
    home.before(dialog);
    dialog.append(log);
    if (closer) closer.hidden = false;
    dialog.showModal();
    $("log-title").tabIndex = -1;
    $("log-title").focus();
  }
  document.addEventListener("player:finished", function (e) {
    e.preventDefault(); // instead of the player's scroll to the form
    choose("sets_done", (e.detail || {}).sets);
    if (!touched) choose("pain_after", pick("pain_before"));
    open();
  });
  if (quick) open();
  if (!tpl || !main) return;

  // "Next" skips what this phone logged today, even before the server has it.
  var day = new Date(Date.now() + (parseInt(form.dataset.offset, 10) || 0) * 6e4).toISOString().slice(0, 10) + ":";
  new MutationObserver(function () {
    var result = $("result"), done = [];
    if (!result || result.dataset.led) return;
    result.dataset.led = 1;
    try { done = JSON.parse(localStorage.getItem("ng-logged")) || []; } catch (e) { /* afresh */ }
    done = done.filter(function (k) { return String(k).indexOf(day) === 0; });
    done.push(day + form.dataset.item + ":" + pick("slot"));
    try { localStorage.setItem("ng-logged", JSON.stringify(done)); } catch (e) { /* private mode */ }
    if (result.querySelector(".notice.bad")) return; // stop or emergency: no way on
    var content = tpl.content.cloneNode(true), chosen, back = result.querySelector("[href='/today']");
    content.querySelectorAll(".next-step").forEach(function (step) {
      if (!chosen && done.indexOf(day + step.dataset.step) < 0) chosen = step; else step.remove();
    });
    var link = chosen.querySelector("a");
    if (link) {
      var url = new URL(link.getAttribute("href"), location.href);
      if (quick) url.searchParams.set("log", 1); else url.searchParams.delete("log");
      link.setAttribute("href", url.pathname + url.search);
      if (back) back.classList.add("secondary");
    }
    result.querySelector(".notice").after(content.querySelector(".next-name"));
    result.insertBefore(content, back && back.parentNode);
  }).observe(main, { childList: true });
})();
