from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        # The report roll-ups follow members moving (docs/reports.md).
        from courses import admin_fields
        from courses.reporting import receivers

        receivers.connect()
        # A course that is unpublished takes its lessons with it.
        from wagtail.signals import page_unpublished

        from courses.publishing import unpublish_subpages

        page_unpublished.connect(unpublish_subpages, dispatch_uid="unpublish_subpages")
        # Rules for times and tags in every admin form.
        admin_fields.register()
