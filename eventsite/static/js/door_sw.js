// Service worker for the door page: keeps the page and its assets so a reload works without
// signal. Served as /door/sw.js (scope /door/). API calls are never cached: scans made offline
// are queued by door.js and uploaded later.
"use strict";

var CACHE = "door-v1";

self.addEventListener("install", function (event) {
  self.skipWaiting();
  event.waitUntil(caches.open(CACHE));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isShell(url) {
  return url.origin === self.location.origin && (url.pathname.indexOf("/door/") === 0 || url.pathname.indexOf("/static/") === 0);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || !isShell(url) || url.pathname === "/door/sw.js") return;
  // A walk-in's badge PDF names a guest: never keep a copy on the phone.
  if (url.pathname.indexOf("/door/walk-in-badge/") === 0) return;
  // Network first (the page must reflect a revoked link at once), the cached copy when offline.
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      } else if (response.status === 403 || response.status === 404) {
        // Revoked or expired: forget the cached page, so a lost phone no longer opens it.
        caches.open(CACHE).then(function (cache) { cache.delete(request); });
      }
      return response;
    }, function () {
      return caches.match(request).then(function (cached) {
        return cached || new Response("Offline, and this page was not saved on this phone yet.", { status: 503, headers: { "Content-Type": "text/plain" } });
      });
    })
  );
});
