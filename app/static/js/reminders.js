// Turning push notifications on or off for this phone; the page works without this file.
(function () {
  "use strict";
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var status = document.getElementById("push-status");
  var unsupported = document.getElementById("push-unsupported");
  if (!on || !off || !status) return;
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) return; // the page already explains the calendar alternative

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function keyBytes(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response;
    });
  }

  function registration() {
    // The app's service worker (/sw.js) shows the notifications; register it if it is not yet.
    return navigator.serviceWorker.getRegistration("/").then(function (found) {
      return found || navigator.serviceWorker.register("/sw.js", { scope: "/" });
    }).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function show(message) {
    status.textContent = message || "";
  }

  if (unsupported) unsupported.hidden = true;
  on.hidden = false;
  if (Notification.permission === "denied") show(on.getAttribute("data-denied"));

  navigator.serviceWorker.getRegistration("/").then(function (found) {
    return found ? found.pushManager.getSubscription() : null;
  }).then(function (subscription) {
    if (subscription) off.hidden = false;
  }).catch(function () { /* nothing subscribed yet */ });

  on.addEventListener("click", function () {
    on.disabled = true;
    show(on.getAttribute("data-working"));
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error("denied");
      return Promise.all([registration(), fetch("/api/push/key", { credentials: "same-origin" })]);
    }).then(function (results) {
      if (!results[1].ok) throw new Error("HTTP " + results[1].status);
      return results[1].json().then(function (data) {
        return results[0].pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(data.publicKey)
        });
      });
    }).then(function (subscription) {
      return post("/api/push/subscribe", subscription.toJSON());
    }).then(function () {
      window.location.assign("/reminders?done=push-on#push");
    }).catch(function (error) {
      on.disabled = false;
      var denied = error && error.message === "denied" || Notification.permission === "denied";
      show(on.getAttribute(denied ? "data-denied" : "data-failed"));
    });
  });

  off.addEventListener("click", function () {
    off.disabled = true;
    navigator.serviceWorker.getRegistration("/").then(function (found) {
      return found ? found.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      if (!subscription) return null;
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return post("/api/push/unsubscribe", { endpoint: endpoint }).catch(function () { return null; });
      });
    }).then(function () {
      window.location.assign("/reminders?done=push-off#push");
    }).catch(function () {
      off.disabled = false;
      show(on.getAttribute("data-failed"));
    });
  });
})();
