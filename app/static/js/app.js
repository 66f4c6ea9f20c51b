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
  // Near a text box's limit, say how many characters are left (read out once typing pauses).
  var counting = null;
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (box.tagName !== "TEXTAREA" || !box.hasAttribute("data-left") || !box.maxLength) return;
    var left = box.maxLength - box.value.length;
    var note = box.parentNode.querySelector(".chars-left");
    if (!note) {
      note = document.createElement("p");
      note.className = "chars-left small muted";
      note.setAttribute("aria-live", "polite");
      box.insertAdjacentElement("afterend", note);
    }
    clearTimeout(counting);
    var text = left <= Math.min(100, box.maxLength / 5) ? box.getAttribute("data-left").replace("{n}", left) : "";
    counting = setTimeout(function () { note.textContent = text; }, text && note.textContent ? 0 : 400);
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

// When the server cannot answer: a form sent by htmx stays as typed and says why, and the
// "nothing was saved" page offers the way back to the form.
(function () {
  "use strict";
  document.querySelectorAll("[data-go-back]").forEach(function (button) {
    if (window.history.length < 2) return;
    button.hidden = false;
    button.addEventListener("click", function () { window.history.back(); });
  });
  // htmx leaves the form in place on a 5xx (see htmx-config); the server's words go beside it.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || xhr.status < 500) return;
    var message = new DOMParser().parseFromString(xhr.responseText || "", "text/html")
      .querySelector("[data-server-message]");
    if (!message) return;
    // Inside what the answer would have replaced, which stays as it was, form and typing too.
    var place = event.detail.target || event.detail.elt;
    if (!place) return;
    var note = place.querySelector(".server-down");
    if (!note) {
      note = document.createElement("p");
      note.className = "notice warn server-down";
      note.setAttribute("role", "alert");
      place.insertBefore(note, place.firstChild);
    }
    note.textContent = message.textContent;
  });
})();
