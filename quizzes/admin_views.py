"""Wagtail admin screens for editors: question bank import/export, quiz statistics."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from taggit.models import Tag

from quizzes import bank, selectors
from quizzes.models import Question


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Question bank file"),
        help_text=_("CSV or XLSX with the columns described above."),
    )
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Dry run"),
        help_text=_("Check every row and report problems without storing anything."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.QUIZZES_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")]
    )
    tag = forms.ModelChoiceField(
        label=_("Only this topic"),
        queryset=Tag.objects.none(),
        required=False,
        empty_label=_("All questions"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(
            quizzes_questiontag_items__isnull=False
        ).distinct()


def bank_view(request):
    """Import (with a dry run) and export of the question bank."""
    if not request.user.has_perm("quizzes.add_question"):
        raise PermissionDenied
    result = None
    dry_run = None  # what an import of the checked file would store and skip
    import_form = ImportForm()
    export_form = ExportForm()
    if request.method == "POST" and "export" in request.POST:
        export_form = ExportForm(request.POST)
        if export_form.is_valid():
            return _export(export_form.cleaned_data)
    elif request.method == "POST":
        import_form = ImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            upload = import_form.cleaned_data["file"]
            try:
                rows = bank.read_rows(upload, upload.name)
                result = bank.parse_rows(rows)
            except bank.BankFileError as error:
                import_form.add_error("file", error.args[0])
            else:
                if result.ok and not import_form.cleaned_data["dry_run"]:
                    stored = bank.question_bank_import(questions=result.questions)
                    messages.success(
                        request,
                        ngettext(
                            "Imported %(count)d question.",
                            "Imported %(count)d questions.",
                            len(stored.created),
                        )
                        % {"count": len(stored.created)},
                    )
                    if stored.skipped:
                        messages.info(
                            request,
                            ngettext(
                                "%(count)d question was already in the bank, "
                                "word for word, and was not added again.",
                                "%(count)d questions were already in the bank, "
                                "word for word, and were not added again.",
                                len(stored.skipped),
                            )
                            % {"count": len(stored.skipped)},
                        )
                    return redirect("wagtailsnippets_quizzes_question:list")
                if result.ok:
                    new, skipped = bank.split_new(result.questions)
                    dry_run = {"new": len(new), "skipped": len(skipped)}
    status = 400 if result is not None and not result.ok else 200
    if import_form.errors or export_form.errors:
        # e.g. a topic id that names no topic (or too large for any row)
        status = 400
    return TemplateResponse(
        request,
        "quizzes/admin/bank.html",
        {
            "import_form": import_form,
            "export_form": export_form,
            "result": result,
            "dry_run": dry_run,
            "columns": bank.COLUMNS,
            "page_title": _("Import or export questions"),
            "header_icon": "upload",
        },
        status=status,
    )


def _export(data) -> HttpResponse:
    questions = Question.objects.order_by("id")
    if data["tag"] is not None:
        questions = questions.filter(tagged_items__tag=data["tag"])
    if data["format"] == "csv":
        body, content_type = bank.export_csv(questions), "text/csv; charset=utf-8"
    else:
        body = bank.export_xlsx(questions)
        content_type = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="question-bank.{data["format"]}"'
    )
    return response


def statistics_view(request, quiz_id: int):
    """Editors' statistics page inside the admin (all members)."""
    quiz = selectors.quiz_any_state(quiz_id)
    if quiz is None:
        raise Http404
    attempts = selectors.statistics_attempts(user=request.user, quiz=quiz)
    if attempts is None:
        raise PermissionDenied(
            _("Only editors and organisers may see quiz statistics.")
        )
    return TemplateResponse(
        request,
        "quizzes/admin/statistics.html",
        {
            "quiz": quiz,
            "stats": selectors.quiz_statistics(quiz=quiz, attempts=attempts),
            "page_title": _("Quiz statistics"),
            "header_icon": "form",
        },
    )
