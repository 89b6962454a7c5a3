"""Template filters for lectures."""

import math

from django import template

from media_pipeline import messages

register = template.Library()


@register.filter
def lecture_duration(seconds) -> str:
    """A lecture's length as the messages write it: "42 s" (translated) under a
    minute, else h:mm:ss."""
    if seconds in (None, ""):
        return ""
    return messages.as_text(messages.duration(float(seconds)))


@register.filter
def lecture_position(seconds) -> str:
    """A point in a lecture (where playback resumes), in whole seconds rounded
    down, as ``lecture_duration`` writes them: "42 s" or "0:30:34"."""
    if seconds in (None, ""):
        return ""
    return messages.as_text(messages.duration(math.floor(float(seconds))))


@register.simple_tag
def seconds_pattern() -> str:
    """How ``lecture_position`` writes a point under a minute, with ``{s}`` for
    the number: for a script that writes the same text ("{s} s", "{s} 秒")."""
    return messages.render("duration_seconds", {"seconds": "{s}"})
