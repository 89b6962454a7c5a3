"""The "Lecture jobs" admin screen: every lecture's transcoding status, live."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from media_pipeline import admin_views


class LectureJobsMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_see_jobs(request.user)


class LectureJobsViewSet(ViewSet):
    name = "lecture_jobs"
    url_prefix = "lecture-jobs"
    icon = "media"
    menu_label = _("Lecture jobs")
    menu_order = 310  # just after wagtailmedia's "Media"
    add_to_admin_menu = True

    def get_urlpatterns(self):
        return [
            path("", admin_views.jobs_index, name="index"),
            path("status.json", admin_views.jobs_status, name="status"),
            path("<id:lecture_id>/retry/", admin_views.retry, name="retry"),
            path("<id:lecture_id>/refresh/", admin_views.refresh, name="refresh"),
            path("<id:lecture_id>/original/", admin_views.original, name="original"),
            path(
                "refresh-outdated/",
                admin_views.refresh_outdated,
                name="refresh_outdated",
            ),
        ]

    menu_item_class = LectureJobsMenuItem

    @property
    def menu_url(self):
        return reverse("lecture_jobs:index")


lecture_jobs_viewset = LectureJobsViewSet()
