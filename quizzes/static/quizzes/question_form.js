// The question form shows only the answer fields of the chosen type (choices, "Statement
// is true" or "Accepted answers"), and switches them when the type changes. The panels
// say which types they apply to (quizzes/viewsets.py, applies_to). Without this script
// every field shows and QuestionForm refuses another type's answer (docs/quizzes.md).
//
// A hidden field keeps what was typed in it, so switching back brings it back; on
// saving, the other types' answers are emptied, as only the saved type's answer is kept.
window.wagtail.app.register(
  "question-kind",
  class extends window.StimulusModule.Controller {
    static targets = ["kind", "panel"];

    connect() {
      this.show();
    }

    get kind() {
      return this.kindTarget.querySelector("select").value;
    }

    applies(panel) {
      return panel.dataset.questionKinds.split(" ").includes(this.kind);
    }

    show() {
      this.panelTargets.forEach((panel) => {
        panel.hidden = !this.applies(panel);
      });
    }

    dropOtherTypes(event) {
      if (event.defaultPrevented || !event.target.contains(this.element)) return;
      this.panelTargets
        .filter((panel) => !this.applies(panel))
        .forEach((panel) => {
          // What each row's own delete button does (Wagtail's InlinePanel).
          panel.querySelectorAll('input[name$="-DELETE"]').forEach((input) => {
            input.value = "1";
          });
          panel.querySelectorAll("textarea").forEach((field) => {
            field.value = "";
          });
          // "Statement is true": Django's NullBooleanSelect says "no answer" so.
          panel.querySelectorAll("select").forEach((field) => {
            field.value = "unknown";
          });
        });
    }
  },
);
