"""Admin pages for roster import (dry run, then all-or-nothing) and exports."""

import csv
import datetime
import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from members import roster
from members.admin_views import AdminFormView
from members.forms import RosterImportForm
from members.scoping import is_organiser


class RosterImportView(AdminFormView):
    template_name = "members/admin/roster_import.html"
    page_title = gettext_lazy("Import a roster")
    form_class = RosterImportForm
    submit_button_label = gettext_lazy("Check the file")

    def form_valid(self, form):
        try:
            rows = roster.read_roster(form.cleaned_data["file"])
        except roster.RosterFileError as error:
            return self.fail(form, str(error))
        if form.cleaned_data["commit"]:
            try:
                created = roster.roster_import(user=self.request.user, rows=rows)
            except roster.RosterRejected as rejected:
                return self.report(form, rejected.check, status=400)
            messages.success(
                self.request,
                _("%(count)s members imported.") % {"count": len(created)},
            )
            return redirect("members_member:index")
        check = roster.roster_check(user=self.request.user, rows=rows)
        return self.report(form, check, status=200 if check.ok else 400)

    def report(self, form, check, *, status):
        context = self.get_context_data(form=form, check=check)
        return self.render_to_response(context, status=status)


class _Echo:
    def write(self, value):
        return value


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        # A byte-order mark so Excel opens the UTF-8 file with Chinese intact.
        yield "\ufeff"
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_response(rows, filename: str) -> FileResponse:
    """openpyxl's write-only mode keeps memory flat; the file is spooled to disk."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
    )


def _spreadsheet(request, rows, name: str):
    """CSV by default (streamed); ``?format=xlsx`` for an Excel workbook."""
    stem = f"{name}-{datetime.date.today().isoformat()}"
    if request.GET.get("format") == "xlsx":
        return _xlsx_response(rows, f"{stem}.xlsx")
    return _csv_response(rows, f"{stem}.csv")


def roster_export(request):
    if not is_organiser(request.user):
        raise PermissionDenied
    return _spreadsheet(request, roster.roster_export_rows(request.user), "members")


def ledger_export(request, kind: str):
    if not is_organiser(request.user):
        raise PermissionDenied
    return _spreadsheet(
        request, roster.ledger_rows(request.user, kind), f"{kind}-ledger"
    )
