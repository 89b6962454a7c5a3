"""API endpoints of the courses app, mounted under /api/v1/."""

from django.urls import path

from courses.api import ProgressApi, ProgressBeaconApi, StudyPreferenceApi
from courses.reporting.api import CompletionReportApi, MemberStatusApi

urlpatterns = [
    path("progress/", ProgressApi.as_view(), name="progress"),
    path("progress/beacon/", ProgressBeaconApi.as_view(), name="progress-beacon"),
    path("study-preference/", StudyPreferenceApi.as_view(), name="study-preference"),
    path(
        "reports/completion/", CompletionReportApi.as_view(), name="report-completion"
    ),
    path("reports/members/", MemberStatusApi.as_view(), name="report-members"),
]
