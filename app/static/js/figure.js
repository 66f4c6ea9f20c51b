// Follows the guided player's steps (one file, a request fewer): seeks the SMIL figure to each
// cue's phase, pauses and turns it round with the player, and speaks the cues if asked to.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) return;
  var box = document.querySelector(".figure.fg-move-mode");
  var svg = box && box.querySelector("svg.fg-move");
  if (svg && typeof svg.setCurrentTime === "function") {
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

  var prefs = player.querySelector(".prefs"), speech = window.speechSynthesis;
  if (!prefs || !speech || typeof SpeechSynthesisUtterance === "undefined") return;
  var lang = document.documentElement.lang || "en", t = player.dataset;
  var wrap = document.createElement("label"), on = document.createElement("input"), text = document.createElement("span");
  on.type = "checkbox"; on.name = "speech"; on.checked = localStorage.getItem("ng-speech") === "1";
  on.addEventListener("change", function () {
    localStorage.setItem("ng-speech", on.checked ? "1" : "0");
    if (!on.checked) speech.cancel();
  });
  text.textContent = lang === "es" ? "Voz" : "Voice";
  wrap.appendChild(on); wrap.appendChild(text); prefs.appendChild(wrap);
  var cues = { out: t.tOut, back: t.tBack, hold: t.tHold, rest: t.tRest, "switch": t.tSwitch, done: t.tDone };
  function speak(words) {
    if (!on.checked || !words) return;
    speech.cancel();
    var u = new SpeechSynthesisUtterance(words);
    u.lang = lang;
    u.voice = speech.getVoices().filter(function (v) { return (v.lang || "").toLowerCase().indexOf(lang) === 0; })[0] || null;
    speech.speak(u);
  }
  player.addEventListener("player:step", function (e) {
    speak(e.detail.step === "countdown" ? String(e.detail.count) : cues[e.detail.step]);
  });
  player.addEventListener("player:pause", function () { speak(t.tPaused); });
})();
