// Messages to the therapist: sent by htmx when online; when offline (or the send fails) kept in
// the phone's outbox under the UUID of the form, and sent once when the connection is back.
(function () {
  "use strict";
  var box = window.NeuroglideOutbox;
  if (!box || !window.indexedDB) return; // the form still posts (htmx or plain) without it

  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function problem(form, text) {
    var error = form.querySelector("#message-error"), area = form.querySelector("textarea");
    error.textContent = text; error.hidden = !text;
    if (text) { area.setAttribute("aria-invalid", "true"); area.focus(); } else { area.removeAttribute("aria-invalid"); }
  }
  function bubble(form, id, body) {
    var list = document.getElementById("thread-list"), empty = document.getElementById("thread-empty");
    var item = document.createElement("li"), who = document.createElement("p"), text = document.createElement("p");
    var badge = document.createElement("span");
    item.className = "msg msg-patient";
    who.className = "small muted";
    who.textContent = form.dataset.you + " · ";
    badge.className = "badge warn sync-badge";
    badge.dataset.uuid = id;
    badge.textContent = form.dataset.saved;
    who.appendChild(badge);
    text.className = "msg-body";
    text.textContent = body;
    item.appendChild(who); item.appendChild(text);
    list.appendChild(item); list.hidden = false;
    if (empty) empty.remove();
  }
  // Keep the message on the phone; offline.js shows "sent" on its badge once the outbox sends it.
  function keep(form) {
    var area = form.querySelector("textarea"), body = area.value.trim(), idInput = form.querySelector("input[name=uuid]");
    if (!body) { problem(form, form.dataset.empty); return; }
    if (body.length > 2000) { problem(form, form.dataset.long); return; }
    var id = idInput.value || uuid4();
    var entry = { id: "message:" + id, uuid: id, kind: "message", url: "/api/messages", method: "POST",
      body: { uuid: id, body: body, written_at: new Date().toISOString() } };
    box.save(entry).then(function () {
      problem(form, "");
      bubble(form, id, body);
      area.value = "";
      idInput.value = uuid4();
      if (navigator.onLine) box.syncAll();
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-message-form]") || navigator.onLine) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    keep(form);
  }, true);
  // Online but the request never got an answer (or the server failed): keep it the same way.
  function failed(event) {
    var form = event.detail && event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-message-form]")) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (event.type === "htmx:responseError" && status < 500) return;
    keep(form);
  }
  // A page opened from the phone's copy still carries the UUID of a message sent before it was
  // saved: each visit gets its own, so a new message is never taken for a repeat of that one.
  document.querySelectorAll("form[data-message-form] input[name=uuid]").forEach(function (input) {
    input.value = uuid4();
  });
  document.body.addEventListener("htmx:sendError", failed);
  document.body.addEventListener("htmx:responseError", failed);
  try {
    new BroadcastChannel("neuroglide-outbox").onmessage = function (event) {
      var data = event.data || {};
      if (data.type !== "refused" || !data.entry || data.entry.kind !== "message") return;
      document.querySelectorAll('.sync-badge[data-uuid="' + data.entry.uuid + '"]').forEach(function (badge) {
        var form = document.querySelector("form[data-message-form]");
        badge.className = "badge bad sync-badge";
        badge.textContent = form ? form.dataset.refused : "";
      });
    };
  } catch (e) { /* no BroadcastChannel: the badge keeps saying saved */ }
})();
