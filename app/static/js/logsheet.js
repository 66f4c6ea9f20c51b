// The short log as a sheet over the exercise page, when the player finishes or at once for
// "Log it" (?log=1); after saving (offline.js), it names the exercise and leads on to the next.
(function () {
  "use strict";
  var log = document.getElementById("log"), form = document.getElementById("log-form");
  var main = document.getElementById("main"), tpl = document.getElementById("tpl-next");
  if (!log || !form || !main || form.dataset.offline !== "log") return;
  var quick = /[?&]log=1(&|$)/.test(location.search);
  var before = document.getElementById("pain-before"), closer = log.querySelector(".sheet-close");
  var dialog = null, home = document.createComment("log"), touched = false;

  function picked(name) { var v = form.elements[name]; return v && v.value !== "" ? v.value : null; }
  function choose(name, value) {
    var box = form.querySelector('input[name="' + name + '"][value="' + value + '"]');
    if (box) box.checked = true;
  }
  // Pain now starts as "no change" from pain before, until the patient picks it.
  touched = picked("pain_after") !== null && picked("pain_after") !== picked("pain_before");
  document.addEventListener("change", function (e) {
    if (e.target.name === "pain_after") touched = true;
    if (e.target.name === "pain_before" && !touched) choose("pain_after", e.target.value);
  });

  function open() {
    if (dialog && dialog.open) return;
    // Asked in the sheet when it was not answered before starting, so it is asked once.
    if (before && !form.contains(before) && (quick || picked("pain_before") === null)) {
      before.querySelector("legend").textContent = before.dataset.tLater;
      form.insertBefore(before, form.querySelector("fieldset"));
    }
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "sheet";
      dialog.setAttribute("aria-labelledby", "log-title");
      // Closed, the form goes back into the page, where it works as without JavaScript.
      dialog.addEventListener("close", function () { home.parentNode.insertBefore(log, home); });
    }
    log.parentNode.insertBefore(home, log);
    home.parentNode.insertBefore(dialog, home);
    dialog.appendChild(log);
    if (closer) closer.hidden = false;
    dialog.showModal();
    var heading = document.getElementById("log-title");
    heading.tabIndex = -1; heading.focus();
  }
  if (closer) closer.addEventListener("click", function () { dialog.close(); });
  document.addEventListener("player:finished", function (e) {
    e.preventDefault(); // the sheet replaces the player's scroll down to the form
    if (e.detail && e.detail.sets) choose("sets_done", e.detail.sets);
    if (!touched && picked("pain_before") !== null) choose("pain_after", picked("pain_before"));
    open();
  });
  if (quick) open();
  if (!tpl) return;

  // What this phone logged today, so "Next" skips it even before the server has heard of it.
  function today() {
    return new Date(Date.now() + (parseInt(form.dataset.offset, 10) || 0) * 60000).toISOString().slice(0, 10);
  }
  function logged() {
    var list = [];
    try { list = JSON.parse(localStorage.getItem("ng-logged") || "[]"); } catch (e) { /* afresh */ }
    return list.filter(function (k) { return String(k).indexOf(today() + ":") === 0; });
  }
  new MutationObserver(function () {
    var result = document.getElementById("result");
    if (!result || result.dataset.led) return;
    result.dataset.led = "1";
    var done = logged().concat(today() + ":" + form.dataset.item + ":" + form.elements.slot.value);
    try { localStorage.setItem("ng-logged", JSON.stringify(done)); } catch (e) { /* private mode */ }
    if (result.querySelector(".notice.bad")) return; // stop or emergency: no way on
    var content = tpl.content.cloneNode(true), chosen = null;
    content.querySelectorAll(".next-step").forEach(function (step) {
      if (!chosen && done.indexOf(today() + ":" + step.dataset.step) < 0) chosen = step; else step.remove();
    });
    var link = chosen.querySelector("a"), back = result.querySelector('a[href="/today"]');
    if (link) {
      var url = new URL(link.getAttribute("href"), location.href);
      if (quick) url.searchParams.set("log", "1"); else url.searchParams.delete("log");
      link.setAttribute("href", url.pathname + url.search);
      if (back) back.classList.add("secondary");
    }
    var notice = result.querySelector(".notice");
    notice.parentNode.insertBefore(content.querySelector(".next-name"), notice.nextSibling);
    result.insertBefore(content, back ? back.parentNode : null);
  }).observe(main, { childList: true });
})();
