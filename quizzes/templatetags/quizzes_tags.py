"""``{% quiz_panel quiz %}``: what the quiz block shows the signed-in member."""

from django import template

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
