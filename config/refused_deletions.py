"""How the admin says a delete was refused because members' records hang on it.

Wagtail deletes everything selected or nothing, so when some of a bulk selection
is refused, nothing is deleted: each refused object says why, and the editor is
told to select only the others (``courses.deletion`` for pages members studied,
``quizzes.deletion`` for questions and quizzes members answered).
"""

from django.contrib import messages
from django.utils.translation import gettext


def say_why_nothing_was_deleted(request, reasons: list[str], *, selected: int) -> None:
    for reason in reasons:
        messages.error(request, reason)
    if selected > len(reasons):
        messages.warning(
            request,
            gettext("Nothing was deleted. Select only the others to delete them."),
        )
