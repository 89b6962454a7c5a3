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

import math
from dataclasses import dataclass, field

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # Refusals of the probe (also form errors on upload).
    "not_readable": _("This file is not a video or audio file that can be read."),
    "no_tracks": _("This file has neither a video nor an audio track."),
    # A concat script, or an HLS/DASH playlist that ffmpeg could read, named .mp4.
    "refers_to_other_files": _(
        "This file is a list that points to other files, not a video or audio "
        "file. Upload the video or audio file itself."
    ),
    "still_picture": _("This file is a picture, not a video or audio file."),
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
    # Replaces "too_long" (kept for rows stored before): both lengths are durations
    # (``duration()``), the file's rounded up, so it never looks equal to the limit.
    "too_long_duration": _("This file is %(duration)s long; the limit is %(limit)s."),
    "extreme_aspect_ratio": _(
        "The picture is %(width)dx%(height)d: one side is more than %(ratio)d times "
        "the other. Lectures can be at most %(ratio)d:1 either way (16:9, 21:9 "
        "cinema and 9:16 phone video all fit). Export the video at a usual shape "
        "and upload it again."
    ),
    # The ladder holds less than the source declares (a file cut off after its index:
    # the probe cannot see it, the transcode can). ``held``, ``declared``: durations.
    "ends_early": _(
        "This file ends early: it holds %(held)s of the %(declared)s it declares. "
        "Upload the complete file."
    ),
    # A duration under a minute (``duration()``); longer ones are h:mm:ss.
    "duration_seconds": _("%(seconds)s s"),
    # ffmpeg (``detail``: ffmpeg's own last error lines, untranslated). Editors
    # read these: "the video converter" says what it is, "(ffmpeg)" tells the
    # operator which program to look at.
    "ffmpeg_stalled": _(
        "The video converter (ffmpeg) made no progress for %(seconds)d s and was "
        "stopped"
    ),
    "ffmpeg_exited": _(
        "The video converter (ffmpeg) stopped with an error (status %(status)d): "
        "%(detail)s"
    ),
    # The job (``detail``: a message or plain text).
    "transcode_failed": _("Transcoding failed: %(detail)s"),
    "internal_error": _("Transcoding failed because of an internal error."),
    "retrying": _("Attempt %(attempt)d failed (%(detail)s); trying again."),
    "worker_unresponsive": _(
        "The transcoding worker stopped responding %(attempts)d times."
    ),
}


# Failures that are the stored file's own: transcoding the same file again fails the
# same way (unlike a limit, which settings may raise, or ffmpeg, which an upgrade may
# fix), so the admin offers to replace the file, not "Retry".
FILE_FAULTS = frozenset(
    {
        "not_readable",
        "no_tracks",
        "refers_to_other_files",
        "still_picture",
        "zero_duration",
        "no_picture_size",
        "video_damaged",
        "no_pictures",
        "extreme_aspect_ratio",
        "ends_early",
    }
)


@dataclass(frozen=True)
class Message:
    """A translatable message: ``str()`` renders it in the active language."""

    key: str
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"key": self.key, "params": self.params}

    def __str__(self) -> str:
        return render(self.key, self.params)


def as_text(value):
    """A message parameter as text: a nested message (a dict) rendered."""
    if isinstance(value, dict) and "key" in value:
        return render(value["key"], value.get("params") or {})
    return value


def render(key: str, params: dict | None = None) -> str:
    """The message in the active language; an unknown key shows as itself."""
    template = MESSAGES.get(key)
    if template is None:
        return key
    values = {name: as_text(value) for name, value in (params or {}).items()}
    try:
        return str(template) % values if values else str(template)
    except (KeyError, TypeError, ValueError):
        # A translation with a broken placeholder must not break the admin.
        return str(template)


render_lazy = lazy(render, str)


def duration(seconds: float, *, rounding: str = "nearest") -> dict | str:
    """A duration as a message parameter: "5.9 s" (a message, so the unit is
    translated) under a minute, else "h:mm:ss" (the same in every language).

    ``rounding`` ("nearest", "up", "down") applies at the precision shown (0.1 s,
    or 1 s from a minute): a refused file's length is rounded up and a limit down,
    so that a file over the limit never shows the limit's own value.
    """
    round_to = {"nearest": round, "up": math.ceil, "down": math.floor}[rounding]
    tenths = round_to(round(seconds * 10, 6))
    if tenths < 600:
        text = f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"
        return Message("duration_seconds", {"seconds": text}).as_dict()
    whole = round_to(round(seconds, 6))
    hours, rest = divmod(int(whole), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
