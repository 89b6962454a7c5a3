"""Organiser API for the completion report, mounted under /api/v1/reports/."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.models import CoursePage
from courses.reporting.models import Campaign
from courses.reporting.selectors import (
    completion_report,
    member_statuses,
    members_for_report,
    report_root_for,
    study_unit,
)
from members.models import Member, Organisation
from members.scoping import is_organiser, organisation_in_scope

ERRORS = {
    400: OpenApiResponse(description="Invalid filters (the body says which)."),
    403: OpenApiResponse(description="Not signed in, or not an organiser."),
    404: OpenApiResponse(
        description="The organisation does not exist or is outside your area."
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
            attrs["campaign"] = Campaign.objects.filter(pk=attrs["campaign"]).first()
            if attrs["campaign"] is None:
                raise ValidationError({"campaign": _("No such campaign.")})
        if "course" in attrs:
            attrs["course"] = (
                CoursePage.objects.live().filter(pk=attrs["course"]).first()
            )
            if attrs["course"] is None:
                raise ValidationError({"course": _("No such course.")})
        return attrs


def _organisation(request, organisation_id) -> Organisation:
    if organisation_id is None:
        organisation = report_root_for(request.user)
        if organisation is None:
            raise PermissionDenied(_("Only organisers can see reports."))
        return organisation
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not organisation_in_scope(request.user, organisation):
        raise NotFound(_("No such organisation in your area."))
    return organisation


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

            def get_by_bucket(self, row) -> dict:
                return {
                    bucket: {
                        "members": row.members[bucket],
                        "started": row.started[bucket],
                        "completed": row.completed[bucket],
                        "hours": str(row.hours[bucket]),
                    }
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
        filters.is_valid(raise_exception=True)
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


class MemberStatusApi(APIView):
    class InputSerializer(FilterSerializer):
        mobility = serializers.ChoiceField(
            choices=Member.Mobility.choices, required=False
        )
        status = serializers.ChoiceField(
            choices=["not_started", "in_progress", "completed"], required=False
        )

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

        def get_lesson_status(self, item) -> list[dict]:
            return [
                {
                    "status": cell.status,
                    "completed_via": cell.completed_via,
                    "score": str(cell.score) if cell.score is not None else None,
                }
                for cell in item.cells
            ]

    @extend_schema(
        operation_id="reports_members",
        parameters=[InputSerializer],
        responses={200: OutputSerializer(many=True), **ERRORS},
        summary="Members of an organisation's subtree (or your paired members)",
    )
    def get(self, request):
        filters = self.InputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        organisation = None
        if data.get("organisation") is not None:
            organisation = _organisation(request, data["organisation"])
        unit = study_unit(course=data.get("course"), campaign=data.get("campaign"))
        members = members_for_report(
            user=request.user,
            unit=unit,
            organisation=organisation,
            mobility=data.get("mobility", ""),
            status=data.get("status", ""),
        ).order_by("name", "id")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(members, request, view=self)
        items = member_statuses(user=request.user, members=page, unit=unit)
        return paginator.get_paginated_response(
            self.OutputSerializer(items, many=True).data
        )
