// The guided player's companions, in one file to save a request on the exercise page.
// 1. Keeps the exercise figure in step with the guided player. The figure moves by SMIL on its
// own (no script needed); each cue from the player seeks it to the start of that phase, a pause
// pauses it, and for an "each side" dose the figure turns round for the second side.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var box = document.querySelector(".figure.fg-move-mode");
  if (!player || !box) return;
  var svg = box.querySelector("svg.fg-move");
  if (!svg || typeof svg.setCurrentTime !== "function") return;
  var half = parseFloat(box.dataset.half) / 1000 || 0;
  var hold = parseFloat(box.dataset.hold) / 1000 || 0;
  var mirrored = box.dataset.mirrored === "1";
  var start = { out: 0, hold: half, back: half + hold };
  var moving = false;

  function mirror(on) {
    var view = svg.viewBox.baseVal;
    box.querySelectorAll(".fg-flip").forEach(function (g) {
      if (on) g.setAttribute("transform", "translate(" + (2 * view.x + view.width) + " 0) scale(-1 1)");
      else g.removeAttribute("transform");
    });
    box.dataset.flipped = on ? "1" : "0";
  }
  player.addEventListener("player:step", function (event) {
    var d = event.detail || {};
    box.dataset.phase = d.step;
    mirror(d.side === 2 ? !mirrored : mirrored);
    moving = Object.prototype.hasOwnProperty.call(start, d.step);
    svg.setCurrentTime(moving ? start[d.step] : 0);
    if (moving && !d.paused) svg.unpauseAnimations(); else svg.pauseAnimations();
  });
  player.addEventListener("player:pause", function () { svg.pauseAnimations(); box.dataset.paused = "1"; });
  player.addEventListener("player:resume", function () {
    delete box.dataset.paused;
    if (moving) svg.unpauseAnimations();
  });
})();

// 2. Speaks the guided player's cues ("Glide out", "And back", "Rest"...) in the page's language
// with the phone's own voice (Web Speech API), for a patient lying down who cannot watch the
// screen. Off unless the patient turns it on; the choice is remembered on this phone. Without
// speech the player's tones and vibration work as before.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player || !("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") return;
  var prefs = player.querySelector(".prefs");
  if (!prefs) return;
  var lang = document.documentElement.lang || "en";
  var d = player.dataset;
  var wrap = document.createElement("label");
  var box = document.createElement("input");
  box.type = "checkbox"; box.name = "speech";
  box.checked = localStorage.getItem("ng-speech") === "1";
  box.addEventListener("change", function () {
    localStorage.setItem("ng-speech", box.checked ? "1" : "0");
    if (!box.checked) window.speechSynthesis.cancel();
  });
  var text = document.createElement("span");
  text.textContent = lang === "es" ? "Voz" : "Voice";
  wrap.appendChild(box); wrap.appendChild(text); prefs.appendChild(wrap);

  var cues = { out: d.tOut, back: d.tBack, hold: d.tHold, rest: d.tRest, "switch": d.tSwitch, done: d.tDone };
  function voice() {
    var voices = window.speechSynthesis.getVoices() || [];
    for (var i = 0; i < voices.length; i++) if (voices[i].lang && voices[i].lang.toLowerCase().indexOf(lang) === 0) return voices[i];
    return null;
  }
  function speak(words) {
    if (!box.checked || !words) return;
    window.speechSynthesis.cancel();
    var u = new SpeechSynthesisUtterance(words);
    u.lang = lang; var v = voice(); if (v) u.voice = v;
    window.speechSynthesis.speak(u);
  }
  player.addEventListener("player:step", function (event) {
    var s = (event.detail || {}).step;
    speak(s === "countdown" ? String(event.detail.count) : cues[s]);
  });
  player.addEventListener("player:pause", function () { speak(d.tPaused); });
})();
