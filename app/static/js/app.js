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
  // A "None" box and the boxes beside it exclude each other (the server drops "None" anyway).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type !== "checkbox" || !box.checked || !box.form) return;
    var group = box.form.querySelectorAll('input[type=checkbox][name="' + box.name + '"]');
    group.forEach(function (other) {
      if (other !== box && (box.value === "none" || other.value === "none")) other.checked = false;
    });
  });
})();
