/* Satchel's service worker (docs/progress.md, "Saved for offline"). Served at
   /sw.js by config/offline.py so that its scope is the whole site. It never stores
   anything itself: site/static/js/offline.js fills the cache when a member presses
   "Save for offline". It answers from that cache only page navigations, the saved
   lecture file and the files a saved page needs; every other request (API calls,
   POSTs, playlists, segments) never reaches a handler here. */
"use strict";
var CACHE = "satchel-offline";
var STATIC = "{{ static_url|escapejs }}", MEDIA = "{{ media_url|escapejs }}";
var OFFLINE = "{{ offline_url|escapejs }}";
/* A saved page is shown when the network has not answered within this time: on a
   weak line a member waits no longer than this for a page they have. */
var WAIT = 4000;
/* /m/<token>/<lecture uuid>/download.mp4 and poster.jpg: the token changes every
   hour, the file never does, so the saved copy answers whatever token the page
   holds (a saved page refreshed online holds a newer one than the cache key). */
var FILE = new RegExp("^" + MEDIA + "[^/]+(/[^/]+/download\\.m(?:p4|4a))$");
var POSTER = new RegExp("^" + MEDIA + "[^/]+(/[^/]+/poster\\.jpg)$");

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

function cached(request) {
  return caches.match(request, { cacheName: CACHE, ignoreSearch: true, ignoreVary: true });
}

/* Network first; the saved copy when the network fails or is too slow; for a page
   that is not saved, the offline page (saved with the first lesson) when it fails. */
function page(request) {
  var net = fetch(request);
  return cached(request).then(function (copy) {
    if (!copy) return net.catch(function () {
      return cached(OFFLINE).then(function (other) { return other || Response.error(); });
    });
    return new Promise(function (ok) {
      var slow = setTimeout(function () { ok(copy); }, WAIT);
      net.then(function (r) { clearTimeout(slow); ok(r); },
        function () { clearTimeout(slow); ok(copy); });
    });
  });
}

/* The saved file whose path is a pattern's (FILE, POSTER) with this tail. */
function savedFile(pattern, tail) {
  return caches.has(CACHE).then(function (has) {
    if (!has) return null;
    return caches.open(CACHE).then(function (cache) {
      return cache.keys().then(function (keys) {
        var key = keys.filter(function (k) {
          var match = pattern.exec(new URL(k.url).pathname);
          return match && match[1] === tail;
        })[0];
        return key ? cache.match(key) : null;
      });
    });
  });
}

/* Chromium's media stack asks for byte ranges: slice them from the saved body. */
function ranged(request, copy) {
  var range = /^bytes=(\d*)-(\d*)$/.exec((request.headers.get("Range") || "").trim());
  if (!range || !(range[1] || range[2])) return copy;
  return copy.blob().then(function (body) {
    var size = body.size, start = +range[1], end = size - 1;
    if (!range[1]) start = Math.max(0, size - range[2]);
    else if (range[2]) end = Math.min(+range[2], size - 1);
    if (start > end || start >= size) {
      return new Response("", { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    return new Response(body.slice(start, end + 1), {
      status: 206,
      headers: {
        "Content-Type": copy.headers.get("Content-Type") || "video/mp4",
        "Content-Length": String(end - start + 1),
        "Content-Range": "bytes " + start + "-" + end + "/" + size,
        "Accept-Ranges": "bytes"
      }
    });
  });
}

/* The files a saved page needs (stylesheets, scripts, poster): the network as
   usual, the saved copy (what saved() finds) only when the network fails. */
function file(request, saved) {
  return fetch(request).catch(function (error) {
    return saved().then(function (copy) {
      if (copy) return copy;
      throw error;
    });
  });
}

self.addEventListener("fetch", function (e) {
  var request = e.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") return e.respondWith(page(request));
  var saved = FILE.exec(url.pathname), poster = POSTER.exec(url.pathname);
  if (saved) {
    return e.respondWith(savedFile(FILE, saved[1]).then(function (copy) {
      return copy ? ranged(request, copy) : fetch(request);
    }));
  }
  if (poster) {
    return e.respondWith(file(request, function () { return savedFile(POSTER, poster[1]); }));
  }
  if (url.pathname.indexOf(STATIC) === 0) {
    e.respondWith(file(request, function () { return cached(request); }));
  }
});
