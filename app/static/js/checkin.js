// The check-in works with no connection: the answers are saved on this phone first and sent
// once (the server stores one copy per UUID however often they arrive).
(function () {
  "use strict";
  var form = document.querySelector("form[data-outbox=checkin]");
  var box = window.NeuroglideOutbox;
  if (!form || !box || !window.indexedDB) return;
  var d = form.dataset;

  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // The patient's own today, from the zone offset the page was made with.
  function localDay() {
    var minutes = parseInt(d.offset, 10);
    if (isNaN(minutes)) return d.day;
    return new Date(Date.now() + minutes * 60000).toISOString().slice(0, 10);
  }
  function picked(name) {
    var input = form.querySelector("input[name='" + name + "']:checked");
    return input ? parseInt(input.value, 10) : null;
  }
  function has(name) { return !!form.querySelector("[name='" + name + "']"); }
  // The answers as the API takes them, or null when something is missing (the server page
  // then says what, in the patient's language).
  function body() {
    var out = { uuid: form.elements.uuid.value, local_date: localDay(), answered_at: new Date().toISOString() };
    var ok = true;
    ["pain_avg", "pain_worst", "grc"].forEach(function (name) {
      if (!has(name)) return;
      var value = picked(name);
      if (value === null) ok = false; else out[name] = value;
    });
    if (has("rating_1")) {
      var named = parseInt(d.activities, 10) || 0, list = [];
      for (var n = 1; n <= (named || 5); n++) {
        var text = form.elements["activity_" + n], rating = picked("rating_" + n);
        var name = text ? text.value.trim() : "";
        if (named) {
          if (rating === null) ok = false; else list.push({ rating: rating });
        } else if (name || rating !== null) {
          if (!name || rating === null) ok = false; else list.push({ name: name, rating: rating });
        }
      }
      if (!list.length) ok = false;
      out.psfs = list;
    }
    return ok ? out : null;
  }
  function show(id) {
    var tpl = document.getElementById("tpl-checkin-saved"), main = document.getElementById("main");
    if (!tpl || !main) return;
    main.innerHTML = "";
    main.appendChild(tpl.content.cloneNode(true));
    var badge = main.querySelector(".sync-badge");
    if (badge) badge.dataset.uuid = id;
    var heading = main.querySelector("h1");
    if (heading) { heading.tabIndex = -1; heading.focus(); }
    window.scrollTo(0, 0);
  }
  function sent(id) {
    var text = document.getElementById("offline-text");
    document.querySelectorAll('.sync-badge[data-uuid="' + id + '"]').forEach(function (badge) {
      badge.className = "badge ok sync-badge";
      if (text) badge.textContent = text.dataset.synced;
    });
  }
  form.addEventListener("submit", function (event) {
    var data = body();
    if (!data) return; // the server answers with what is missing
    event.preventDefault();
    var entry = { id: "checkin:" + data.uuid, uuid: data.uuid, kind: "checkin", url: "/api/outcomes", method: "POST", body: data };
    box.save(entry).then(function () {
      show(data.uuid);
      if ("serviceWorker" in navigator && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (reg) { if (reg.sync) return reg.sync.register("outbox"); }).catch(function () {});
      }
      return navigator.onLine ? box.syncAll() : null;
    }).then(function () { return box.all(); }).then(function (rows) {
      if (!rows.some(function (r) { return r.uuid === data.uuid; })) sent(data.uuid);
    });
  });
  // A page opened from the phone's saved copy gets a fresh UUID per visit.
  form.elements.uuid.value = uuid4();
})();
