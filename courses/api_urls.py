"""API endpoints of the courses app, mounted under /api/v1/."""

from django.urls import path

from courses.api import ProgressApi, ProgressBeaconApi, StudyPreferenceApi

urlpatterns = [
    path("progress/", ProgressApi.as_view(), name="progress"),
    path("progress/beacon/", ProgressBeaconApi.as_view(), name="progress-beacon"),
    path("study-preference/", StudyPreferenceApi.as_view(), name="study-preference"),
]
