"""Registration only: the quizzes admin menu, admin URLs and listing buttons."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet

from quizzes import admin_views
from quizzes.deletion import refuse_answered, refuse_unpublishing_a_completing_quiz
from quizzes.models import Quiz
from quizzes.viewsets import QuizzesGroup

register_snippet(QuizzesGroup)

# Answered quizzes and bank questions are kept (quizzes/deletion.py).
hooks.register("before_delete_snippet", refuse_answered)
# Unpublishing a quiz that live lessons are completed by would strand them.
hooks.register("before_unpublish", refuse_unpublishing_a_completing_quiz)


@hooks.register("register_admin_urls")
def register_admin_urls():
    # Built when Wagtail's admin URLs are, after config/urls.py registered <id:...>.
    admin_urlpatterns = [
        path("bank/", admin_views.bank_view, name="bank"),
        path(
            "<id:quiz_id>/statistics/", admin_views.statistics_view, name="statistics"
        ),
    ]
    return [
        path(
            "quizzes/tools/",
            include((admin_urlpatterns, "quizzes_admin"), namespace="quizzes_admin"),
        )
    ]


@hooks.register("register_snippet_listing_buttons")
def statistics_button(snippet, user, next_url=None):
    if isinstance(snippet, Quiz) and user.has_perm("quizzes.change_quiz"):
        yield Button(
            _("Statistics"),
            url=reverse("quizzes_admin:statistics", args=[snippet.pk]),
            icon_name="table",
            priority=50,
        )
