"""Messages about a lecture, stored as a key and parameters, translated when shown.

A worker runs in whatever language it was started with, and editors read in theirs,
so a failure is stored as ``Lecture.error_key`` + ``Lecture.error_params`` (JSON) and
rendered by ``render()`` in the language active where it is shown (the admin screens
and the status JSON). A parameter may itself be a message (``{"key": ..., "params":
...}``, e.g. the cause inside "Attempt 2 failed (...)"): it is rendered first, in the
same language. Text that cannot be translated (ffmpeg's own error lines) is passed as
a plain string parameter.

Keys are stored in the database: never rename one; add a new key instead.
"""

from dataclasses import dataclass, field

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # Refusals of the probe (also form errors on upload).
    "not_readable": _("This file is not a video or audio file that can be read."),
    "no_tracks": _("This file has neither a video nor an audio track."),
    "zero_duration": _("This file has no playable length (its duration is zero)."),
    "no_picture_size": _("The video track has no picture size."),
    "video_damaged": _("The video track is damaged and cannot be decoded."),
    "no_pictures": _("The video track holds no pictures."),
    "too_long": _(
        "This file is %(minutes)d minutes long; the limit is %(limit)d minutes."
    ),
    "too_large": _(
        "The picture is %(width)dx%(height)d; the limit is %(limit)d pixels."
    ),
    # ffmpeg (``detail``: ffmpeg's own last error lines, untranslated).
    "ffmpeg_stalled": _("ffmpeg made no progress for %(seconds)d s and was stopped"),
    "ffmpeg_exited": _("ffmpeg exited with status %(status)d: %(detail)s"),
    # The job (``detail``: a message or plain text).
    "transcode_failed": _("Transcoding failed: %(detail)s"),
    "internal_error": _("Transcoding failed because of an internal error."),
    "retrying": _("Attempt %(attempt)d failed (%(detail)s); trying again."),
    "worker_unresponsive": _(
        "The transcoding worker stopped responding %(attempts)d times."
    ),
}


@dataclass(frozen=True)
class Message:
    """A translatable message: ``str()`` renders it in the active language."""

    key: str
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"key": self.key, "params": self.params}

    def __str__(self) -> str:
        return render(self.key, self.params)


def _value(value):
    if isinstance(value, dict) and "key" in value:
        return render(value["key"], value.get("params") or {})
    return value


def render(key: str, params: dict | None = None) -> str:
    """The message in the active language; an unknown key shows as itself."""
    template = MESSAGES.get(key)
    if template is None:
        return key
    values = {name: _value(value) for name, value in (params or {}).items()}
    try:
        return str(template) % values if values else str(template)
    except (KeyError, TypeError, ValueError):
        # A translation with a broken placeholder must not break the admin.
        return str(template)


render_lazy = lazy(render, str)
