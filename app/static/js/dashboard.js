// Workspace enhancements; every page works without this file.
(function () {
  "use strict";
  // The handout's Print button only appears when it can work.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Acknowledging or resolving a flag (or all of a patient's) swaps the part holding the button,
  // so the button that had focus is gone: put focus on the new part and say what happened,
  // instead of dropping to the body.
  function news() {
    var region = document.getElementById("flag-news");
    if (!region) {
      region = document.createElement("p");
      region.id = "flag-news"; region.className = "visually-hidden";
      region.setAttribute("role", "status"); region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }
  // The filter's options come back with new counts; the browser selects the last one inserted,
  // so choose the one the server marked.
  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    var select = event.detail.target;
    if (!select || select.id !== "filter") return;
    var marked = select.querySelector("option[selected]");
    if (marked) select.value = marked.value;
  });
  var swapping = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    // Other swaps (the table refreshing after a flag changes) leave the remembered flag alone.
    if (target && /^flag-(ack-all-)?\d+$/.test(target.id)) swapping = target.id;
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    if (!swapping) return;
    var item = document.getElementById(swapping);
    swapping = null;
    if (!item) return;
    item.focus();
    var region = news();
    region.textContent = "";
    // A fresh text node after a tick is announced even when the words repeat.
    setTimeout(function () { region.textContent = item.dataset.news || ""; }, 50);
  });
})();
