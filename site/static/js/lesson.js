/* Lesson player and progress reporting (docs/progress.md).
   Every event goes to an IndexedDB queue first and leaves it only once the server
   has answered, so nothing is lost offline; the server ignores ids it has seen. */
(function () {
  "use strict";
  var root = document.getElementById("lesson");
  if (!root) return;
  var d = root.dataset, lesson = +d.lesson, STORE = "events", TICK = 15000;
  var video = document.getElementById("video"), playBtn = document.getElementById("play");
  var session = uid(), pending = [], sending = false, timer = null, started = false;
  var mem = [], dbp = null;

  function uid() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function r3(x) { return Math.round(x * 1000) / 1000; }

  /* IndexedDB queue, with memory as the fallback where it is unavailable. */
  function db() {
    if (!dbp) dbp = new Promise(function (ok, ko) {
      if (!window.indexedDB) return ko();
      var r = indexedDB.open("satchel-progress", 1);
      r.onupgradeneeded = function () { r.result.createObjectStore(STORE, { keyPath: "id" }); };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { ko(r.error); };
    });
    return dbp;
  }
  function tx(mode, fn, fallback) {
    return db().then(function (c) {
      return new Promise(function (ok, ko) {
        var t = c.transaction(STORE, mode), out = fn(t.objectStore(STORE));
        t.oncomplete = function () { ok(out && out.result); };
        t.onerror = t.onabort = function () { ko(t.error); };
      });
    }, fallback);
  }
  function put(ev) {
    return tx("readwrite", function (s) { s.put(ev); }, function () { mem.push(ev); });
  }
  function getAll() {
    return tx("readonly", function (s) { return s.getAll(); }, function () { return mem.slice(); });
  }
  function drop(ids) {
    pending = pending.filter(function (e) { return ids.indexOf(e.id) < 0; });
    return tx("readwrite", function (s) { ids.forEach(function (i) { s.delete(i); }); },
      function () { mem = mem.filter(function (e) { return ids.indexOf(e.id) < 0; }); });
  }

  function played() {
    var out = [], p = video && video.played;
    for (var i = 0; p && i < p.length; i++) out.push([r3(p.start(i)), r3(p.end(i))]);
    return out;
  }
  function make() {
    return {
      id: uid(), lesson: lesson, session: session, at: new Date().toISOString(),
      position: video ? r3(video.currentTime || 0) : 0, played: played(),
      rate: video ? video.playbackRate || 1 : 1, offline: !navigator.onLine
    };
  }
  function record() { var ev = make(); pending.push(ev); return put(ev); }

  function show(body) {
    var el = document.getElementById("status");
    (body.progress || []).forEach(function (p) {
      if (p.lesson !== lesson || !el || d.complete) return;
      if (p.status === "completed") { d.complete = "1"; el.textContent = "✓ " + d.done; el.className = "status ok"; }
      else if (+d.needed) el.textContent = Math.min(100, Math.round(100 * p.seconds_watched / d.needed)) + d.pct;
    });
  }

  /* Send everything queued (this and earlier pages, any lesson). A 400 names the
     events it refused: those can never succeed, so they leave the queue. */
  function flush() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    return getAll().then(function (evs) {
      if (!evs || !evs.length) return;
      evs = evs.slice(0, 200);
      return fetch(d.api, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": d.csrf },
        body: JSON.stringify({ events: evs })
      }).then(function (r) {
        var ids = evs.map(function (e) { return e.id; });
        if (r.ok) return r.json().then(function (b) { show(b); return drop(ids); });
        if (r.status === 400) return r.json().then(function (b) {
          var bad = b && b.events && typeof b.events === "object" ? Object.keys(b.events) : null;
          return drop(bad ? bad.map(function (i) { return ids[+i]; }) : ids);
        });
      });
    }).catch(function () {}).then(function () { sending = false; });
  }
  function tick() {
    if (!video && d.complete) return stop();  /* a read lesson, done: save the data */
    record().then(flush, flush);
  }

  /* The page is going away: the last events go by beacon, which cannot set headers,
     so the CSRF token travels in the form body. The queue keeps them until a later
     flush confirms them (the server ignores ids it already has). */
  function beacon() {
    if (video ? !started : d.complete) return;
    var ev = make(); pending.push(ev); put(ev);
    if (!navigator.sendBeacon || !navigator.onLine) return;
    var f = new FormData();
    f.append("csrfmiddlewaretoken", d.csrf);
    f.append("batch", JSON.stringify({ events: pending.slice(-200) }));
    navigator.sendBeacon(d.beacon, f);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { beacon(); stop(); }
    else if (!video) { session = uid(); tick(); start(); }
  });
  window.addEventListener("online", flush);
  function start() { if (!timer) timer = setInterval(tick, TICK); }
  function stop() { clearInterval(timer); timer = null; }

  if (!video) {  /* a lesson to read: time on the visible page counts */
    tick(); start(); return;
  }

  var radios = document.querySelectorAll("input[name=quality]"), hls = null;
  function chosen() {
    for (var i = 0; i < radios.length; i++) if (radios[i].checked) return radios[i];
    return radios[0];
  }
  function mb(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }
  /* A choice may come as one smaller file too (Opus for audio only): take it where
     this browser plays it, so the size shown is the size fetched. */
  Array.prototype.forEach.call(radios, function (r) {
    var s = r.dataset;
    if (s.smallerUrl && video.canPlayType(s.smallerType)) {
      s.url = s.smallerUrl; s.bytes = s.smallerBytes;
      if (r === chosen()) document.getElementById("size").textContent = mb(+s.bytes);
    }
  });
  /* Audio-only downloads come smallest first (Opus, then AAC): offer the first one
     this browser plays, and only that one. */
  var offered = false;
  Array.prototype.forEach.call(document.querySelectorAll(".audio-download"), function (s) {
    s.hidden = offered || !video.canPlayType(s.dataset.type);
    if (!s.hidden) offered = true;
  });
  function isPlaylist(url) { return /\.m3u8$/.test(url); }
  function loadScript(src) {
    return new Promise(function (ok, ko) {
      var s = document.createElement("script");
      s.src = src; s.onload = ok; s.onerror = ko; document.head.appendChild(s);
    });
  }
  /* A single file as it is; a playlist by native HLS where the browser has it, else
     hls.js (fetched only now), else the MP4. */
  function attach(at) {
    var url = chosen().dataset.url;
    session = uid();  /* a new source starts new played ranges */
    if (hls) { hls.destroy(); hls = null; }
    function seekThenPlay() {
      video.addEventListener("loadedmetadata", function once() {
        video.removeEventListener("loadedmetadata", once);
        if (at > 0 && at < video.duration - 3) video.currentTime = at;
      });
      video.play().catch(function () {});
    }
    if (!isPlaylist(url) || video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url; return Promise.resolve(seekThenPlay());
    }
    if (window.MediaSource) {
      return loadScript(d.hls).then(function () {
        if (!window.Hls || !Hls.isSupported()) throw new Error("no hls.js");
        hls = new Hls({ startPosition: at > 0 ? at : -1 });
        hls.loadSource(url); hls.attachMedia(video);
        video.play().catch(function () {});
      }).catch(function () { video.src = video.dataset.mp4; seekThenPlay(); });
    }
    video.src = video.dataset.mp4; return Promise.resolve(seekThenPlay());
  }
  function play() {
    if (started) return video.play();
    started = true; playBtn.hidden = true;
    var at = +d.position;
    if (at >= +video.dataset.duration - 3) at = 0;
    attach(at);
  }
  playBtn.addEventListener("click", play);
  video.addEventListener("play", function () { if (!started) { video.pause(); play(); } });
  video.addEventListener("playing", function () { record(); start(); });
  video.addEventListener("pause", function () { stop(); tick(); });
  video.addEventListener("ended", function () { stop(); tick(); });
  Array.prototype.forEach.call(radios, function (r) {
    r.addEventListener("change", function () {
      document.getElementById("size").textContent = mb(+r.dataset.bytes);
      fetch(d.pref, {
        method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": d.csrf },
        body: JSON.stringify({ quality: r.value })
      }).catch(function () {});
      if (started) { tick(); attach(video.currentTime); }
    });
  });
  flush();
})();
