// Workspace enhancements; every page works without this file.
(function () {
  "use strict";
  // The handout's Print button only appears when it can work.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
