"""The courses app owns the Wagtail page tree of study content.

``CourseIndexPage`` (the site's home) > ``CoursePage`` > ``LessonPage``. Progress and
completion per member live here too as the lesson issue grows them.
"""

from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from courses.blocks import TEXT_FEATURES, LessonBodyBlock


class CourseIndexPage(Page):
    """The site's home: the courses a member can study."""

    intro = RichTextField(
        blank=True, features=TEXT_FEATURES, verbose_name=_("Introduction")
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("course index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = (
            CoursePage.objects.child_of(self).live().specific().order_by("path")
        )
        return context


class CoursePage(Page):
    summary = models.CharField(
        max_length=255,
        blank=True,
        verbose_name=_("Summary"),
        help_text=_("One or two sentences shown in course lists."),
    )
    description = RichTextField(
        blank=True, features=TEXT_FEATURES, verbose_name=_("Description")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("description"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")

    def lessons(self):
        return LessonPage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lessons"] = self.lessons()
        return context


class LessonPage(Page):
    summary = models.CharField(max_length=255, blank=True, verbose_name=_("Summary"))
    body = StreamField(LessonBodyBlock(), blank=True, verbose_name=_("Body"))

    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")

    def serve(self, request, *args, **kwargs):
        # Lessons are for signed-in members: progress is kept per member.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        course = self.get_parent().specific
        context["course"] = course
        # A draft being previewed is not among the live lessons: it has no neighbours.
        context["previous_lesson"] = (
            course.lessons().filter(path__lt=self.path).order_by("-path").first()
        )
        context["next_lesson"] = course.lessons().filter(path__gt=self.path).first()
        return context
