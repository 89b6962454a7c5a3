"""Template filters for lectures."""

from django import template

from media_pipeline import messages

register = template.Library()


@register.filter
def lecture_duration(seconds) -> str:
    """A lecture's length as the messages write it: "42 s" (translated) under a
    minute, else h:mm:ss."""
    if seconds in (None, ""):
        return ""
    value = messages.duration(float(seconds))
    return messages.as_text(value)
