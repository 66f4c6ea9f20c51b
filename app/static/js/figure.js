// Keeps the exercise figure in step with the guided player. The figure moves by SMIL on its
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
