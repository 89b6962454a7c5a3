/* Saved for offline (docs/progress.md). On a lesson page, lesson.js fetches this
   script only when the member presses "Save for offline" or when the lesson is
   saved already; the offline page (config/offline.py) lists the saved lessons.
   The cache holds, per lesson: the page, its lecture's download.mp4 (240p and
   sound), the poster, the page's stylesheets and scripts, and the offline page;
   localStorage lists what each saved lesson stored, so removing one lesson keeps
   the files another still needs. The service worker (/sw.js) answers from it. */
(function () {
  "use strict";
  var CACHE = "satchel-offline", LIST = "satchel-offline";

  function saved() {
    try { return JSON.parse(localStorage.getItem(LIST)) || []; } catch (e) { return []; }
  }
  /* Forget a lesson: drop its files that no other saved lesson uses. */
  function forget(url, files) {
    var rest = saved().filter(function (l) { return l.url !== url; }), used = [];
    rest.forEach(function (l) { used = used.concat(l.files); });
    localStorage.setItem(LIST, JSON.stringify(rest));
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(files.filter(function (f) { return used.indexOf(f) < 0; })
        .map(function (f) { return cache.delete(f); }));
    }).then(function () { if (!rest.length) return caches.delete(CACHE); });
  }

  /* The offline page: links to the saved lessons whose page is in the cache. */
  var list = document.getElementById("saved-lessons");
  if (list && window.caches) {
    Promise.all(saved().map(function (l) {
      return caches.match(l.url, { cacheName: CACHE }).then(function (hit) { return hit && l; });
    })).then(function (lessons) {
      lessons.filter(Boolean).forEach(function (l) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = l.url; a.textContent = l.title;
        li.appendChild(a); list.appendChild(li);
        document.getElementById("no-saved").hidden = true;
      });
    });
  }

  var box = document.getElementById("offline");
  if (!box) return;
  var b = box.dataset, here = location.origin + location.pathname;
  var video = document.getElementById("video"), bar = document.getElementById("save-progress");
  var saveBtn = document.getElementById("save-offline"), removeBtn = document.getElementById("remove-offline");
  var busy = false;

  function state(isSaved, text) {
    saveBtn.hidden = isSaved; saveBtn.disabled = false;
    removeBtn.hidden = !isSaved; bar.hidden = true;
    document.getElementById("offline-note").textContent = text || "";
    /* lesson.js plays the saved file when the stream fails */
    if (isSaved) video.dataset.saved = "1"; else delete video.dataset.saved;
  }
  function ok(r) {
    if (!r.ok) throw new Error(r.status);
    return r;
  }
  function absolute(url) { return new URL(url, here).href; }
  function register() {
    return navigator.serviceWorker.register(b.sw).then(function () {
      return navigator.serviceWorker.ready;
    });
  }
  function enoughRoom() {
    if (!navigator.storage || !navigator.storage.estimate) return Promise.resolve();
    return navigator.storage.estimate().then(function (e) {
      if (e.quota - e.usage < +b.bytes) throw new DOMException("", "QuotaExceededError");
    });
  }

  /* Everything is stored before the page itself, and the lesson is listed only
     then: a lesson is shown as saved only when all of it is. Whatever fails, what
     this attempt stored is removed again. */
  function save() {
    if (busy) return;
    busy = true; saveBtn.disabled = true; bar.value = 0; bar.hidden = false;
    document.getElementById("offline-note").textContent = b.saving;
    var stored = [], cache, html, doc;
    function keep(url, response) {
      stored.push(url);
      return cache.put(url, response);
    }
    function fetchFile(url) {
      return fetch(url, { credentials: "same-origin" }).then(ok).then(function (r) { return keep(url, r); });
    }
    /* The lecture, counted on the progress bar as it arrives. */
    function fetchLecture(url) {
      return fetch(url, { credentials: "same-origin" }).then(ok).then(function (r) {
        var reader = r.clone().body.getReader(), got = 0;
        function pump() {
          return reader.read().then(function (c) {
            if (c.done) return;
            got += c.value.length; bar.value = got;
            return pump();
          });
        }
        return Promise.all([keep(url, r), pump()]).catch(function (e) { reader.cancel(); throw e; });
      });
    }
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
    enoughRoom().then(function () {
      return caches.open(CACHE);
    }).then(function (c) {
      cache = c;
      /* The page as the server sends it (not as scripts changed it), with the
         media URLs it holds: those are the cache keys. */
      return fetch(here, { credentials: "same-origin", cache: "no-store" });
    }).then(ok).then(function (r) { return r.text(); }).then(function (text) {
      html = text; doc = new DOMParser().parseFromString(html, "text/html");
      var v = doc.getElementById("video"), files = [b.page, b.script];
      Array.prototype.forEach.call(doc.querySelectorAll("link[rel=stylesheet], script[src]"), function (el) {
        files.push(el.getAttribute("href") || el.getAttribute("src"));
      });
      files.push(v.getAttribute("poster") || v.getAttribute("data-poster"));
      files = files.filter(Boolean).map(absolute).filter(function (f, i, all) { return all.indexOf(f) === i; });
      return Promise.all(files.map(fetchFile)).then(function () {
        return fetchLecture(absolute(v.getAttribute("data-mp4")));
      });
    }).then(function () {
      return keep(here, new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } }));
    }).then(register).then(function () {
      var lessons = saved().filter(function (l) { return l.url !== here; });
      lessons.push({ url: here, title: doc.querySelector("h1").textContent, files: stored });
      localStorage.setItem(LIST, JSON.stringify(lessons));
      state(true, b.saved);
    }).catch(function (e) {
      var full = e && e.name === "QuotaExceededError";
      return forget(here, stored).catch(function () {}).then(function () {
        state(false, full ? b.full : b.failed);
      });
    }).then(function () { busy = false; });
  }

  removeBtn.addEventListener("click", function () {
    var mine = saved().filter(function (l) { return l.url === here; })[0];
    forget(here, mine ? mine.files : [here]).then(function () { state(false, b.removed); });
  });
  window.satchelOffline = { save: save };
  caches.match(here, { cacheName: CACHE }).then(function (hit) {
    if (hit) { state(true, b.saved); register().catch(function () {}); }
  });
})();
