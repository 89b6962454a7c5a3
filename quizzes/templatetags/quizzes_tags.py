"""``{% quiz_panel quiz %}``: what the quiz block shows the signed-in member."""

from django import template

from members.scoping import is_organiser
from quizzes import selectors, services

register = template.Library()


@register.simple_tag(takes_context=True)
def quiz_panel(context, quiz):
    request = context.get("request")
    member = selectors.member_for(getattr(request, "user", None))
    if quiz is None or not quiz.live or member is None:
        return None
    # An attempt whose time ran out while the member was away is graded now, so the
    # block can show its result.
    services.attempts_close_expired(quiz=quiz, member=member)
    return selectors.member_quiz_summary(quiz=quiz, member=member)


@register.simple_tag(takes_context=True)
def quiz_statistics_allowed(context) -> bool:
    """Whether to offer the quiz statistics link: editors and organisers."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return user.has_perm("quizzes.change_quiz") or is_organiser(user)
