/* Saved for offline (docs/progress.md). On a lesson page, lesson.js fetches this
   script only when the member presses "Save for offline" or when the lesson is
   saved already; the offline page (config/offline.py) lists the saved lessons.
   The cache holds, per lesson: the page, its lecture's download.mp4 (240p and
   sound), the poster, the page's stylesheets and scripts, and the offline page;
   localStorage lists what each saved lesson stored, so removing one lesson keeps
   the files another still needs. The service worker (/sw.js) answers from it.
   A saved lesson opened online whose state on the server has changed has its page
   replaced by the fresh one (refresh). */
(function () {
  "use strict";
  var CACHE = "satchel-offline", LIST = "satchel-offline";

  function saved() {
    try { return JSON.parse(localStorage.getItem(LIST)) || []; } catch (e) { return []; }
  }
  /* List a lesson (url, title, files), in its place if it is listed already. */
  function enlist(lesson) {
    var lessons = saved(), i = lessons.map(function (l) { return l.url; }).indexOf(lesson.url);
    lessons.splice(i < 0 ? lessons.length : i, 1, lesson);
    localStorage.setItem(LIST, JSON.stringify(lessons));
  }
  /* Delete those of these files that no saved lesson lists. */
  function unused(files) {
    var used = [];
    saved().forEach(function (l) { used = used.concat(l.files); });
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(files.filter(function (f) { return used.indexOf(f) < 0; })
        .map(function (f) { return cache.delete(f); }));
    });
  }
  /* Forget a lesson: drop its files that no other saved lesson uses. */
  function forget(url, files) {
    var rest = saved().filter(function (l) { return l.url !== url; });
    localStorage.setItem(LIST, JSON.stringify(rest));
    return unused(files).then(function () { if (!rest.length) return caches.delete(CACHE); });
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
  var busy = false, refreshing = Promise.resolve(), halt = window.AbortController && new AbortController();

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
  function entry() { return saved().filter(function (l) { return l.url === here; })[0]; }
  /* Fetches and stores at once, failing as the first fails, but only once all
     are done: what a failed attempt stored is taken back after the last one. */
  function every(tasks) {
    var failed = [];
    return Promise.all(tasks.map(function (t) {
      return t.catch(function (e) { failed.push(e); });
    })).then(function () { if (failed.length) throw failed[0]; });
  }
  function parse(html) { return new DOMParser().parseFromString(html, "text/html"); }
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
  /* The page as the server sends it (not as scripts changed it), with the media
     URLs it holds: those are the cache keys. */
  function serverPage(signal) {
    return fetch(here, { credentials: "same-origin", cache: "no-store", signal: signal }).then(ok)
      .then(function (r) { return r.text(); });
  }
  /* The files a page needs but its lecture file: the offline page, offline.js, its
     stylesheets and scripts, and these others; absolute, once each. */
  function needs(doc, others) {
    var o = doc.getElementById("offline").dataset, files = [o.page, o.script].concat(others);
    Array.prototype.forEach.call(doc.querySelectorAll("link[rel=stylesheet], script[src]"), function (el) {
      files.push(el.getAttribute("href") || el.getAttribute("src"));
    });
    return files.filter(Boolean).map(absolute).filter(function (f, i, all) { return all.indexOf(f) === i; });
  }
  /* One attempt at storing: it lists what it stored, so that a failure can take
     it back (signal: an AbortController's, to stop its fetches). */
  function storing(signal) {
    var stored = [];
    function keep(url, response) {
      stored.push(url);
      return caches.open(CACHE).then(function (cache) { return cache.put(url, response); });
    }
    return {
      stored: stored, keep: keep,
      file: function (url) {
        return fetch(url, { credentials: "same-origin", signal: signal }).then(ok)
          .then(function (r) { return keep(url, r); });
      },
      page: function (html) {
        return keep(here, new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } }));
      }
    };
  }

  /* Everything is stored before the page itself, and the lesson is listed only
     then: a lesson is shown as saved only when all of it is. Whatever fails, what
     this attempt stored is removed again. */
  function save() {
    if (busy) return;
    busy = true; saveBtn.disabled = true; bar.value = 0; bar.hidden = false;
    document.getElementById("offline-note").textContent = b.saving;
    var put = storing(), html, doc;
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
        return Promise.all([put.keep(url, r), pump()]).catch(function (e) { reader.cancel(); throw e; });
      });
    }
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
    enoughRoom().then(function () { return serverPage(); }).then(function (text) {
      html = text; doc = parse(html);
      var v = doc.getElementById("video");
      return every(needs(doc, [v.getAttribute("poster") || v.getAttribute("data-poster")]).map(put.file))
        .then(function () { return fetchLecture(absolute(v.getAttribute("data-mp4"))); });
    }).then(function () {
      return put.page(html);
    }).then(register).then(function () {
      enlist({ url: here, title: doc.querySelector("h1").textContent, files: put.stored });
      state(true, b.saved);
    }).catch(function (e) {
      var full = e && e.name === "QuotaExceededError";
      return forget(here, put.stored).catch(function () {}).then(function () {
        state(false, full ? b.full : b.failed);
      });
    }).then(function () { busy = false; });
  }

  /* A saved lesson opened online (docs/progress.md, "The saved page follows the
     server"). When the server's state (completion, the position's time) differs
     from the saved copy's, the page as the server sends it replaces the copy, if
     the copy is this member's and the page's lecture is the one saved. Of its
     files only the stylesheets and scripts not in the cache are fetched (the
     worker answers the lecture file and poster whatever the token), and the page
     last; if anything fails, the old copy stays and what this attempt stored goes
     again. Opened from the cache, the page is the saved copy: nothing differs. */
  function refresh(copy) {
    var now = document.getElementById("lesson"), signal = halt && halt.signal;
    function owners(el) { return el ? (el.dataset.owner || "").split(" ") : []; }
    function lecture(doc) {
      return doc.getElementById("video").getAttribute("data-mp4").split("/").slice(-2).join("/");
    }
    if (!now || !entry()) return Promise.resolve();
    return copy.text().then(function (text) {
      var old = parse(text), was = old.getElementById("lesson"), owner = owners(was)[0];
      function owns(doc) { return !!owner && owners(doc.getElementById("lesson")).indexOf(owner) >= 0; }
      if (!owns(document) || (was.dataset.complete === now.dataset.complete &&
        was.dataset.positionAt === now.dataset.positionAt)) return;
      var put = storing(signal), html, doc, files;
      return serverPage(signal).then(function (text) {
        html = text; doc = parse(html); files = needs(doc, []);
        if (!owns(doc) || lecture(doc) !== lecture(old)) throw new Error("another lesson");
        return caches.open(CACHE);
      }).then(function (cache) {
        return every(files.map(function (f) {
          return cache.match(f).then(function (hit) { return hit || put.file(f); });
        }));
      }).then(function () {
        return put.page(html);
      }).then(function () {
        var lesson = entry();
        if (!lesson) return forget(here, put.stored);  /* removed meanwhile, elsewhere */
        lesson.title = doc.querySelector("h1").textContent;
        lesson.files = lesson.files.concat(files.filter(function (f) { return lesson.files.indexOf(f) < 0; }));
        enlist(lesson);
      }, function () {
        return unused(put.stored);
      });
    }).catch(function () {});
  }

  /* Removing stops a refresh first: the refresh must not store the page again. */
  removeBtn.addEventListener("click", function () {
    if (halt) halt.abort();
    refreshing.then(function () {
      var mine = entry();
      return forget(here, mine ? mine.files : [here]);
    }).then(function () { state(false, b.removed); });
  });
  /* refreshing: settled when this page's refresh is done (the tests wait on it) */
  var api = window.satchelOffline = { save: save };
  caches.match(here, { cacheName: CACHE }).then(function (hit) {
    if (!hit) return;
    state(true, b.saved); register().catch(function () {});
    api.refreshing = refreshing = refresh(hit);
  });
})();
