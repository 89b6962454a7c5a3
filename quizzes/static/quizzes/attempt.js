// Save each answer as soon as it changes, so a dropped connection loses nothing, and
// count the time down. The form still works without this script (plain POST).
//
// An answer the server has not confirmed stays in localStorage (per attempt) until it
// has: it is sent again when the connection returns, and put back into the form if the
// page is opened again (after signing in again, or on coming back online).
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) return;
  var d = form.dataset;
  var saved = document.getElementById("quiz-saved");
  var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var KEY = "satchel-quiz-" + d.attempt;

  function fieldsetFor(question) {
    return form.querySelector('fieldset[data-question="' + question + '"]');
  }

  function responseOf(fieldset) {
    var kind = fieldset.dataset.kind;
    var inputs = fieldset.querySelectorAll("input");
    if (kind === "fill_blank") return inputs[0].value.trim() || null;
    var picked = Array.prototype.filter.call(inputs, function (i) { return i.checked; });
    if (kind === "multiple") return picked.map(function (i) { return Number(i.value); });
    if (!picked.length) return null;
    if (kind === "true_false") return picked[0].value === "true";
    return Number(picked[0].value);
  }

  function restore(fieldset, response) {
    var inputs = fieldset.querySelectorAll("input");
    if (fieldset.dataset.kind === "fill_blank") { inputs[0].value = response || ""; return; }
    var wanted = [].concat(response === null ? [] : response).map(String);
    Array.prototype.forEach.call(inputs, function (i) { i.checked = wanted.indexOf(i.value) >= 0; });
  }

  function unsaved() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function keep(answers) {
    try {
      if (Object.keys(answers).length) localStorage.setItem(KEY, JSON.stringify(answers));
      else localStorage.removeItem(KEY);
    } catch (e) { /* private mode or full: the form still holds the answers */ }
  }

  function say(text) { saved.textContent = text; }
  function same(q, a, b) { return JSON.stringify(a[q]) === JSON.stringify(b[q]); }

  // Send every answer not yet confirmed; each one leaves the store once saved.
  // `note`, when given, is said on success instead of "Saved" (an answer refused).
  function flush(note) {
    var answers = unsaved(), questions = Object.keys(answers);
    if (!questions.length) return;
    var body = { answers: questions.map(function (q) { return { question: Number(q), response: answers[q] }; }) };
    fetch(d.answersUrl, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) { say(d.signedOutText); return; }
      return response.json().then(function (data) {
        var now = unsaved();
        if (response.ok) {
          // Drop what was sent, unless it changed again while on its way.
          questions.forEach(function (q) { if (same(q, now, answers)) delete now[q]; });
          keep(now);
          say(note || d.savedText);
        } else if (data.question && data.question in answers) {
          // One answer refused, named by its question (characters not allowed): only
          // that one is dropped, unless changed since; the others go again, and the
          // member reads why.
          var changed = data.question in now && !same(data.question, now, answers);
          if (!changed) delete now[data.question];
          keep(now);
          say(data.detail);
          if (Object.keys(now).length) flush(changed ? undefined : data.detail);
        } else {
          // The server refused (time up, already submitted): keeping it would not help.
          keep({});
          say(data.detail || d.notSavedText);
        }
      });
    }).catch(function () { say(d.offlineText); });
  }

  function change(fieldset) {
    var answers = unsaved();
    answers[fieldset.dataset.question] = responseOf(fieldset);
    keep(answers);
    if (navigator.onLine === false) { say(d.offlineText); return; }
    flush();
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset");
    if (fieldset) change(fieldset);
  });
  window.addEventListener("online", function () { flush(); });

  // Submitting needs the server: offline, the browser would only show its own error.
  form.addEventListener("submit", function (event) {
    if (navigator.onLine === false) {
      event.preventDefault();
      say(d.offlineSubmitText);
    }
  });

  // Answers this phone could not send last time go back into the form, then out.
  var pending = unsaved();
  Object.keys(pending).forEach(function (q) {
    var fieldset = fieldsetFor(q);
    if (fieldset) restore(fieldset, pending[q]);
  });
  if (Object.keys(pending).length) flush();

  var timer = document.getElementById("quiz-timer");
  if (timer) {
    var left = Number(timer.dataset.secondsLeft);
    setInterval(function () {
      left = Math.max(0, left - 1);
      var minutes = Math.floor(left / 60), seconds = left % 60;
      timer.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    }, 1000);
  }
})();
