// The phone's outbox: entries saved in IndexedDB and sent to the server exactly once by UUID.
// Shared by the pages and the service worker, so it touches no DOM.
(function (scope) {
  "use strict";
  var DB = "neuroglide", STORE = "outbox", SENT = "sent";
  var dbPromise = null;
  var syncing = null;

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "id" });
        if (!db.objectStoreNames.contains(SENT)) db.createObjectStore(SENT, { keyPath: "id" });
      };
      request.onsuccess = function () {
        var db = request.result;
        // Another tab or the service worker is deleting the outbox (session ended): let it.
        db.onversionchange = function () { db.close(); dbPromise = null; };
        resolve(db);
      };
      request.onerror = function () { dbPromise = null; reject(request.error); };
    });
    return dbPromise;
  }
  function tx(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t;
        try { t = db.transaction(store, mode); } catch (e) { dbPromise = null; reject(e); return; }
        var result = work(t.objectStore(store));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function all(store) {
    return tx(store || STORE, "readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return (rows || []).sort(function (a, b) { return a.created - b.created; });
    });
  }
  // An edit of an entry still waiting to be sent replaces what will be sent.
  function save(entry) {
    entry.created = entry.created || Date.now();
    return tx(STORE, "readwrite", function (s) {
      if (entry.kind === "edit") {
        var pending = s.get("log:" + entry.uuid);
        pending.onsuccess = function () {
          if (pending.result) {
            pending.result.body = Object.assign({}, pending.result.body, entry.body, { uuid: entry.uuid });
            s.put(pending.result);
          } else { s.put(entry); }
        };
        return null;
      }
      s.put(entry);
      return null;
    }).then(function () { notify({ type: "saved", entry: entry }); return entry; });
  }
  function remove(id) { return tx(STORE, "readwrite", function (s) { s.delete(id); return null; }); }
  function markSent(entry, answer) {
    return tx(SENT, "readwrite", function (s) {
      s.put({ id: entry.id, uuid: entry.uuid, kind: entry.kind, advice: answer && answer.advice, at: Date.now() });
      return null;
    });
  }
  function notify(message) {
    try { new BroadcastChannel("neuroglide-outbox").postMessage(message); } catch (e) { /* old browser */ }
  }
  // The server ended this phone's patient session (revoked, re-issued, account deleted): the
  // outbox and every saved page go, so no health data stays readable on the phone.
  function forget() {
    var closing = dbPromise ? dbPromise.then(function (db) { db.close(); }, function () {}) : Promise.resolve();
    dbPromise = null;
    return closing.then(function () {
      return new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase(DB);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      });
    }).then(function () {
      if (!scope.caches) return null;
      return caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf("neuroglide-") === 0; })
          .map(function (n) { return caches.delete(n); }));
      });
    }).then(function () { notify({ type: "forgotten" }); });
  }
  function token() {
    return fetch("/api/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401) return forget().then(function () { var e = new Error("signed out"); e.status = 401; throw e; });
        if (!r.ok) { var e = new Error("session " + r.status); e.status = r.status; throw e; }
        return r.json();
      })
      .then(function (j) { return j.csrf_token; });
  }
  function send(entry, csrf) {
    return fetch(entry.url, {
      method: entry.method || "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(entry.body)
    });
  }
  // Send every waiting entry in order; stops at the first network failure and tries again later.
  function syncAll() {
    if (syncing) return syncing;
    syncing = all().then(function (entries) {
      var report = { sent: 0, failed: 0, pending: entries.length };
      if (!entries.length) return report;
      return token().then(function (csrf) {
        var chain = Promise.resolve();
        var stop = false;
        entries.forEach(function (entry) {
          chain = chain.then(function () {
            if (stop) return null;
            return send(entry, csrf).then(function (response) {
              if (response.ok) {
                return response.json().then(function (answer) {
                  report.sent += 1; report.pending -= 1;
                  return markSent(entry, answer).then(function () { return remove(entry.id); })
                    .then(function () { notify({ type: "sent", entry: entry, answer: answer }); });
                });
              }
              var again = response.status >= 500 || response.status === 409;
              if (response.status === 401 || response.status === 403 || again) {
                // A 5xx is the server's "not now", a 409 a send of the same entry at the same
                // moment: the entry waits and is tried again, then found stored by its UUID.
                if (again) report.later = true;
                stop = true; return null;
              }
              // The server refused it for good (for example too old to record): keep it out of the queue.
              report.failed += 1; report.pending -= 1;
              entry.error = response.status;
              return tx(SENT, "readwrite", function (s) { s.put({ id: entry.id, uuid: entry.uuid, kind: entry.kind, error: response.status, at: Date.now() }); return null; })
                .then(function () { return remove(entry.id); })
                .then(function () { notify({ type: "refused", entry: entry }); });
            });
          });
        });
        return chain.then(function () { return report; });
      });
    }).catch(function (error) {
      // No answer at all, or the server could not even say who this is: try again later.
      var later = !error || !error.status || error.status >= 500;
      return { sent: 0, failed: 0, pending: -1, error: String(error), later: later };
    }).then(function (report) {
      syncing = null;
      retryLater(report);
      notify({ type: "synced", report: report });
      return report;
    });
    return syncing;
  }

  // On a page, entries kept back by an outage are tried again by themselves: after 5 s, then
  // twice as long each time up to 5 min, and at once when the phone is back online or the page
  // is shown again. A service worker may be stopped at any moment, so the pages keep the timer.
  var FIRST_RETRY = 5000, LAST_RETRY = 300000;
  var retryDelay = 0, retryTimer = null;
  function retryLater(report) {
    if (!scope.document) return;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    if (!report.later) { retryDelay = 0; return; }
    retryDelay = retryDelay ? Math.min(retryDelay * 2, LAST_RETRY) : FIRST_RETRY;
    retryTimer = setTimeout(function () { retryTimer = null; syncAll(); }, retryDelay);
  }
  if (scope.document) {
    var now = function () { retryDelay = 0; syncAll(); };
    scope.addEventListener("online", now);
    scope.addEventListener("pageshow", function (event) { if (event.persisted) now(); });
    scope.document.addEventListener("visibilitychange", function () {
      if (scope.document.visibilityState === "visible" && retryTimer) now();
    });
  }
  scope.NeuroglideOutbox = {
    save: save, all: all, syncAll: syncAll, forget: forget, sent: function () { return all(SENT); }
  };
})(self);
