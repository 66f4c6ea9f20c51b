// Therapist workspace enhancements; every page works without this file.
(function () {
  "use strict";
  // On a phone the page's content matters more than the filters or secondary actions: fold
  // them (the dashboard's filters stay open while in use, data-active; the patients' and the
  // library's say in their button how many are in use).
  var narrow = window.matchMedia("(max-width: 40rem)");
  function folds() { return document.querySelectorAll("details[data-fold-narrow]:not([data-active])"); }
  if (narrow.matches) folds().forEach(function (fold) { fold.open = false; });
  // Turned to landscape or widened: the wide layout hides the fold's button, so open it.
  narrow.addEventListener("change", function (event) {
    if (!event.matches) folds().forEach(function (fold) { fold.open = true; });
  });
  // The menu is never wrapped: one line beside the brand, or folded behind its button. The
  // stylesheet shows the button below the width the menu needs; where the entries still do not
  // fit (another font, a longer menu) fold it too. Lay it out wide for a moment to see.
  var menu = document.querySelector("details[data-fold-fit]");
  var folded = false;
  function fitsOnOneLine() {
    var open = menu.open;
    menu.classList.remove("ws-folded");
    menu.open = true;
    var summary = menu.querySelector("summary");
    var brand = menu.parentElement.querySelector(".brand") || summary;
    var line = brand.getBoundingClientRect();
    var fits = window.getComputedStyle(summary).display === "none";
    menu.querySelectorAll(".nav a, .ws-menu-body button").forEach(function (item) {
      var box = item.getBoundingClientRect();
      var middle = (box.top + box.bottom) / 2;
      if (middle < line.top || middle > line.bottom) fits = false;
    });
    menu.open = open;
    return fits;
  }
  function fitMenu() {
    var fold = !fitsOnOneLine();
    menu.classList.toggle("ws-folded", fold);
    // Newly folded: closed; newly unfolded: open; otherwise as the person left it.
    if (fold !== folded) menu.open = !fold;
    folded = fold;
  }
  if (menu) {
    fitMenu();
    var pending = false;
    window.addEventListener("resize", function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () { pending = false; fitMenu(); });
    });
    if (document.fonts) document.fonts.ready.then(fitMenu);
  }
  // Folded filters say how many are in use: a word typed, a box ticked, or a choice other than
  // the one marked data-off (the list's default).
  function filtersInUse(form) {
    var count = 0;
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field instanceof HTMLSelectElement) {
        var chosen = field.options[field.selectedIndex];
        if (chosen && !chosen.hasAttribute("data-off")) count += 1;
      } else if (field instanceof HTMLInputElement) {
        if (field.type === "radio") {
          if (field.checked && !field.hasAttribute("data-off") && !seen[field.name]) {
            seen[field.name] = true;
            count += 1;
          }
        } else if (field.type === "checkbox") {
          if (field.checked) count += 1;
        } else if (field.type === "search" || field.type === "text") {
          if (field.value.trim()) count += 1;
        }
      }
    });
    return count;
  }
  function showFiltersInUse(event) {
    var form = event.target.form;
    var fold = form && form.closest("details[data-filter-fold]");
    var shown = fold && fold.querySelector(".ws-filter-count");
    if (!shown) return;
    var count = filtersInUse(form);
    shown.textContent = count ? "(" + count + " in use)" : "";
  }
  document.addEventListener("input", showFiltersInUse);
  document.addEventListener("change", showFiltersInUse);
  // Ask before actions that sign someone out or hide something: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
  // Leaving a long form with changes not yet saved asks first: <form data-guard>, with
  // data-dirty when the page itself holds unsaved changes (the routine editor's draft). Its own
  // buttons submit it to its own address, so they never ask.
  document.querySelectorAll("form[data-guard]").forEach(function (form) {
    var dirty = form.hasAttribute("data-dirty");
    function changed() { dirty = true; }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // A button sending elsewhere (the routine's Step up) leaves the draft behind: still ask.
    form.addEventListener("submit", function (event) {
      if (!(event.submitter && event.submitter.hasAttribute("formaction"))) dirty = false;
    });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) return;
      event.preventDefault();
      event.returnValue = "";
    });
  });
  // Select the whole link when its read-only field gets focus, ready to copy by hand.
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field instanceof HTMLInputElement && field.classList.contains("link-field")) field.select();
  });

  // "More entries" swaps itself for the next page of entries: focus goes to that page's list
  // (announced by its name), not to the top of the document.
  var entriesPage = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var found = target && /^entries-more-(\d+)$/.exec(target.id);
    if (found) entriesPage = Number(found[1]) + 1;
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    if (entriesPage === null) return;
    var list = document.querySelector('ol[data-entries-page="' + entriesPage + '"]');
    entriesPage = null;
    if (!list) return;
    list.setAttribute("tabindex", "-1");
    list.focus();
  });
})();
