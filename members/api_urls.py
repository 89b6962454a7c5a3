"""API endpoints of the members app, mounted under /api/v1/."""

from django.urls import path

from members import api

urlpatterns = [
    path("members/me/", api.MyProfileApi.as_view(), name="members-api-me"),
    path(
        "members/me/registrations/",
        api.MyRegistrationsApi.as_view(),
        name="members-api-my-registrations",
    ),
    path(
        "members/me/registrations/<id:pk>/cancel/",
        api.MyRegistrationCancelApi.as_view(),
        name="members-api-registration-cancel",
    ),
    path(
        "members/organisations/",
        api.OrganisationSearchApi.as_view(),
        name="members-api-organisations",
    ),
    path("members/", api.MemberListApi.as_view(), name="members-api-list"),
    path("members/<id:pk>/", api.MemberDetailApi.as_view(), name="members-api-detail"),
    path(
        "members/<id:pk>/contacts/",
        api.ContactRecordApi.as_view(),
        name="members-api-contacts",
    ),
]
