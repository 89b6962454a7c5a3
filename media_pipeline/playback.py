"""What a player page needs for one lecture and one member, with signed URLs.

``lecture_playback(lecture=..., user=...)`` is the interface the courses app builds its
lesson player on. Every URL sits under ``/m/<token>/<lecture-uuid>/``: the token is
signed (Django's ``signing``), carries the published version of the ladder and
expires after SATCHEL_MEDIA_URL_TTL seconds. Playlists use relative URIs, so the one
prefix covers the whole HLS tree without rewriting any playlist.

Tokens are stamped with the start of a window (a sixth of the TTL: an hour by
default) rather than the second they are made, so every page view of one member and
lecture within the window gets the same URLs. The files behind them never change
(``immutable``, a year), so a member who reloads the lesson on a weak line, or comes
back to watch a part again, is answered from the phone's cache instead of paying for
the same megabytes twice. A link then lives between 5/6 of the TTL and the TTL.
"""

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core import signing
from django.urls import reverse

from media_pipeline.ladder import ListenRung
from media_pipeline.models import Lecture
from media_pipeline.renditions import AAC_LISTEN_PROFILE, AUDIO_CODECS

SALT = "media_pipeline.playback"
AAC_MIME_TYPE = f'audio/mp4; codecs="{AUDIO_CODECS}"'


# Characters no phone's file system takes in a name.
UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_name(title: str, path: str) -> str:
    """What a member's phone saves a lecture file as: its title and the file's
    extension, so several downloaded lectures are told apart (not ``download.mp4``)."""
    stem = UNSAFE_IN_FILE_NAMES.sub(" ", title).strip()[:80] or "lecture"
    return stem + PurePosixPath(path).suffix


@dataclass(frozen=True)
class SmallerFile:
    """The same choice as one smaller file, for a browser that can play ``mime_type``
    (the player asks ``canPlayType`` and falls back to the choice's playlist)."""

    url: str
    expected_bytes: int
    mime_type: str


@dataclass(frozen=True)
class AudioDownload:
    """A file of the lecture's sound alone, to keep for offline listening."""

    url: str
    bytes: int
    mime_type: str
    # False: offered only where ``canPlayType`` says the browser plays it.
    plays_everywhere: bool
    # What the phone saves it as (the ``download`` attribute): see ``file_name``.
    name: str = ""


@dataclass(frozen=True)
class QualityChoice:
    key: str  # "auto", "data_saver" or "audio"
    playlist_url: str
    # Expected size of the whole lecture in this choice, from the measured files.
    expected_bytes: int
    smaller: SmallerFile | None = None


@dataclass(frozen=True)
class LecturePlayback:
    lecture_uuid: str
    title: str
    duration: float
    has_video: bool
    master_url: str
    audio_url: str | None
    download_url: str
    download_bytes: int
    poster_url: str | None
    thumbnails_url: str | None
    choices: tuple[QualityChoice, ...]
    expires_at: datetime
    # Smallest first; the page offers the first one the browser plays.
    audio_downloads: tuple[AudioDownload, ...] = ()
    download_name: str = ""

    @property
    def expected_bytes(self) -> dict[str, int]:
        return {choice.key: choice.expected_bytes for choice in self.choices}

    def choice(self, key: str) -> QualityChoice | None:
        return next((c for c in self.choices if c.key == key), None)


def token_window_start() -> int:
    """The Unix time stamped into tokens made now (see the module's docstring)."""
    window = max(1, settings.SATCHEL_MEDIA_URL_TTL // 6)
    now = int(time.time())
    return now - now % window


class _WindowSigner(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(token_window_start())


def sign_token(*, lecture: Lecture, user) -> str:
    version = lecture.output_prefix.rsplit("/", 1)[-1]
    # signing.dumps, stamped with the window's start; signing.loads checks it.
    return _WindowSigner(salt=SALT).sign_object(
        {"l": lecture.uuid.hex, "v": version, "u": user.pk}, compress=True
    )


class TokenError(Exception):
    def __init__(self, message, status: int):
        super().__init__(str(message))
        self.message = message
        self.status = status


def verify_token(token: str, *, lecture_uuid) -> dict:
    """The token's payload, or TokenError (403) when it is bad, expired or not this
    lecture's."""
    from django.utils.translation import gettext as _

    try:
        payload = signing.loads(
            token, salt=SALT, max_age=settings.SATCHEL_MEDIA_URL_TTL
        )
    except signing.SignatureExpired as error:
        raise TokenError(
            _("This media link has expired. Reload the page to get a new one."), 403
        ) from error
    except signing.BadSignature as error:
        raise TokenError(_("This media link is not valid."), 403) from error
    if not isinstance(payload, dict) or payload.get("l") != lecture_uuid.hex:
        raise TokenError(_("This media link is not valid for this lecture."), 403)
    return payload


def media_url(*, token: str, lecture: Lecture, path: str) -> str:
    return reverse(
        "media_pipeline:serve",
        kwargs={"token": token, "lecture_uuid": lecture.uuid, "path": path},
    )


def lecture_playback(*, lecture: Lecture, user) -> LecturePlayback | None:
    """Signed playback data for ``user``; None if the lecture is not playable (nothing
    published) or the user is anonymous (lectures are members-only).

    Uses ``lecture.renditions.all()``: prefetch ``renditions`` when calling it for
    several lectures.
    """
    if not lecture.is_playable:
        return None
    if user is None or not user.is_authenticated:
        return None
    renditions = {r.profile: r for r in lecture.renditions.all()}
    token = sign_token(lecture=lecture, user=user)

    def url(path: str) -> str:
        return media_url(token=token, lecture=lecture, path=path)

    audio = renditions.get("audio")
    audio_bytes = audio.bytes if audio else 0
    videos = sorted(
        (r for r in renditions.values() if r.profile.endswith("p")),
        key=lambda r: r.height or 0,
    )
    choices = []
    if videos:
        # "auto" may climb to the top rung on a good line: that is what it can cost.
        choices.append(
            QualityChoice("auto", url("master.m3u8"), videos[-1].bytes + audio_bytes)
        )
        choices.append(
            QualityChoice(
                "data_saver", url("data_saver.m3u8"), videos[0].bytes + audio_bytes
            )
        )
    listen = renditions.get("listen")
    if audio:
        # Audio only: the Opus file where the browser plays it (about half the bytes).
        smaller = None
        if listen is not None and listen.bytes < audio_bytes:
            smaller = SmallerFile(
                url(listen.path), listen.bytes, ListenRung().mime_type
            )
        choices.append(QualityChoice("audio", url(audio.path), audio_bytes, smaller))
    downloads = []
    if listen is not None:
        downloads.append(
            AudioDownload(
                url(listen.path),
                listen.bytes,
                ListenRung().mime_type,
                False,
                file_name(lecture.title, listen.path),
            )
        )
    if aac := renditions.get(AAC_LISTEN_PROFILE):
        # AAC-LC in MP4: every browser that plays the lecture at all plays this.
        downloads.append(
            AudioDownload(
                url(aac.path),
                aac.bytes,
                AAC_MIME_TYPE,
                True,
                file_name(lecture.title, aac.path),
            )
        )
    download = renditions["download"]
    poster = renditions.get("poster")
    thumbnails = renditions.get("thumbnails")
    return LecturePlayback(
        lecture_uuid=str(lecture.uuid),
        title=lecture.title,
        duration=lecture.duration,
        has_video=bool(videos),
        master_url=url("master.m3u8"),
        audio_url=url(audio.path) if audio else None,
        download_url=url(download.path),
        download_bytes=download.bytes,
        poster_url=url(poster.path) if poster else None,
        thumbnails_url=url(thumbnails.path) if thumbnails else None,
        choices=tuple(choices),
        expires_at=datetime.fromtimestamp(token_window_start(), tz=UTC)
        + timedelta(seconds=settings.SATCHEL_MEDIA_URL_TTL),
        audio_downloads=tuple(sorted(downloads, key=lambda item: item.bytes)),
        download_name=file_name(lecture.title, download.path),
    )
