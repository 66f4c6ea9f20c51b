/* Neuroglide service worker, version {{ version }}.
   Static files are cached ahead under this version; patient pages are network-first with the
   last copy the phone saw as fallback; saved entries are sent by Background Sync. */
"use strict";
const VERSION = "{{ version }}";
const CACHE = "neuroglide-" + VERSION;
const PRECACHE = {{ precache | safe }};
const PAGES = {{ pages | safe }};
const PATIENT_PAGES = /^\/(today|progress|settings|reminders|morning|checkin|check|emergency|offline|exercise\/\d+|log\/[0-9a-f-]+)$/;

importScripts(PRECACHE.find(function (u) { return u.indexOf("/js/outbox.js") >= 0; }));

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    const cache = await caches.open(CACHE);
    await cache.addAll(PRECACHE);
    // Pages of this version, so the app opens offline right away; a signed-out phone skips them.
    for (const path of PAGES) {
      try {
        const response = await fetch(path, { credentials: "same-origin", redirect: "manual" });
        if (response.ok) {
          await cache.put(path, response.clone());
          if (path === "/today") await cacheExercises(cache, await response.text());
        }
      } catch (e) { /* offline during install: pages are cached as they are visited */ }
    }
  })());
});

async function refreshOffline(cache) {
  try {
    const response = await fetch("/offline", { credentials: "same-origin", redirect: "manual" });
    if (response.ok) await cache.put("/offline", response);
  } catch (e) { /* kept as it was */ }
}

async function cacheExercises(cache, html) {
  const links = Array.from(new Set(html.match(/\/exercise\/\d+/g) || []));
  await Promise.all(links.map(async function (path) {
    try {
      const response = await fetch(path, { credentials: "same-origin", redirect: "manual" });
      if (response.ok) await cache.put(path, response);
    } catch (e) { /* visited later */ }
  }));
}

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    const names = await caches.keys();
    // Old versions go, so old pages never load new files or the other way round.
    await Promise.all(names.filter(function (n) { return n.startsWith("neuroglide-") && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
    await self.clients.claim();
    NeuroglideOutbox.syncAll().catch(function () {});
  })());
});

self.addEventListener("message", function (event) {
  if (event.data === "skip-waiting") self.skipWaiting();
  if (event.data === "sync") event.waitUntil(NeuroglideOutbox.syncAll().catch(function () {}));
});

self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") event.waitUntil(NeuroglideOutbox.syncAll());
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") {
    // A form sent as a page (settings, reminders) while offline: the offline page saying it
    // was not saved, instead of the browser's own error page that leaves the app.
    if (request.mode === "navigate" && new URL(request.url).origin === self.location.origin) {
      event.respondWith(fetch(request).catch(unsent));
    }
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok && url.search.startsWith("?v=")) {
          const copy = response.clone();
          caches.open(CACHE).then(function (c) { c.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(PATIENT_PAGES.test(url.pathname) ? networkFirst(request, url) : orOffline(request));
  }
});

async function orOffline(request) {
  try {
    return await fetch(request);
  } catch (e) {
    return (await caches.match("/offline", { ignoreVary: true })) || Response.error();
  }
}

// Today is never kept by the browser's own cache (no-store), so the worker asks with the tag of
// its copy: an unchanged Today is a 304 with no body, and the copy is shown.
async function revalidate(request, url, cache) {
  if (url.pathname !== "/today" || url.search) return null;
  const copy = await cache.match("/today", { ignoreVary: true });
  const tag = copy && copy.headers.get("ETag");
  if (!tag) return null;
  const response = await fetch("/today", {
    credentials: "same-origin", redirect: "manual", headers: { "If-None-Match": tag },
  });
  if (response.status === 304) return { copy: copy };
  // A new page is used as it is; anything else (a redirect when signed out, an error) is asked
  // again as the navigation itself, which the rest of this worker knows how to read.
  return response.ok ? { response: response } : null;
}

async function networkFirst(request, url) {
  const cache = await caches.open(CACHE);
  try {
    const checked = await revalidate(request, url, cache);
    if (checked && checked.copy) return checked.copy;
    const response = checked ? checked.response : await fetch(request);
    if (await sessionEnded(response)) {
      await forgetPatient();
      return response;
    }
    // The server is up but cannot answer (its database is away): the phone's copy beats an error.
    if (response.status >= 500) {
      const copy = await cache.match(url.pathname, { ignoreVary: true, ignoreSearch: true });
      if (copy) return asCopy(copy);
    }
    // A one-off variant (the welcome message, an entry just taken back) is not what the phone should show later.
    if (response.ok && !response.redirected && !url.searchParams.has("welcome") && !url.searchParams.has("undone")) {
      await cache.put(url.pathname, response.clone());
    }
    if (response.ok && url.pathname === "/today") cacheExercises(cache, await response.clone().text());
    // Settings is where the language is chosen: the offline page follows it.
    if (response.ok && url.pathname === "/settings") refreshOffline(cache);
    return response;
  } catch (e) {
    const hit = await cache.match(url.pathname, { ignoreVary: true, ignoreSearch: true });
    return hit || (await cache.match("/offline", { ignoreVary: true })) || Response.error();
  }
}

// --- A patient session the server has ended (access revoked or re-issued, account deleted) ---
// Its answers carry X-Session-Ended (with Clear-Site-Data, which not every browser applies to a
// worker's own fetches) or are a 401. A navigation redirected to /welcome is opaque here, so
// /api/session is asked. Then the saved pages and the outbox go, so offline the phone shows the
// offline page and no health data; only the static files and the offline page are kept.
async function sessionEnded(response) {
  if (response.status === 401 || response.headers.get("X-Session-Ended") === "1") return true;
  if (response.type !== "opaqueredirect") return false;
  try {
    const answer = await fetch("/api/session", { credentials: "same-origin", headers: { Accept: "application/json" } });
    return answer.status === 401;
  } catch (e) { return false; }
}

async function forgetPatient() {
  await NeuroglideOutbox.forget();
  try {
    const cache = await caches.open(CACHE);
    await cache.addAll(PRECACHE);
    const offline = await fetch("/offline", { credentials: "same-origin" });
    if (offline.ok) await cache.put("/offline", offline);
  } catch (e) { /* offline again: the browser's own page shows, still without health data */ }
}

async function unsent() {
  const hit = await caches.match("/offline", { ignoreVary: true });
  return hit ? marked(hit, "data-unsent") : Response.error();
}

// The saved page, marked so it says it is not connected (as offline) while the server is away.
function asCopy(hit) {
  return marked(hit, "data-copy");
}

// A saved page with an attribute on its root that its own styles read (no script needed).
async function marked(hit, attribute) {
  const html = (await hit.text()).replace("<html ", "<html " + attribute + " ");
  const headers = new Headers(hit.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  return new Response(html, { status: 200, headers: headers });
}

self.addEventListener("push", function (event) {
  let data = { title: "Neuroglide", body: "", url: "/today" };
  try { data = Object.assign(data, event.data ? event.data.json() : {}); } catch (e) { /* plain text */ }
  event.waitUntil(self.registration.showNotification(data.title, {
    body: data.body, icon: "/static/icons/icon-192.png", badge: "/static/icons/icon-192.png",
    tag: data.tag || "neuroglide", data: { url: data.url || "/today" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  const target = (event.notification.data && event.notification.data.url) || "/today";
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (const client of list) {
      if (new URL(client.url).pathname === target && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(target);
  }));
});
