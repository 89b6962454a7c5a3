"""Organiser API for the completion report, mounted under /api/v1/reports/."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.ids import pk_fits
from courses.models import CoursePage
from courses.permissions import can_follow_members
from courses.reporting.forms import SEARCH_MAX_LENGTH, one_position
from courses.reporting.models import Campaign
from courses.reporting.selectors import (
    Cursor,
    completion_report,
    list_candidates,
    member_list_total,
    member_page,
    member_statuses,
    members_for_report,
    report_root_for,
    study_unit,
)
from members.api.errors import ErrorSerializer, invalid_response
from members.held import HELD_HERE, NEEDS_ORGANISATION
from members.models import Member, Organisation
from members.scoping import is_organiser, organisation_in_scope

# The API's one error body, ``{"detail", "code"[, "fields"]}``: a refused filter is
# ``invalid`` with the filters' messages under ``fields`` (``invalid_response``).
ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer, description="Invalid filters (``fields`` says which)."
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not signed in, or not an organiser (completion) or helper "
        "(members).",
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description="The organisation does not exist or is outside your area.",
    ),
}


class FilterSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(required=False, help_text="Campaign id.")
    course = serializers.IntegerField(required=False, help_text="Course page id.")
    organisation = serializers.IntegerField(
        required=False, help_text="Organisation id; defaults to your own."
    )

    def validate(self, attrs):
        if "campaign" in attrs and "course" in attrs:
            raise ValidationError(_("Choose a campaign or a course, not both."))
        if "campaign" not in attrs and "course" not in attrs:
            raise ValidationError(_("Choose a campaign or a course."))
        if "campaign" in attrs:
            attrs["campaign"] = _by_id(Campaign.objects, attrs["campaign"])
            if attrs["campaign"] is None:
                raise ValidationError({"campaign": _("No such campaign.")})
        if "course" in attrs:
            attrs["course"] = _by_id(CoursePage.objects.live(), attrs["course"])
            if attrs["course"] is None:
                raise ValidationError({"course": _("No such course.")})
        return attrs


def _by_id(queryset, pk):
    """The row with id ``pk``, or None (also for an id no row can have)."""
    return queryset.filter(pk=pk).first() if pk_fits(queryset.model, pk) else None


def _organisation(request, organisation_id) -> Organisation:
    if organisation_id is None:
        organisation = report_root_for(request.user)
        if organisation is None:
            raise PermissionDenied(_("Only organisers can see reports."))
        return organisation
    organisation = _by_id(Organisation.objects, organisation_id)
    if organisation is None or not organisation_in_scope(request.user, organisation):
        raise NotFound(_("No such organisation in your area."))
    return organisation


class BucketSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CompletionReportBucket"

    members = serializers.IntegerField()
    started = serializers.IntegerField()
    completed = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=14, decimal_places=2)


class LessonCellSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MemberLessonStatus"

    status = serializers.CharField()
    completed_via = serializers.CharField(allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class CompletionReportApi(APIView):
    class InputSerializer(FilterSerializer):
        pass

    class OutputSerializer(serializers.Serializer):
        class RowSerializer(serializers.Serializer):
            class Meta:
                ref_name = "CompletionReportRow"

            organisation = serializers.IntegerField(source="organisation.pk")
            name = serializers.CharField(source="label")
            path = serializers.CharField()
            held_directly = serializers.BooleanField(source="is_self")
            members = serializers.IntegerField(source="total_members")
            started = serializers.IntegerField(source="total_started")
            completed = serializers.IntegerField(source="total_completed")
            completion_rate = serializers.FloatField()
            hours = serializers.DecimalField(
                source="total_hours", max_digits=14, decimal_places=2
            )
            by_bucket = serializers.SerializerMethodField()

            @extend_schema_field(serializers.DictField(child=BucketSerializer()))
            def get_by_bucket(self, row) -> dict:
                """Per mobility bucket (``local``, ``outflow``, ``inflow``), the
                same figures as the row's totals, hours written the same way."""
                return {
                    bucket: BucketSerializer(
                        {
                            "members": row.members[bucket],
                            "started": row.started[bucket],
                            "completed": row.completed[bucket],
                            "hours": row.hours[bucket],
                        }
                    ).data
                    for bucket in row.members
                }

        class WeekSerializer(serializers.Serializer):
            class Meta:
                ref_name = "CompletionReportWeek"

            week = serializers.DateField()
            completed = serializers.IntegerField()

        class Meta:
            ref_name = "CompletionReport"

        unit = serializers.CharField()
        total = RowSerializer()
        rows = RowSerializer(many=True)
        weeks = WeekSerializer(many=True)

    @extend_schema(
        operation_id="reports_completion",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **ERRORS},
        summary="Completion of a campaign or course: an organisation and its children",
    )
    def get(self, request):
        if not is_organiser(request.user):
            raise PermissionDenied(_("Only organisers can see reports."))
        filters = self.InputSerializer(data=request.query_params)
        if not filters.is_valid():
            return invalid_response(filters)
        data = filters.validated_data
        organisation = _organisation(request, data.get("organisation"))
        unit = study_unit(course=data.get("course"), campaign=data.get("campaign"))
        report = completion_report(
            user=request.user, organisation=organisation, unit=unit
        )
        payload = {
            "unit": unit.title,
            "total": report.total,
            "rows": report.rows,
            "weeks": [{"week": week, "completed": n} for week, n in report.weeks],
        }
        return Response(self.OutputSerializer(payload).data)


class CursorField(serializers.CharField):
    """A position in the member list's (name, id) order, as its links give it."""

    def to_internal_value(self, data):
        try:
            return Cursor.parse(super().to_internal_value(data))
        except ValueError:
            raise ValidationError(_("Not a position in this list.")) from None


class MemberStatusApi(APIView):
    page_size = 50

    class InputSerializer(FilterSerializer):
        mobility = serializers.ChoiceField(
            choices=Member.Mobility.choices, required=False
        )
        status = serializers.ChoiceField(
            choices=["not_started", "in_progress", "completed"], required=False
        )
        q = serializers.CharField(
            required=False,
            max_length=SEARCH_MAX_LENGTH,
            help_text="Part of a name, or digits of a phone you see in full.",
        )
        after = CursorField(required=False, help_text="From a ``next`` link.")
        before = CursorField(required=False, help_text="From a ``previous`` link.")
        held = serializers.ChoiceField(
            choices=[HELD_HERE],
            required=False,
            help_text="``here``: only the members whose home or host is the "
            "organisation itself (the report's ``held_directly`` row), not below it.",
        )

        def validate(self, attrs):
            attrs = super().validate(attrs)
            try:
                one_position(attrs.get("after"), attrs.get("before"))
            except DjangoValidationError as error:
                raise ValidationError(error.messages) from None
            if attrs.get("held") == HELD_HERE and attrs.get("organisation") is None:
                raise ValidationError({"held": [NEEDS_ORGANISATION]})
            return attrs

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MemberStudyStatus"

        id = serializers.IntegerField(source="member.pk")
        name = serializers.CharField(source="member.name")
        phone = serializers.CharField()
        home_organisation = serializers.CharField(
            source="member.home_organisation.name"
        )
        host_organisation = serializers.CharField(
            source="member.host_organisation.name", allow_null=True, default=None
        )
        mobility = serializers.CharField(source="member.mobility_status")
        status = serializers.CharField()
        completed = serializers.IntegerField()
        lessons = serializers.IntegerField()
        hours = serializers.DecimalField(max_digits=8, decimal_places=2)
        last_activity = serializers.DateTimeField(allow_null=True)
        lesson_status = serializers.SerializerMethodField()

        @extend_schema_field(LessonCellSerializer(many=True))
        def get_lesson_status(self, item) -> list[dict]:
            return [
                {
                    "status": cell.status,
                    "completed_via": cell.completed_via,
                    "score": str(cell.score) if cell.score is not None else None,
                }
                for cell in item.cells
            ]

    PageSerializer = inline_serializer(
        name="MemberStudyStatusPage",
        fields={
            "count": serializers.IntegerField(
                allow_null=True,
                help_text="Members in the list, or null where only a scan could "
                "count them (a status filter or a search over more than one page; "
                "inflow members of an area larger than a city).",
            ),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": OutputSerializer(many=True),
        },
    )

    @extend_schema(
        operation_id="reports_members",
        parameters=[InputSerializer],
        responses={200: PageSerializer, **ERRORS},
        summary="Members of an organisation's subtree (or your paired members)",
        description="Keyset pages of 50 in (name, id) order, like the site's list: "
        "follow ``next`` and ``previous``; ``count`` comes from the roll-ups.",
    )
    def get(self, request):
        if not can_follow_members(request.user):
            raise PermissionDenied(_("Only organisers and helpers can list members."))
        filters = self.InputSerializer(data=request.query_params)
        if not filters.is_valid():
            return invalid_response(filters)
        data = filters.validated_data
        organisation = None
        if data.get("organisation") is not None:
            organisation = _organisation(request, data["organisation"])
        related = {
            "user": request.user,
            "unit": study_unit(
                course=data.get("course"), campaign=data.get("campaign")
            ),
            "organisation": organisation,
            "mobility": data.get("mobility", ""),
            "search": data.get("q", ""),
            "held_here": data.get("held") == HELD_HERE,
        }
        status = data.get("status", "")
        page = member_page(
            members_for_report(**related, status=status),
            after=data.get("after"),
            before=data.get("before"),
            size=self.page_size,
            candidates=list_candidates(
                user=request.user,
                organisation=organisation,
                mobility=related["mobility"],
                held_here=related["held_here"],
            ),
        )
        items = member_statuses(
            user=request.user, members=page.members, unit=related["unit"]
        )
        return Response(
            {
                "count": member_list_total(**related, status=status, page=page),
                "next": self._link(request, "after", page.next),
                "previous": self._link(request, "before", page.previous),
                "results": self.OutputSerializer(items, many=True).data,
            }
        )

    @staticmethod
    def _link(request, key: str, position: Cursor | None) -> str | None:
        """This request's URL at ``position`` (``key``: after or before)."""
        if position is None:
            return None
        params = request.query_params.copy()
        params.pop("after", None)
        params.pop("before", None)
        params[key] = str(position)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
