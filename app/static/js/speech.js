// Speaks the guided player's cues ("Glide out", "And back", "Rest"...) in the page's language
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
