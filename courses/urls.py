"""Site pages of the courses app."""

from django.urls import path

from courses import views
from courses.reporting import views as report_views

app_name = "courses"

urlpatterns = [
    path("my-study/", views.my_study_view, name="my-study"),
    path(
        "in-person-study/",
        views.in_person_members_view,
        name="in-person-members",
    ),
    path(
        "in-person-study/<id:member_id>/",
        views.in_person_view,
        name="in-person",
    ),
    path(
        "in-person-study/record/<id:record_id>/revoke/",
        views.in_person_revoke_view,
        name="in-person-revoke",
    ),
    path("reports/", report_views.ReportView.as_view(), name="report"),
    path("reports/members/", report_views.MembersView.as_view(), name="report-members"),
    path(
        "reports/remind/", report_views.ReminderSendView.as_view(), name="report-remind"
    ),
    path(
        "reports/reminders/",
        report_views.RemindersView.as_view(),
        name="report-reminders",
    ),
]
