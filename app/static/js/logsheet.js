// The short "how was it?" log as a sheet over the exercise page: opened when the guided player
// finishes, or at once for "Log it" (?log=1). After saving, it names the exercise and leads on
// to the next one. Saving itself stays with offline.js and the outbox; without this file the
// same form sits in the page.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("log-form");
  var main = document.getElementById("main");
  if (!log || !form || !main || form.dataset.offline !== "log") return;
  var quick = new URLSearchParams(location.search).get("log") === "1";
  var before = document.getElementById("pain-before");
  var next = document.getElementById("tpl-next");
  var nextContent = next ? next.content.cloneNode(true) : null;
  var closer = log.querySelector(".sheet-close");
  var dialog = null, home = null;

  function picked(name) {
    var box = form.elements[name];
    return box && box.value !== "" ? box.value : null;
  }
  function choose(name, value) {
    var box = form.querySelector('input[name="' + name + '"][value="' + value + '"]');
    if (box) box.checked = true;
  }
  // Pain now starts from pain before ("no change") until the patient picks it themselves.
  var afterTouched = picked("pain_after") !== null && picked("pain_after") !== picked("pain_before");
  document.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name === "pain_after") afterTouched = true;
    if (name === "pain_before" && !afterTouched) choose("pain_after", event.target.value);
  });

  // Pain before belongs at the top of the sheet when it was not answered before starting.
  function askBeforeInSheet() {
    if (!before || form.contains(before)) return;
    var legend = before.querySelector("legend");
    if (legend && before.dataset.tLater) legend.textContent = before.dataset.tLater;
    form.insertBefore(before, form.querySelector("fieldset"));
  }
  function open() {
    if (dialog && dialog.open) return;
    if (quick || picked("pain_before") === null) askBeforeInSheet();
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "sheet";
      dialog.setAttribute("aria-labelledby", "log-title");
      dialog.addEventListener("close", function () {
        // Back into the page, where the form still works as it does without JavaScript.
        if (home && home.parentNode) home.parentNode.insertBefore(log, home);
      });
    }
    home = home || document.createComment("log");
    log.parentNode.insertBefore(home, log);
    home.parentNode.insertBefore(dialog, home);
    dialog.appendChild(log);
    if (closer) closer.hidden = false;
    dialog.showModal();
    var heading = document.getElementById("log-title");
    if (heading) { heading.tabIndex = -1; heading.focus(); }
  }
  if (closer) closer.addEventListener("click", function () { dialog.close(); });

  document.addEventListener("player:finished", function (event) {
    event.preventDefault(); // the sheet replaces the player's scroll down to the form
    var sets = event.detail && event.detail.sets;
    if (sets) choose("sets_done", sets);
    if (!afterTouched && picked("pain_before") !== null) choose("pain_after", picked("pain_before"));
    open();
  });
  if (quick) open();

  // What this phone logged today, so "Next" skips it even before the server has heard of it.
  var KEY = "ng-logged";
  function today() {
    var minutes = parseInt(form.dataset.offset, 10) || 0;
    return new Date(Date.now() + minutes * 60000).toISOString().slice(0, 10);
  }
  function logged() {
    var list = [];
    try { list = JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { /* start afresh */ }
    var day = today() + ":";
    return list.filter(function (k) { return typeof k === "string" && k.indexOf(day) === 0; });
  }
  function remember() {
    var list = logged();
    list.push(today() + ":" + form.dataset.item + ":" + form.elements.slot.value);
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }

  // offline.js shows the result in place of the page; name the exercise and lead on from it.
  if (!nextContent) return;
  new MutationObserver(function () {
    var result = document.getElementById("result");
    if (!result || result.dataset.led) return;
    result.dataset.led = "1";
    remember();
    if (result.querySelector(".notice.bad")) return; // stop or emergency: no way on
    var content = nextContent.cloneNode(true);
    var done = logged().map(function (k) { return k.slice(k.indexOf(":") + 1); });
    var chosen = null;
    content.querySelectorAll(".next-step").forEach(function (step) {
      if (!chosen && done.indexOf(step.dataset.step) < 0) chosen = step; else step.remove();
    });
    var link = chosen && chosen.querySelector("a");
    if (link) {
      var url = new URL(link.getAttribute("href"), location.href);
      if (quick) url.searchParams.set("log", "1"); else url.searchParams.delete("log");
      link.setAttribute("href", url.pathname + url.search);
      var back = result.querySelector('a.button[href="/today"]');
      if (back) back.classList.add("secondary");
    }
    var name = content.querySelector(".next-name");
    var notice = result.querySelector(".notice");
    if (name && notice) notice.parentNode.insertBefore(name, notice.nextSibling);
    var badge = result.querySelector(".sync-badge");
    result.insertBefore(content, badge ? badge.parentNode.nextSibling : null);
  }).observe(main, { childList: true });
})();
