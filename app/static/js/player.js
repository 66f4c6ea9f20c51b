// Guided exercise player: a 3-2-1 get-ready count, tempo cue per cycle, rep, set and side
// counters, rest timer, pause/resume, optional sound and vibration, screen kept awake.
// Works offline. The log sheet and the moving figure follow below in the same file, so the
// exercise page costs one request for its script.
(function () {
  "use strict";
  var root = document.getElementById("player");
  if (!root) return;
  var d = root.dataset;
  var tempo = parseFloat(d.tempo || "1") || 1;
  var plan = {
    reps: parseInt(d.reps, 10), sets: parseInt(d.sets, 10),
    half: (parseFloat(d.cycle) * 1000 * tempo) / 2,
    hold: parseFloat(d.hold) * 1000 * tempo, rest: parseFloat(d.rest) * 1000 * tempo,
    // "Each leg" doses do every set on one side, then the other; the count is per side.
    sides: d.sides === "2" ? 2 : 1, beat: 1000 * tempo, change: 5000 * tempo
  };
  var t = function (key) { return d["t" + key.charAt(0).toUpperCase() + key.slice(1)] || key; };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  var nojs = root.querySelector(".player-nojs");
  if (nojs) nojs.remove();
  var cue = el("div", { "class": "cue", "aria-hidden": "true" });
  var phase = el("p", { "class": "phase", "aria-live": "assertive" }, t("ready"));
  var count = el("p", { "class": "count", "aria-live": "polite" });
  var startBtn = el("button", { type: "button", "class": "block", "data-action": "start" }, "▶ " + (document.documentElement.lang === "es" ? "Empezar" : "Start"));
  var pauseBtn = el("button", { type: "button", "class": "secondary", hidden: "" }, t("pause"));
  var skipBtn = el("button", { type: "button", "class": "secondary", hidden: "" }, t("skip"));
  var prefs = el("div", { "class": "choices prefs" });
  function toggle(name, label) {
    var wrap = el("label"); var box = el("input", { type: "checkbox", name: name });
    box.checked = localStorage.getItem("ng-" + name) === "1";
    box.addEventListener("change", function () { localStorage.setItem("ng-" + name, box.checked ? "1" : "0"); });
    wrap.appendChild(box); wrap.appendChild(el("span", {}, label)); prefs.appendChild(wrap); return box;
  }
  var es = document.documentElement.lang === "es";
  var sound = toggle("sound", es ? "Sonido" : "Sound");
  var buzz = toggle("vibrate", es ? "Vibración" : "Vibration");
  // Spoken cues for a patient who cannot watch the screen, with the phone's own voice.
  var speech = window.SpeechSynthesisUtterance && window.speechSynthesis;
  var voice = speech && toggle("speech", es ? "Voz" : "Voice");
  if (voice) voice.addEventListener("change", function () { if (!voice.checked) speech.cancel(); });
  var lang = document.documentElement.lang || "en", spoken = /^(out|back|hold|rest|switch|done|paused)$/;
  function speak(key) {
    if (!voice || !voice.checked) return;
    speech.cancel();
    var u = new SpeechSynthesisUtterance(key === "countdown" ? String(root.dataset.count) : t(key));
    u.lang = lang;
    u.voice = speech.getVoices().filter(function (v) { return (v.lang || "").toLowerCase().indexOf(lang) === 0; })[0] || null;
    speech.speak(u);
  }
  var controls = el("div", { "class": "row" });
  controls.appendChild(pauseBtn); controls.appendChild(skipBtn);
  [cue, phase, count, startBtn, controls, prefs].forEach(function (n) { root.appendChild(n); });

  // One timer moves the exercise on; a separate one only redraws the rest countdown, so
  // pausing or skipping always cancels the step that is really waiting.
  var state = { set: 1, rep: 1, side: 1, step: "ready", label: "", paused: false, timer: null, ticker: null, due: 0, left: 0, next: null };
  var lock = null;
  function awake(on) {
    if (!("wakeLock" in navigator)) return;
    if (on && !lock) navigator.wakeLock.request("screen").then(function (l) { lock = l; lock.addEventListener("release", function () { lock = null; }); }).catch(function () {});
    if (!on && lock) { lock.release(); lock = null; }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && state.step !== "ready" && state.step !== "done" && !state.paused) awake(true);
  });
  var audio = null;
  function signal(high) {
    if (buzz.checked && navigator.vibrate) navigator.vibrate(high ? 60 : 30);
    if (!sound.checked) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var o = audio.createOscillator(), g = audio.createGain();
      o.frequency.value = high ? 660 : 440; g.gain.value = 0.08;
      o.connect(g); g.connect(audio.destination); o.start(); o.stop(audio.currentTime + 0.12);
    } catch (e) { /* sound is optional */ }
  }
  function show() {
    root.dataset.state = state.step; root.dataset.set = state.set; root.dataset.rep = state.rep;
    root.dataset.side = state.side;
    count.textContent = t("rep") + " " + Math.min(state.rep, plan.reps) + " " + t("of") + " " + plan.reps +
      " · " + t("set") + " " + state.set + " " + t("of") + " " + plan.sets +
      (plan.sides === 2 ? " · " + t(state.side === 1 ? "side1" : "side2") : "");
    // The figure (below) follows the steps.
    root.dispatchEvent(new CustomEvent("player:step", { detail: { step: state.step, side: state.side, count: parseInt(root.dataset.count || "0", 10), paused: state.paused } }));
    if (state.step === "countdown" || spoken.test(state.step)) speak(state.step);
  }
  function say(text) { state.label = text; phase.textContent = text; }
  function wait(ms, next) {
    clearTimeout(state.timer);
    state.due = performance.now() + ms; state.next = next;
    state.timer = setTimeout(next, ms);
  }
  function move(kind, label, ms) {
    cue.style.transitionDuration = Math.max(ms, 50) + "ms";
    cue.className = "cue " + kind;
    say(label);
  }
  // 3, 2, 1 before the first movement, after each rest and after changing sides.
  function countdown(then, n) {
    n = n || 3;
    state.step = "countdown"; root.dataset.count = n; show(); signal(n === 1);
    cue.className = "cue"; say(String(n));
    wait(plan.beat, function () {
      if (n > 1) { countdown(then, n - 1); return; }
      delete root.dataset.count; then();
    });
  }
  function runRep() {
    state.step = "out"; show(); signal(true);
    move("out", t("out"), plan.half);
    wait(plan.half, function () {
      if (plan.hold > 0) {
        state.step = "hold"; show(); say(t("hold"));
        wait(plan.hold, back);
      } else { back(); }
    });
  }
  function back() {
    state.step = "back"; show(); signal(false);
    move("back", t("back"), plan.half);
    wait(plan.half, afterRep);
  }
  function afterRep() {
    if (state.rep < plan.reps) { state.rep += 1; runRep(); return; }
    if (state.side < plan.sides) { changeSide(); return; }
    if (state.set < plan.sets) { rest(); return; }
    finish();
  }
  function changeSide() {
    state.step = "switch"; state.side += 1; state.rep = 1; show(); signal(true);
    cue.className = "cue"; say(t("switch"));
    wait(plan.change, function () { countdown(runRep); });
  }
  function tick() {
    clearTimeout(state.ticker);
    if (state.step !== "rest" || state.paused) return;
    var ms = Math.max(0, state.due - performance.now());
    say(t("rest") + ": " + Math.ceil(ms / 1000) + " s");
    if (ms > 0) state.ticker = setTimeout(tick, ms % 1000 || 1000);
  }
  function rest() {
    state.step = "rest"; show(); skipBtn.hidden = false;
    wait(plan.rest, nextSet); tick();
  }
  function nextSet() {
    clearTimeout(state.timer); clearTimeout(state.ticker); skipBtn.hidden = true;
    state.set += 1; state.rep = 1; state.side = 1; countdown(runRep);
  }
  function finish() {
    state.step = "done"; show(); awake(false); signal(true);
    cue.className = "cue"; say(t("done"));
    pauseBtn.hidden = true; skipBtn.hidden = true;
    // Other scripts (the log sheet) may take over from here by cancelling this event.
    if (!root.dispatchEvent(new CustomEvent("player:finished", { bubbles: true, cancelable: true, detail: { sets: plan.sets } }))) return;
    var radio = document.querySelector('#log-form input[name="sets_done"][value="' + plan.sets + '"]');
    if (radio) radio.checked = true;
    var log = document.getElementById("log");
    if (log) { log.scrollIntoView({ behavior: "smooth" }); var h = log.querySelector("h2"); if (h) { h.tabIndex = -1; h.focus(); } }
  }
  startBtn.addEventListener("click", function () {
    startBtn.hidden = true; pauseBtn.hidden = false; awake(true);
    state.set = 1; state.rep = 1; state.side = 1; countdown(runRep);
  });
  function setPaused(on) {
    state.paused = on; pauseBtn.textContent = t(on ? "resume" : "pause"); awake(!on);
    // Say so while paused: the last cue ("And back") would tell the patient to keep moving.
    root.dispatchEvent(new CustomEvent(on ? "player:pause" : "player:resume"));
    if (on) speak("paused");
    if (on) { root.dataset.paused = "1"; cue.classList.add("paused"); phase.textContent = t("paused"); }
    else { delete root.dataset.paused; cue.classList.remove("paused"); phase.textContent = state.label; }
  }
  pauseBtn.addEventListener("click", function () {
    if (!state.paused) {
      clearTimeout(state.timer); clearTimeout(state.ticker);
      state.left = Math.max(0, state.due - performance.now());
      setPaused(true);
    } else {
      setPaused(false);
      wait(state.left, state.next); tick();
    }
  });
  skipBtn.addEventListener("click", function () {
    if (state.step !== "rest") return;
    if (state.paused) setPaused(false);
    nextSet();
  });
  show(); root.dataset.state = "ready";
})();

// The log as a sheet when the player finishes, or at once for "Log it"; then the way on.
(function () {
  "use strict";
  var $ = document.getElementById.bind(document);
  var log = $("log"), form = $("log-form"), main = $("main"), tpl = $("tpl-next");
  if (!log || !form || form.dataset.offline !== "log") return;
  // The server says when not to open the sheet at once: the session is logged or the day paused.
  // A copy of the page kept from an earlier day says nothing of today.
  // Today in the patient's zone (the offset the page was made with), as offline.js reads it: a
  // phone set to another zone must not open a session already logged.
  var held = document.querySelector("[data-no-quick]"), offset = parseInt(form.dataset.offset, 10);
  var now = new Date(Date.now() + (isNaN(offset) ? -new Date().getTimezoneOffset() : offset) * 60000);
  var today = now.toISOString().slice(0, 10);
  if (held && held.dataset.day !== today) { held.remove(); held = null; }
  // Logged on the day this copy was made, not today: the session is open again.
  if (log.dataset.logged && !held) {
    log.hidden = false; delete log.dataset.logged;
    if ($("before")) $("before").hidden = false;
  }
  var quick = /[?&]log=1(&|$)/.test(location.search) && !held;
  var before = $("pain-before");
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
      // Closed: the form goes back into the page, without the sheet's own close button.
      dialog.onclose = function () {
        home.parentNode.insertBefore(log, home);
        if (closer) closer.hidden = true;
      };
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
    if (log.hidden) return; // this session is logged already: nothing to log again
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
    // Stop, emergency, a paused day or spreading symptoms: no way on.
    if (result.querySelector(".notice.bad, [data-no-next]")) return;
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

// The figure follows the guided player's steps: seeks the SMIL figure to each cue's phase,
// pauses and turns it round with the player.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var box = document.querySelector(".figure.fg-move-mode");
  var svg = box && box.querySelector("svg.fg-move");
  if (player && svg && typeof svg.setCurrentTime === "function") {
    var half = parseFloat(box.dataset.half) / 1000 || 0, hold = parseFloat(box.dataset.hold) / 1000 || 0;
    var mirrored = box.dataset.mirrored === "1", moving = false;
    var start = { out: 0, hold: half, back: half + hold };
    var mirror = function (on) {
      var v = svg.viewBox.baseVal;
      box.querySelectorAll(".fg-flip").forEach(function (g) {
        if (on) g.setAttribute("transform", "translate(" + (2 * v.x + v.width) + " 0) scale(-1 1)");
        else g.removeAttribute("transform");
      });
      box.dataset.flipped = on ? "1" : "0";
    };
    player.addEventListener("player:step", function (e) {
      var d = e.detail;
      box.dataset.phase = d.step;
      mirror(d.side === 2 ? !mirrored : mirrored);
      moving = start.hasOwnProperty(d.step);
      svg.setCurrentTime(moving ? start[d.step] : 0);
      if (moving && !d.paused) svg.unpauseAnimations(); else svg.pauseAnimations();
    });
    player.addEventListener("player:pause", function () { svg.pauseAnimations(); });
    player.addEventListener("player:resume", function () { if (moving) svg.unpauseAnimations(); });
  }
})();
