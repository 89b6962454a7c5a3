from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        # The report roll-ups follow members moving (docs/reports.md).
        from courses import admin_times
        from courses.reporting import receivers

        receivers.connect()
        # Scheduled publishing times within 1900-2199 in every admin form.
        admin_times.register()
