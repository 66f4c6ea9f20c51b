// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-copy]");
    if (!target || !navigator.clipboard) return;
    navigator.clipboard.writeText(target.getAttribute("data-copy")).then(function () {
      var done = target.getAttribute("data-copied") || "Copied";
      target.setAttribute("aria-label", done);
      target.classList.add("copied");
    });
  });
})();
