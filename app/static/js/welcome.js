// The welcome page registers the app's service worker again. A phone lands here when its
// patient session has ended, and Clear-Site-Data has removed its saved pages and the worker
// itself; with the worker back, the phone offline shows the app's offline page rather than the
// browser's error. Signed out, the worker saves no patient pages (it cannot open them).
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  function register() { navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {}); }
  if (document.readyState === "complete") register(); else window.addEventListener("load", register);
})();
