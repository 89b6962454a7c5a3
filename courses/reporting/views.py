"""Organiser pages: the completion report, a branch's member list, reminders.

Site pages (organisers use phones too), with CSV/XLSX export (``spreadsheets``)
on the same filters (``?export=csv|xlsx``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View

import spreadsheets
from courses.models import CompletedVia, ProgressStatus
from courses.permissions import can_follow_members
from courses.reminders.selectors import reminders_in_scope
from courses.reminders.services import reminder_send
from courses.reporting.charts import completion_rate_chart, weekly_chart
from courses.reporting.forms import (
    STATUS_CHOICES,
    MemberListFilterForm,
    MemberPageForm,
    ReminderForm,
    ReportFilterForm,
)
from courses.reporting.selectors import (
    StudyUnit,
    completion_report,
    default_unit_choices,
    iter_member_statuses,
    list_candidates,
    member_list_total,
    member_page,
    member_statuses,
    members_for_report,
    related_members,
    report_areas_for,
    report_root_for,
    study_unit,
)
from members.held import HELD_HERE
from members.models import Member
from members.scoping import (
    is_helper,
    is_organiser,
    members_in_scope,
    organisation_in_scope,
)


class StreamedSpreadsheetMixin:
    """``?export=csv|xlsx`` on a view's plain rows (dicts keyed by ``list_export``),
    written by ``spreadsheets``: CSV streamed, XLSX spooled, flat memory, cells
    safe from formula injection, times in the site's time zone."""

    list_export: list[str] = []
    export_headings: dict = {}

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = request.GET.get("export") in spreadsheets.FORMATS

    def refuse_unknown_export(self, request, form) -> bool:
        """An ``export`` the site cannot write (``pdf``) becomes the form's error
        (a 400 page) instead of the page the link did not ask for."""
        if "export" in request.GET and not self.is_export:
            form.add_error(None, _("A download is a CSV or an XLSX file."))
        return bool(form.errors)

    def as_spreadsheet(self, items, kind: str, *, filename: str):
        fields = self.list_export
        return spreadsheets.spreadsheet_response(
            kind,
            [self.export_headings.get(field, field) for field in fields],
            ([item.get(field) for field in fields] for item in items),
            filename=filename,
        )


UNIT_FILTERS = frozenset({"campaign", "course"})
MEMBER_LIST_FILTERS = UNIT_FILTERS | {"mobility", "status", "q", "held"}


def _filters(
    request, *, organisation=None, keep=MEMBER_LIST_FILTERS, **overrides
) -> str:
    """The query string of the filters in ``keep``, for links and exports."""
    params = {key: value for key, value in request.GET.items() if key in keep and value}
    if organisation is not None:
        params["organisation"] = organisation.pk
    params.update({key: value for key, value in overrides.items() if value})
    return urlencode(params)


def _export_urls(request, organisation, keep=MEMBER_LIST_FILTERS) -> dict:
    return {
        f"{kind}_url": "?"
        + _filters(request, organisation=organisation, keep=keep, export=kind)
        for kind in ("csv", "xlsx")
    }


def resolve_filters(
    request, form_class=ReportFilterForm
) -> tuple[ReportFilterForm, StudyUnit | None, object]:
    """The validated filters, the study unit and the organisation (or None)."""
    form = form_class(request.GET or None, user=request.user)
    if request.GET and not form.is_valid():
        return form, None, None
    data = form.cleaned_data if request.GET else {}
    campaign, course = data.get("campaign"), data.get("course")
    if campaign is None and course is None:
        campaigns, courses = default_unit_choices()
        campaign = campaigns.first()
        course = None if campaign is not None else courses.first()
        if campaign is None and course is None:
            return form, None, data.get("organisation")
        # Show the unit reported on in the form, not an empty choice.
        shown = request.GET.copy()
        shown["campaign" if campaign else "course"] = (campaign or course).pk
        form = form_class(shown, user=request.user)
        form.is_valid()
    unit = study_unit(campaign=campaign, course=course)
    return form, unit, data.get("organisation")


def _bad_filters(request, form, template="courses/reports/report.html"):
    return render(request, template, {"form": form, "invalid": True}, status=400)


class ReportView(LoginRequiredMixin, StreamedSpreadsheetMixin, View):
    list_export = [
        "organisation",
        "members",
        "started",
        "completed",
        "completion_rate",
        "hours",
        "local_members",
        "local_completed",
        "outflow_members",
        "outflow_completed",
        "inflow_members",
        "inflow_completed",
    ]
    export_headings = {
        "organisation": gettext_lazy("Organisation"),
        "members": gettext_lazy("Members"),
        "started": gettext_lazy("Started"),
        "completed": gettext_lazy("Completed"),
        "completion_rate": gettext_lazy("Completion rate (%)"),
        "hours": gettext_lazy("Study hours"),
        "local_members": gettext_lazy("Local members"),
        "local_completed": gettext_lazy("Local completed"),
        "outflow_members": gettext_lazy("Outflow members (at home)"),
        "outflow_completed": gettext_lazy("Outflow completed"),
        "inflow_members": gettext_lazy("Inflow members (at the host)"),
        "inflow_completed": gettext_lazy("Inflow completed"),
    }

    def get(self, request):
        if not is_organiser(request.user):
            if is_helper(request.user):
                # Helpers follow their paired members on the member list.
                return redirect("courses:report-members")
            raise PermissionDenied(_("Only organisers can see reports."))
        form, unit, organisation = resolve_filters(request)
        if self.refuse_unknown_export(request, form):
            return _bad_filters(request, form)
        organisation = organisation or report_root_for(request.user)
        if unit is None:
            return render(
                request, "courses/reports/report.html", {"form": form, "empty": True}
            )
        report = completion_report(
            user=request.user, organisation=organisation, unit=unit
        )
        rows = [*report.rows, report.total]
        if self.is_export:
            return self.as_spreadsheet(
                [_export_row(row) for row in rows],
                request.GET["export"],
                filename=spreadsheets.download_name(
                    pgettext("a download's file name", "completion report"),
                    unit.title,
                    organisation.name,
                ),
            )
        # The way back up, within the user's own areas: any of them, not only
        # the first, where the report opens (an organiser of two areas).
        ancestors = [
            ancestor
            for ancestor in organisation.get_ancestors()
            if organisation_in_scope(request.user, ancestor)
        ]
        return render(
            request,
            "courses/reports/report.html",
            {
                "form": form,
                "report": report,
                "unit": unit,
                "organisation": organisation,
                "ancestors": ancestors,
                # An organiser of several areas reaches each from the report,
                # not only the first, where it opens.
                "areas": report_areas_for(request.user),
                # The unit's filters alone: links add the organisation they lead to.
                "unit_filters": _filters(request, keep=UNIT_FILTERS),
                "rows": [
                    (
                        row,
                        _filters(
                            request, organisation=row.organisation, keep=UNIT_FILTERS
                        ),
                    )
                    for row in report.rows
                ],
                "rate_chart": completion_rate_chart(
                    row for row in report.rows if not row.is_self
                ),
                "weekly_chart": weekly_chart(report.weeks),
                # The ledgers' own totals (None: not counted), so the links
                # state what the lists will show.
                "ledger_totals": {
                    mobility: member_list_total(
                        user=request.user,
                        unit=unit,
                        organisation=organisation,
                        mobility=mobility,
                    )
                    for mobility in (Member.Mobility.OUTFLOW, Member.Mobility.INFLOW)
                },
                "filters": _filters(
                    request, organisation=organisation, keep=UNIT_FILTERS
                ),
                **_export_urls(request, organisation, keep=UNIT_FILTERS),
            },
        )


def _export_row(row) -> dict:
    return {
        "organisation": row.label if not row.is_total else _("Total"),
        "members": row.total_members,
        "started": row.total_started,
        "completed": row.total_completed,
        "completion_rate": row.completion_rate,
        "hours": row.total_hours,
        "local_members": row.members["local"],
        "local_completed": row.completed["local"],
        "outflow_members": row.outflow_members,
        "outflow_completed": row.outflow_completed,
        "inflow_members": row.inflow_members,
        "inflow_completed": row.inflow_completed,
    }


class MembersView(LoginRequiredMixin, StreamedSpreadsheetMixin, View):
    """A subtree's (usually a branch's) members and their status per lesson; with
    ``mobility=outflow`` / ``inflow`` it is the outflow / inflow ledger."""

    page_size = 50

    def get(self, request):
        if not can_follow_members(request.user):
            raise PermissionDenied(_("Only organisers and helpers can list members."))
        form, unit, organisation = resolve_filters(request, MemberListFilterForm)
        if self.refuse_unknown_export(request, form):
            return _bad_filters(request, form, "courses/reports/members.html")
        if unit is None:
            return render(
                request, "courses/reports/members.html", {"form": form, "empty": True}
            )
        related = {
            "user": request.user,
            "unit": unit,
            "organisation": organisation,
            "mobility": form.cleaned_data.get("mobility", "") if request.GET else "",
            "search": form.cleaned_data.get("q", "") if request.GET else "",
            "held_here": bool(request.GET)
            and form.cleaned_data.get("held") == HELD_HERE,
        }
        status = form.cleaned_data.get("status", "") if request.GET else ""
        if self.is_export:
            self._set_columns(unit)
            labels = _Labels()
            rows = (
                _member_row(item, unit, labels)
                for item in iter_member_statuses(
                    user=request.user,
                    members=related_members(**related),
                    unit=unit,
                    status=status,
                )
            )
            return self.as_spreadsheet(
                rows,
                request.GET["export"],
                filename=_members_file_name(
                    request.user,
                    unit,
                    organisation,
                    related["mobility"],
                    related["held_here"],
                ),
            )
        members = members_for_report(**related, status=status)
        position = MemberPageForm(request.GET)
        if not position.is_valid():
            for error in position.errors.values():
                form.add_error(None, error)
            return _bad_filters(request, form, "courses/reports/members.html")
        page = member_page(
            members,
            after=position.cleaned_data["after"],
            before=position.cleaned_data["before"],
            size=self.page_size,
            candidates=list_candidates(
                user=request.user,
                organisation=related["organisation"],
                mobility=related["mobility"],
                held_here=related["held_here"],
            ),
        )
        statuses = member_statuses(user=request.user, members=page.members, unit=unit)
        reminder_form = ReminderForm(
            members=members,
            initial={
                "campaign": unit.campaign,
                "course": unit.course,
                # What the organiser typed, when sending it was refused.
                **_refused_reminder(request),
            },
        )
        filters_query = _filters(request, organisation=organisation)
        return render(
            request,
            "courses/reports/members.html",
            {
                "form": form,
                "unit": unit,
                "organisation": organisation,
                "held_here": related["held_here"],
                "page": page,
                "total": member_list_total(**related, status=status, page=page),
                "first_url": f"?{filters_query}" if page.previous else "",
                "previous_url": (
                    f"?{filters_query}&{urlencode({'before': str(page.previous)})}"
                    if page.previous
                    else ""
                ),
                "next_url": (
                    f"?{filters_query}&{urlencode({'after': str(page.next)})}"
                    if page.next
                    else ""
                ),
                "statuses": statuses,
                "search": related["search"],
                # ReminderForm refuses a campaign that is not running, too.
                "can_remind": is_organiser(request.user)
                and (unit.campaign is None or unit.campaign.is_active()),
                "reminder_form": reminder_form,
                "filters": filters_query,
                **_export_urls(request, organisation),
                "status_labels": dict(STATUS_CHOICES),
                "progress_labels": dict(ProgressStatus.choices),
            },
        )

    def _set_columns(self, unit):
        self.list_export = [
            "name",
            "phone",
            "home_organisation",
            "host_organisation",
            "mobility",
            "status",
            "completed",
            "lessons",
            "hours",
            "last_activity",
            "completed_via",
            "best_score",
            *(f"lesson_{lesson.pk}" for lesson in unit.lessons),
        ]
        self.export_headings = {
            "name": pgettext("person", "Name"),
            "phone": _("Phone"),
            "home_organisation": _("Home organisation"),
            "host_organisation": _("Host organisation"),
            "mobility": _("Mobility"),
            "status": _("Study status"),
            "completed": _("Lessons completed"),
            "lessons": _("Lessons"),
            "hours": _("Study hours"),
            "last_activity": _("Last activity"),
            "completed_via": _("Completed via"),
            "best_score": _("Best quiz score"),
            **{f"lesson_{lesson.pk}": lesson.title for lesson in unit.lessons},
        }


def _members_file_name(
    user, unit, organisation, mobility: str, held_here: bool = False
) -> str:
    """What the member list's download holds, in its file name: the unit, the
    organisation (the user's own area without one), whether only its own
    members, a ledger's side."""
    if organisation is None:
        organisation = report_root_for(user)  # None for a helper
    return spreadsheets.download_name(
        pgettext("a download's file name", "member study status"),
        unit.title,
        organisation.name if organisation else "",
        pgettext("a download's file name", "held directly") if held_here else "",
        Member.Mobility(mobility).label if mobility else "",
    )


class _Labels:
    """Translated labels resolved once per export, not once per cell (lazy strings
    cost a catalogue lookup each time they are turned into text)."""

    def __init__(self):
        self.status = {key: str(label) for key, label in STATUS_CHOICES}
        self.progress = {key: str(label) for key, label in ProgressStatus.choices}
        self.via = {key: str(label) for key, label in CompletedVia.choices}
        self.mobility = {key: str(label) for key, label in Member.Mobility.choices}
        self.separator = pgettext("between the items of a list", ", ")
        self.cells = {
            (status, via): f"{self.progress[status]} ({self.via[via]})"
            if via
            else self.progress[status]
            for status in self.progress
            for via in ["", *self.via]
        }


def _member_row(item, unit, labels: _Labels) -> dict:
    member = item.member
    row = {
        "name": member.name,
        "phone": item.phone,
        "home_organisation": member.home_organisation.name,
        "host_organisation": (
            member.host_organisation.name if member.host_organisation_id else ""
        ),
        "mobility": labels.mobility[member.mobility_status],
        "status": labels.status[item.status],
        "completed": item.completed,
        "lessons": item.lessons,
        "hours": item.hours,
        "last_activity": item.last_activity,
        "completed_via": labels.separator.join(
            labels.via[via]
            for via in sorted({c.completed_via for c in item.cells if c.completed_via})
        ),
        "best_score": item.best_score,
    }
    for lesson, cell in zip(unit.lessons, item.cells, strict=True):
        row[f"lesson_{lesson.pk}"] = labels.cells[(cell.status, cell.completed_via)]
    return row


REFUSED_REMINDER = "courses_refused_reminder_message"


def _refused_reminder(request) -> dict:
    """The message of a reminder just refused (``ReminderSendView``), once."""
    message = request.session.pop(REFUSED_REMINDER, "")
    return {"message": message} if message else {}


class ReminderSendView(LoginRequiredMixin, View):
    def post(self, request):
        if not is_organiser(request.user):
            raise PermissionDenied(_("Only organisers can send reminders."))
        form = ReminderForm(request.POST, members=members_in_scope(request.user))
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}
        ):
            back = reverse("courses:report-members")
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            # Back on the list, its message box holds the text again: a refusal
            # (nobody ticked, say) must not cost the organiser what they typed.
            request.session[REFUSED_REMINDER] = request.POST.get("message", "")
            return redirect(back)
        result = reminder_send(
            sent_by=request.user,
            members=form.cleaned_data["members"],
            message=form.cleaned_data["message"],
            campaign=form.cleaned_data["campaign"],
            course=form.cleaned_data["course"],
        )
        messages.success(
            request,
            _("Reminders sent: %(sent)d. Skipped (reminded recently): %(skipped)d.")
            % {"sent": len(result.sent), "skipped": len(result.skipped)},
        )
        if result.skipped:
            messages.info(request, _skipped_note(result.skipped))
        return redirect(back)


SKIPPED_NAMES_SHOWN = 10


def _skipped_note(skipped) -> str:
    """Who was skipped, and when they can be reminded again."""
    separator = pgettext("between the items of a list", ", ")
    shown = separator.join(member.name for member in skipped[:SKIPPED_NAMES_SHOWN])
    if len(skipped) > SKIPPED_NAMES_SHOWN:
        # One message, so each language joins the rest its own way (no separator
        # before 及 in Chinese).
        shown = _("%(names)s and %(count)d more") % {
            "names": shown,
            "count": len(skipped) - SKIPPED_NAMES_SHOWN,
        }
    return _(
        "Not reminded again: %(names)s. Each member gets at most one reminder "
        "every %(hours)d hours."
    ) % {"names": shown, "hours": settings.SATCHEL_REMINDER_INTERVAL_HOURS}


class RemindersView(LoginRequiredMixin, View):
    """The reminder log: an organiser's subtree, or a helper's paired members."""

    def get(self, request):
        if not can_follow_members(request.user):
            raise PermissionDenied(
                _("Only organisers and helpers can see the reminders sent.")
            )
        page = Paginator(reminders_in_scope(request.user), 50).get_page(
            request.GET.get("page")
        )
        return render(request, "courses/reports/reminders.html", {"page_obj": page})
