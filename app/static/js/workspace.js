// Therapist workspace enhancements; every page works without this file.
(function () {
  "use strict";
  // On a phone the page's content matters more than the menu or the filters: fold them
  // (a filter in use stays open).
  var narrow = window.matchMedia("(max-width: 40rem)");
  function folds() { return document.querySelectorAll("details[data-fold-narrow]:not([data-active])"); }
  if (narrow.matches) folds().forEach(function (fold) { fold.open = false; });
  // Turned to landscape or widened: the wide layout hides the fold's button, so open it.
  narrow.addEventListener("change", function (event) {
    if (!event.matches) folds().forEach(function (fold) { fold.open = true; });
  });
  // Ask before actions that sign someone out or hide something: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
  // Select the whole link when its read-only field gets focus, ready to copy by hand.
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field instanceof HTMLInputElement && field.classList.contains("link-field")) field.select();
  });
})();
