// Save each answer as soon as it changes, so a dropped connection loses nothing, and
// count the time down. The form still works without this script (plain POST).
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) return;
  var saved = document.getElementById("quiz-saved");
  var token = form.querySelector("[name=csrfmiddlewaretoken]").value;

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

  function save(fieldset) {
    var body = { answers: [{ question: Number(fieldset.dataset.question), response: responseOf(fieldset) }] };
    fetch(form.dataset.answersUrl, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        saved.textContent = response.ok ? form.dataset.savedText || "✓" : data.detail;
      });
    }).catch(function () { saved.textContent = "…"; });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset");
    if (fieldset) save(fieldset);
  });

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
