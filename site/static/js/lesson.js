/* Lesson player and progress reporting (docs/progress.md). */
(function () {
  "use strict";
  var root = document.getElementById("lesson");
  if (!root) return;
  var d = root.dataset, lesson = +d.lesson, owners = (d.owner || "").split(" "), owner = owners[0], STORE = "events", TICK = 15000;
  var video = document.getElementById("video"), playBtn = document.getElementById("play");
  var session = uid(), pending = [], sending = false, timer = null, started = false;
  var mem = [], dbp = null, foreign = false, leaving = false, later = null;
  /* A quiz completes the lesson: reading time never counts, so no heartbeat.
     Nor does a lecture not ready to play (rule "watch" with no player): reading it
     never counts either. */
  var reads = !video && d.rule === "read";

  function uid() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function r3(x) { return Math.round(x * 1000) / 1000; }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

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

  /* The server takes 200 ranges an event: the longest. */
  function played() {
    var out = [], p = video && video.played;
    for (var i = 0; p && i < p.length; i++) out.push([r3(p.start(i)), r3(p.end(i))]);
    return out.length > 200 ? out.sort(function (a, b) { return b[1] - b[0] - a[1] + a[0]; })
      .slice(0, 200).sort(function (a, b) { return a[0] - b[0]; }) : out;
  }
  /* Each event names who recorded it: the queue outlives logging out, and another
     member may log in on this phone before it is sent. */
  function make() {
    return {
      id: uid(), lesson: lesson, session: session, at: new Date().toISOString(),
      position: video ? r3(video.currentTime || 0) : 0, played: played(),
      rate: video ? video.playbackRate || 1 : 1, offline: !navigator.onLine, owner: owner
    };
  }
  /* Offline, the member is told where their progress is, unless the player's
     message says something more pressing (the connection is lost). */
  function record() {
    var ev = make(); pending.push(ev);
    if (video) remember(ev);
    if (ev.offline && note && note.hidden) say(d.queued);
    return put(ev);
  }

  function show(body) {
    var el = document.getElementById("status");
    (body.progress || []).forEach(function (p) {
      if (p.lesson !== lesson || !el || d.complete) return;
      if (p.status === "completed") { d.complete = "1"; el.textContent = "✓ " + d.done; el.className = "status ok"; }
      else if (+d.needed) el.textContent = Math.min(100, Math.round(100 * p.seconds_watched / d.needed)) + d.pct;
    });
  }

  /* Send this member's queued events; what a 400 drops: docs/progress.md, "Events".
     sent_at, the phone's clock, lets the server take its error out of their times. */
  function flush() {
    if (sending || foreign || !navigator.onLine) return Promise.resolve();
    sending = true;
    return getAll().then(function (all) {
      var evs = (all || []).filter(function (e) { return owners.indexOf(e.owner) >= 0; }).slice(0, 200);
      var stale = (all || []).filter(function (e) { return !e.owner; }).map(function (e) { return e.id; });
      if (stale.length) drop(stale);
      if (!evs.length) return;
      return fetch(d.api, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": d.csrf },
        body: JSON.stringify({ events: evs, sent_at: new Date() })
      }).then(function (r) {
        var ids = evs.map(function (e) { return e.id; });
        if (r.ok) return r.json().then(function (b) {
          show(b);
          if (note && note.textContent === d.queued) say("");
          return drop(ids);
        });
        if (r.status === 401 || r.status === 403) return signedOut();
        if (r.status === 400) return r.json().then(function (b) {
          var bad = b && b.events && typeof b.events === "object" ? b.events : null;
          if (!bad) return drop(ids);
          return drop(Object.keys(bad).filter(function (i) {
            if (bad[i] && bad[i].owner) { foreign = true; return false; }
            return true;
          }).map(function (i) { return ids[+i]; }));
        });
        throw r;
      });
    }).catch(function () {  /* a 5xx or a dropped line: again in 30 s, paused or not */
      later = later || setTimeout(function () { later = null; flush(); }, 30000);
    }).then(function () { sending = false; });
  }
  /* The session ended: the events stay queued and go once the member signs in
     again (any lesson page flushes the queue); say so instead of nothing. */
  function signedOut() {
    var el = document.getElementById("status");
    if (el && d.signedOut) { el.textContent = d.signedOut; el.className = "status warn"; }
  }
  function tick() {
    if (!video && d.complete) return stop();  /* a read lesson, done: save the data */
    record().then(flush, flush);
  }

  /* The page is going away: the last events go by beacon, which cannot set headers,
     so the CSRF token travels in the form body. The queue keeps them until a later
     flush confirms them (the server ignores ids it already has). */
  function beacon() {
    if (leaving || foreign || (video ? !started : !reads || d.complete)) return;
    var ev = make(); pending.push(ev); put(ev);
    /* Playing, the phone keeps the position first: a reload renders before it lands. */
    if (playing()) remember(ev);
    if (!navigator.sendBeacon || !navigator.onLine) return;
    var f = new FormData();
    f.append("csrfmiddlewaretoken", d.csrf);
    f.append("batch", JSON.stringify({ events: pending.slice(-200), sent_at: new Date() }));
    navigator.sendBeacon(d.beacon, f);
  }
  function playing() { return started && !video.paused && !video.ended; }
  /* Hidden, a lecture may go on playing (audio with the screen off): its reports go
     on too. Reading time counts only while the page is visible. */
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { beacon(); if (!video) stop(); }
    else if (video ? playing() : reads) { if (!video) { session = uid(); tick(); } start(); }
  });
  window.addEventListener("online", flush);
  function start() { if (!timer) timer = setInterval(tick, TICK); }
  function stop() { clearInterval(timer); timer = null; }

  /* Logging out: send this member's queue while the session is still theirs. What
     cannot be sent stays queued for their next login on this phone. */
  each(document.querySelectorAll("form"), function (form) {
    if (form.getAttribute("action") !== d.logout) return;
    form.addEventListener("submit", function (e) {
      if (leaving) return;
      e.preventDefault();
      var go = function () { if (!leaving) { leaving = true; stop(); form.submit(); } };
      ((video ? started : reads && !d.complete) ? record() : Promise.resolve())
        .then(flush, flush).then(go, go);
      setTimeout(go, 3000);
    });
  });

  if (!video) {  /* a lesson to read: time on the visible page counts */
    if (reads) { tick(); start(); } else flush();
    return;
  }

  var radios = document.querySelectorAll("input[name=quality]"), hls = null;
  var note = document.getElementById("player-message"), expired = false, broken = false;
  var retry = null, at0 = 0, tries = 0;
  function chosen() {
    for (var i = 0; i < radios.length; i++) if (radios[i].checked) return radios[i];
    return radios[0];
  }
  /* Sizes come formatted by the server (Django's filesizeformat), one rule for all. */
  function size(r) { document.getElementById("size").textContent = r.dataset.size; }
  /* A choice may come as one smaller file too (Opus for audio only): take it where
     this browser plays it, so the size shown is the size fetched. */
  each(radios, function (r) {
    var s = r.dataset;
    if (s.smallerUrl && video.canPlayType(s.smallerType)) {
      s.url = s.smallerUrl; s.bytes = s.smallerBytes; s.size = s.smallerSize;
      if (r === chosen()) size(r);
    }
  });
  /* Audio-only downloads come smallest first (Opus, then AAC): offer the first one
     this browser plays, and only that one. */
  var offered = false;
  each(document.querySelectorAll(".audio-download"), function (s) {
    s.hidden = offered || !video.canPlayType(s.dataset.type);
    if (!s.hidden) offered = true;
  });
  /* The poster costs as much as the rest of the page: none for audio only, and for
     data saver only once the page itself has loaded. */
  function poster() {
    var audio = chosen().value === "audio";
    /* Listening only, the screen says why it stays dark. */
    document.getElementById("audio-label").hidden = !audio;
    if (audio) video.removeAttribute("poster");
    else if (video.dataset.poster && !started) video.poster = video.dataset.poster;
  }
  window.addEventListener("load", function () { setTimeout(poster, 0); });

  function say(text) { note.textContent = text || ""; note.hidden = !text; }

  /* Where to resume: a page saved for offline keeps the server's position of the
     day it was saved, so this phone remembers where it last played each lesson,
     per member, and the later of the two wins (docs/progress.md). */
  var RESUME = "satchel-resume", mine = owner + ":" + lesson;
  function resumes() {
    try { return JSON.parse(localStorage.getItem(RESUME)) || {}; } catch (e) { return {}; }
  }
  function keepResumes(all) {
    try { localStorage.setItem(RESUME, JSON.stringify(all)); } catch (e) {}
  }
  function remember(ev) {
    var all = resumes(); all[mine] = [ev.position, Date.parse(ev.at)]; keepResumes(all);
  }
  function resumeAt() {
    var all = resumes(), here = all[mine];
    if (here && here[1] > d.positionAt * 1000) return here[0];
    if (here) { delete all[mine]; keepResumes(all); }
    return +d.position;
  }
  /* The server's words for this phone's position ("resumes at 0:12:40"). */
  function showResume(at) {
    var el = document.getElementById("resume-note"), r = el.dataset, n = Math.floor(at);
    if (at === +d.position) return;
    var again = at >= +video.dataset.duration - 3;
    function two(x) { return (x < 10 ? "0" : "") + x; }
    var clock = n < 60 ? r.seconds.replace("{s}", n)
      : Math.floor(n / 3600) + ":" + two(Math.floor(n % 3600 / 60)) + ":" + two(n % 60);
    el.textContent = at > 0 ? " · " + (again ? r.again : r.resume.replace("{at}", clock)) : "";
    playBtn.textContent = "▶ " + (again ? r.playAgain : at > 0 ? r.continue : r.play);
  }
  showResume(resumeAt());
  function isPlaylist(url) { return /\.m3u8$/.test(url); }
  function loadScript(src) {
    return new Promise(function (ok, ko) {
      var s = document.createElement("script");
      s.src = src; s.onload = ok; s.onerror = ko; document.head.appendChild(s);
    });
  }
  /* Playback broke (network, media error): keep what was played, tell the member,
     and try again when the line is back (the play button tries at once). A 403 is a
     signed link past its 6 hours: only a new page brings a new one. */
  function lost(gone) {
    if (expired) return;
    if (gone) {
      expired = true; clearTimeout(retry); say(d.expired); playBtn.hidden = false;
      if (hls) hls.stopLoad();
    } else say(d.lost);
  }
  function again() {
    clearTimeout(retry); retry = null;
    if (expired || !broken) return;
    if (!navigator.onLine) { retry = setTimeout(again, 5000); return; }
    if (hls) return hls.startLoad();
    /* The native element cannot recover from its error: load the source again
       where it stopped (the files are cached, so what was fetched is not again),
       after asking whether the link is still valid. */
    fetch(chosen().dataset.url, { method: "HEAD", cache: "no-store", credentials: "same-origin" })
      .then(function (r) { lost(r.status === 403); if (!expired) attach(at0); },
        function () { lost(false); retry = setTimeout(again, 5000); });
  }
  window.addEventListener("online", again);
  /* The stream failed and the lesson is saved on this phone (offline.js sets
     data-saved): go on from the saved file, through the service worker. */
  function fromSaved() {
    at0 = video.currentTime; session = uid();
    if (hls) { hls.destroy(); hls = null; }
    attachFile(at0);
  }
  video.addEventListener("error", function () {
    if (!started || hls || !video.getAttribute("src")) return;
    if (video.dataset.saved && isPlaylist(video.getAttribute("src"))) return fromSaved();
    broken = true; at0 = video.currentTime; playBtn.hidden = false;
    if (timer) { stop(); tick(); }
    if (!navigator.onLine) lost(false);
    retry = setTimeout(again, tries++ ? 5000 : 0);  /* at once the first time */
  });
  function watch(h, url) {
    h.on(Hls.Events.ERROR, function (e, data) {
      if (data.response && data.response.code === 403) return lost(true);
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        /* hls.js retries on its own, playing what it has, until it gives up; then,
           per its API: a playlist that never loaded is loaded again, else startLoad. */
        if (data.fatal && video.dataset.saved) return fromSaved();
        lost(false);
        if (data.fatal) {
          broken = true;
          retry = setTimeout(function () {
            if (/^manifest/.test(data.details)) h.loadSource(url); else again();
          }, 3000);
        }
      } else if (data.fatal) {
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) h.recoverMediaError();
        else { at0 = video.currentTime; h.destroy(); hls = null; attachFile(at0); }
      }
    });
    h.on(Hls.Events.FRAG_LOADED, function () { broken = false; if (!expired) say(""); });
  }
  /* A single file as it is; a playlist by native HLS where the browser has it, else
     hls.js (fetched only now), else the MP4. */
  function attach(at) {
    var url = chosen().dataset.url;
    session = uid();  /* a new source starts new played ranges */
    if (hls) { hls.destroy(); hls = null; }
    /* Offline, only the saved file can play (docs/progress.md, "Saved for offline"). */
    if (!navigator.onLine) return Promise.resolve(attachFile(at));
    if (!isPlaylist(url) || video.canPlayType("application/vnd.apple.mpegurl")) {
      return Promise.resolve(attachFile(at, url));
    }
    if (window.MediaSource) {
      return loadScript(d.hls).then(function () {
        if (!window.Hls || !Hls.isSupported()) throw new Error("no hls.js");
        hls = new Hls({ startPosition: at > 0 ? at : -1 });
        watch(hls, url);
        hls.loadSource(url); hls.attachMedia(video);
        video.play().catch(function () {});
      }).catch(function () { attachFile(at); });
    }
    return Promise.resolve(attachFile(at));
  }
  function attachFile(at, url) {
    video.src = url || video.dataset.mp4;
    video.addEventListener("loadedmetadata", function once() {
      video.removeEventListener("loadedmetadata", once);
      if (at > 0 && at < video.duration - 3) video.currentTime = at;
    });
    video.play().catch(function () {});
  }
  function play() {
    if (expired) return flush().then(function () { location.reload(); });
    if (broken) return again();
    if (started) return video.play().catch(function () {});
    started = true; playBtn.hidden = true;
    var at = resumeAt();
    if (at >= +video.dataset.duration - 3) at = 0;
    attach(at);
  }
  /* "Save for offline" where a service worker can play the lesson offline.
     offline.js is fetched only when pressed, or to show that the lesson is saved. */
  var box = document.getElementById("offline"), saver = null;
  function saving() {
    return saver = saver || loadScript(box.dataset.script).catch(function (e) { saver = null; throw e; });
  }
  if (box && navigator.serviceWorker && window.caches) {
    box.hidden = false;
    caches.match(location.origin + location.pathname, { cacheName: "satchel-offline" })
      .then(function (hit) { if (hit) saving(); });
    document.getElementById("save-offline").addEventListener("click", function () {
      saving().then(function () { satchelOffline.save(); }, function () {
        document.getElementById("offline-note").textContent = box.dataset.failed;
      });
    });
  }

  playBtn.addEventListener("click", play);
  video.addEventListener("play", function () { if (!started) { video.pause(); play(); } });
  video.addEventListener("playing", function () {
    broken = false; tries = 0;
    if (!expired) { say(""); playBtn.hidden = true; }
    record(); start();
  });
  video.addEventListener("pause", function () { stop(); tick(); });
  video.addEventListener("ended", function () { stop(); tick(); });
  each(radios, function (r) {
    r.addEventListener("change", function () {
      size(r); poster();
      fetch(d.pref, {
        method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": d.csrf },
        body: JSON.stringify({ quality: r.value })
      }).catch(function () {});
      if (started && !expired) { tick(); attach(video.currentTime); }
    });
  });
  flush();
})();
