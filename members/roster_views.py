"""Admin pages for roster import (dry run, then all-or-nothing) and exports."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

import spreadsheets
from members import roster
from members.admin_views import AdminFormView
from members.forms import RosterImportForm
from members.models import Organisation
from members.scoping import is_organiser, organisation_paths_for


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


def _spreadsheet(request, rows, what: str):
    """CSV by default (streamed); ``?format=xlsx`` for an Excel workbook. ``rows``
    starts with the headings (the import format's column names); ``what`` the
    file holds leads its name."""
    rows = iter(rows)
    kind = (
        spreadsheets.XLSX if request.GET.get("format") == "xlsx" else spreadsheets.CSV
    )
    return spreadsheets.spreadsheet_response(
        kind, next(rows), rows, filename=_file_name(request.user, what)
    )


def _file_name(user, what: str) -> str:
    """``what`` and the organiser's area (when they organise one subtree; an
    organiser of several gets no area in the name rather than a misleading one)."""
    paths = organisation_paths_for(user)
    area = ""
    if len(paths) == 1:
        area = (
            Organisation.objects.filter(path=paths[0])
            .values_list("name", flat=True)
            .first()
        )
    return spreadsheets.download_name(what, area)


def roster_export(request):
    if not is_organiser(request.user):
        raise PermissionDenied
    return _spreadsheet(
        request,
        roster.roster_export_rows(request.user),
        pgettext("a download's file name", "member roster"),
    )


LEDGER_FILE_NAMES = {
    "outflow": gettext_lazy("Outflow ledger"),
    "inflow": gettext_lazy("Inflow ledger"),
}


def ledger_export(request, kind: str):
    if not is_organiser(request.user):
        raise PermissionDenied
    return _spreadsheet(
        request, roster.ledger_rows(request.user, kind), str(LEDGER_FILE_NAMES[kind])
    )
