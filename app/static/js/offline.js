// Works with no connection: registers the service worker, saves forms to the outbox on this
// phone, shows the right advice at once (safety included), and sends entries when online.
(function () {
  "use strict";
  var text = document.getElementById("offline-text");
  if (!text || !window.NeuroglideOutbox || !window.indexedDB) return;
  var box = window.NeuroglideOutbox;
  var t = text.dataset;
  var EMERGENCY = ["saddle_numbness", "bladder_change", "bowel_change", "sexual_change"];

  // --- service worker and updates ---
  function register() {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (reg) {
      function offer(worker) {
        if (!worker || !navigator.serviceWorker.controller) return;
        var bar = document.getElementById("update-bar");
        if (!bar) return;
        bar.hidden = false;
        bar.querySelector("button").addEventListener("click", function () { worker.postMessage("skip-waiting"); });
      }
      if (reg.waiting) offer(reg.waiting);
      reg.addEventListener("updatefound", function () {
        var worker = reg.installing;
        worker.addEventListener("statechange", function () { if (worker.state === "installed") offer(worker); });
      });
    }).catch(function () { /* the pages still work online */ });
  }
  if ("serviceWorker" in navigator) {
    // After the page has loaded, so installing never slows the first paint.
    if (document.readyState === "complete") register(); else window.addEventListener("load", register);
    var reloading = false;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (reloading || !document.getElementById("update-bar") || document.getElementById("update-bar").hidden) return;
      reloading = true; location.reload();
    });
  }

  // --- connection status ---
  var status = document.getElementById("net-status");
  function showStatus(waiting) {
    if (!status) return;
    var parts = [];
    // A saved copy shown because the server did not answer counts as not connected too.
    if (!navigator.onLine || document.documentElement.hasAttribute("data-copy")) parts.push(t.offline);
    if (waiting > 0) parts.push(waiting === 1 ? t.waitingOne : t.waiting.replace("{n}", waiting));
    status.textContent = parts.join(" ");
    status.hidden = parts.length === 0;
  }
  function refresh() {
    return box.all().then(function (rows) { showStatus(rows.length); markToday(rows); return rows; })
      .catch(function () { return []; }); // the outbox is being deleted (the session ended)
  }
  function sync() {
    if (!navigator.onLine) return refresh();
    return box.syncAll().then(refresh);
  }
  window.addEventListener("online", sync);
  window.addEventListener("offline", refresh);
  try {
    new BroadcastChannel("neuroglide-outbox").onmessage = function (event) {
      if (event.data && event.data.type === "forgotten") { showStatus(0); return; } // do not open it again
      if (event.data && event.data.type === "sent") markSent(event.data.entry.uuid);
      refresh();
    };
  } catch (e) { /* no BroadcastChannel */ }

  // --- Today: entries saved on this phone count as done ---
  function markToday(rows) {
    var plan = document.getElementById("plan");
    if (!plan) return;
    rows.forEach(function (entry) {
      if (entry.kind !== "log" || entry.body.local_date !== plan.dataset.day) return;
      var slot = plan.querySelector('[data-item="' + entry.body.routine_item_id + '"][data-slot="' + entry.body.slot + '"]');
      if (!slot || slot.dataset.saved) return;
      slot.dataset.saved = entry.uuid;
      var action = slot.querySelector(".button, .badge");
      var badge = document.createElement("span");
      badge.className = "badge warn sync-badge";
      badge.dataset.uuid = entry.uuid;
      badge.textContent = t.saved;
      if (action) action.replaceWith(badge); else slot.appendChild(badge);
      countOne();
    });
  }
  function countOne() {
    var count = document.getElementById("done-count");
    if (!count) return;
    var done = Math.min(parseInt(count.dataset.done, 10) + 1, parseInt(count.dataset.total, 10));
    count.dataset.done = done;
    count.textContent = count.dataset.template.replace("{done}", done).replace("{total}", count.dataset.total);
    var bar = count.nextElementSibling;
    if (bar && bar.firstElementChild) {
      bar.setAttribute("aria-valuenow", done);
      bar.firstElementChild.className = "w" + Math.round((10 * done) / parseInt(count.dataset.total, 10)) * 10;
    }
  }
  function markSent(uuid) {
    document.querySelectorAll('.sync-badge[data-uuid="' + uuid + '"]').forEach(function (badge) {
      badge.className = "badge ok sync-badge"; badge.textContent = t.synced;
    });
    document.querySelectorAll('.entry-link[data-uuid="' + uuid + '"]').forEach(function (p) {
      p.hidden = false;
    });
    // Only now may the screen say the therapist has been told.
    document.querySelectorAll('.sync-badge[data-uuid="' + uuid + '"]').forEach(function (badge) {
      var result = badge.closest("#result");
      if (result) result.querySelectorAll("[data-told]").forEach(function (p) { p.textContent = p.dataset.told; });
    });
  }

  // --- a paused day, as the server's pages said it or this phone's own answers made it ---
  function pausedDay() { try { return localStorage.getItem("ng-paused"); } catch (e) { return null; } }
  function paused(day) { try { if (day) localStorage.setItem("ng-paused", day); } catch (e) { /* private mode */ } }
  var pause = document.querySelector("[data-paused-day]");
  if (pause) paused(pause.dataset.pausedDay);
  else if (document.getElementById("plan")) { try { localStorage.removeItem("ng-paused"); } catch (e) { /* private mode */ } }

  // --- forms: save on the phone first, then send ---
  function values(form) {
    var data = new FormData(form), out = {};
    data.forEach(function (value, key) {
      if (key === "csrf_token") return;
      if (key === "symptoms" || key === "signs") { (out[key] = out[key] || []).push(value); } else { out[key] = value; }
    });
    return out;
  }
  function num(v) { return v === undefined || v === "" ? null : parseInt(v, 10); }
  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // uuid5(form UUID, "safety"), as the server derives it for a form post, so both agree.
  function safetyId(base) {
    var hex = base.replace(/-/g, ""), bytes = new Uint8Array(22);
    for (var i = 0; i < 16; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    bytes.set(new TextEncoder().encode("safety"), 16);
    return crypto.subtle.digest("SHA-1", bytes).then(function (digest) {
      var b = new Uint8Array(digest).slice(0, 16);
      b[6] = (b[6] & 15) | 80; b[8] = (b[8] & 63) | 128;
      var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
      return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    });
  }
  // The patient's own today, even on a page saved days ago, from the zone's UTC offset that the
  // page was rendered with (Intl's time-zone tables cost a long task on slow phones).
  function localDay(offset) {
    var minutes = parseInt(offset, 10);
    if (isNaN(minutes)) return null;
    return new Date(Date.now() + minutes * 60000).toISOString().slice(0, 10);
  }
  function signs(v) { return (v.signs || []).filter(Boolean); }
  function adviceFor(kind, v, limit) {
    var s = signs(v);
    if (s.some(function (x) { return EMERGENCY.indexOf(x) >= 0; })) return "emergency";
    if (s.length) return "stop";
    if (kind === "morning") return v.comparison === "worse" ? "morning-worse" : "morning-ok";
    var before = num(v.pain_before), after = num(v.pain_after);
    var symptoms = (v.symptoms || []).filter(function (x) { return x !== "none"; });
    // Spreading further down is the graver of the two (as on the server's own page).
    if (symptoms.length && v.spread === "further") return "spread";
    if (after !== null && after > limit && (before === null || after > before)) return "amber";
    return after !== null && after > limit ? "high" : "ok";
  }
  // A sheet opened before midnight and saved in the hour after belongs to its evening (as the
  // server reads the form's opened_day).
  function dayOpened(v, offset) {
    var today = localDay(offset), minutes = parseInt(offset, 10);
    if (!today || !v.opened_day || isNaN(minutes)) return today;
    var now = new Date(Date.now() + minutes * 60000);
    var yesterday = new Date(now.getTime() - 864e5).toISOString().slice(0, 10);
    return v.opened_day === yesterday && now.getUTCHours() < 1 ? yesterday : today;
  }
  function entriesFor(form, v) {
    var d = form.dataset, kind = d.offline, id = v.uuid || uuid4(), out = [];
    var day = kind === "edit" ? d.day : kind === "log" ? (dayOpened(v, d.offset) || d.day) : (localDay(d.offset) || d.day);
    var symptoms = (v.symptoms || []).filter(function (x) { return x !== "none"; });
    var now = new Date().toISOString();
    if (kind === "log" || kind === "edit") {
      var body = {
        uuid: id, routine_item_id: parseInt(d.item, 10), local_date: day, slot: num(v.slot) || 1,
        sets_done: num(v.sets_done) || 0, reps_done: num(v.reps_done) || 0,
        pain_before: num(v.pain_before), pain_after: num(v.pain_after), symptoms: symptoms,
        spread: symptoms.length ? (v.spread || null) : null, note: v.note || "", done_at: now
      };
      out.push(kind === "log"
        ? { id: "log:" + id, uuid: id, kind: "log", url: "/api/logs", method: "POST", body: body }
        : { id: "edit:" + id, uuid: id, kind: "edit", url: "/api/logs/" + id, method: "PUT", body: body });
    } else if (kind === "morning") {
      out.push({ id: "morning:" + id, uuid: id, kind: "morning", url: "/api/morning", method: "POST",
        body: { uuid: id, local_date: day, comparison: v.comparison, pain_now: num(v.pain_now), answered_at: now } });
    }
    if (!signs(v).length) return Promise.resolve(out);
    return (kind === "check" ? Promise.resolve(id) : safetyId(id)).then(function (sid) {
      out.push({ id: "safety:" + sid, uuid: sid, kind: "safety", url: "/api/safety", method: "POST",
        body: { uuid: sid, local_date: day, answers: signs(v), answered_at: now } });
      return out;
    });
  }
  function invalid(form, kind, v) {
    if ((kind === "log" || kind === "edit") && [v.pain_before, v.pain_after].some(function (p) { return p !== undefined && p !== "" && (num(p) < 0 || num(p) > 10); })) return true;
    if (kind === "morning" && !v.comparison) return true;
    return false;
  }
  function show(advice, uuid, comparison) {
    var tpl = document.getElementById("tpl-" + advice);
    var main = document.getElementById("main");
    if (!tpl || !main) return;
    main.innerHTML = "";
    main.appendChild(tpl.content.cloneNode(true));
    var badge = main.querySelector(".sync-badge");
    if (badge) { badge.dataset.uuid = uuid; }
    var entry = main.querySelector(".entry-link");
    if (entry) { entry.dataset.uuid = uuid; entry.firstElementChild.href = "/log/" + uuid; }
    var better = main.querySelector("[data-better]");
    if (better && comparison === "better") better.textContent = better.dataset.better;
    var heading = main.querySelector("h1");
    if (heading) { heading.tabIndex = -1; heading.focus(); }
    window.scrollTo(0, 0);
    // A reload of this address would open the log sheet again, and a second save log it twice.
    if (/[?&]log=1(&|$)/.test(location.search) && window.history.replaceState) {
      var here = new URL(location.href);
      here.searchParams.delete("log");
      history.replaceState(history.state, "", here.pathname + here.search + here.hash);
    }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.offline) return;
    var kind = form.dataset.offline, v = values(form);
    // Every session needs its pain now: said here, offline too, not by the server later. A
    // warning sign or a spread is never held back for it.
    if (kind === "log" && num(v.pain_after) === null && !signs(v).length && v.spread !== "further") {
      event.preventDefault();
      var needed = form.querySelector("#pain-after-needed");
      var first = form.querySelector('input[name="pain_after"]');
      if (needed) needed.hidden = false;
      if (first) first.focus();
      return;
    }
    if (invalid(form, kind, v)) return; // the server answers with the exact message
    if (kind === "check" && !signs(v).length) return; // the server page says nothing was ticked
    event.preventDefault();
    event.stopImmediatePropagation();
    // A morning page kept from the evening, answered in the small hours: the server would
    // refuse it later, unseen; say so now instead of promising it reaches the therapist.
    var early = form.querySelector("#morning-early");
    var minutes = parseInt(form.dataset.offset, 10), opens = parseInt(form.dataset.morningFrom, 10);
    if (kind === "morning" && early && !isNaN(minutes) && new Date(Date.now() + minutes * 6e4).getUTCHours() < opens) {
      early.hidden = false;
      early.focus();
      return;
    }
    var advice = kind === "check" ? adviceFor("check", v) : adviceFor(kind === "edit" ? "log" : kind, v, parseInt(form.dataset.limit || "3", 10));
    var today = localDay(form.dataset.offset);
    if (advice === "stop" || advice === "emergency") paused(today);
    // A page opened before the day was paused (another tab, the phone's saved copy): the entry
    // is kept, but the screen repeats the pause, with no praise and no Next.
    else if (kind === "log" && today && pausedDay() === today) advice = "paused";
    var main = null;
    entriesFor(form, v).then(function (entries) {
      main = entries[0];
      return entries.reduce(function (p, e) { return p.then(function () { return box.save(e); }); }, Promise.resolve());
    })
      .then(function () {
        show(advice, main.uuid, v.comparison);
        if ("serviceWorker" in navigator && navigator.serviceWorker.ready) {
          navigator.serviceWorker.ready.then(function (reg) { if (reg.sync) return reg.sync.register("outbox"); }).catch(function () {});
        }
        return sync();
      })
      .then(function () { return box.all(); })
      .then(function (rows) {
        if (!rows.some(function (r) { return r.uuid === main.uuid; })) markSent(main.uuid);
      });
  }, true);

  // A page opened from the phone's copy gets a fresh UUID per visit, so two entries never share one.
  document.querySelectorAll("form[data-offline] input[name=uuid]").forEach(function (input) {
    if (input.form.dataset.offline !== "edit") input.value = uuid4();
  });
  var slot = new URLSearchParams(location.search).get("slot");
  var slotInput = document.querySelector("form[data-offline=log] input[name=slot]");
  if (slot && slotInput && /^[123]$/.test(slot)) slotInput.value = slot;
  var plan = document.getElementById("plan");
  var stale = document.getElementById("stale-note");
  if (plan && stale && localDay(plan.dataset.offset) && localDay(plan.dataset.offset) !== plan.dataset.day) stale.hidden = false;

  sync();
})();
