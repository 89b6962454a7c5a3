"""The ladder plan: which renditions a probed source gets (shared/DESIGN.md section 5).

Pure data, no ffmpeg: ``plan_ladder(probe)`` decides rungs, sizes, frame rates and
rate caps; ``media_pipeline.ffmpeg`` turns the plan into one ffmpeg command.
"""

import math
from dataclasses import dataclass

from media_pipeline.probe import MAX_ASPECT_RATIO, Probe

SEGMENT_SECONDS = 6

# What the pipeline writes for a lecture, as a number stored with every published
# ladder (``manifest["outputs_version"]``, ``Lecture.outputs_version``). Raise it when
# a change means lectures transcoded before lack a file or should be made again, and
# say what changed here; ``manage.py refresh_lectures`` (or "Transcode again" in the
# admin) brings the older ones up to date. 1: the first ladder; 2: ``listen.m4a``,
# the AAC rung as one file (2026-11-30); 3: every video rung declares the H.264 level
# its frame size needs (``h264_level``; a picture wider than about 2.8:1 had its 360p
# rung claim level 3.0 before 2026-11-30 and migration 0007 leaves it at 2).
OUTPUTS_VERSION = 3


@dataclass(frozen=True)
class RungSpec:
    profile: str
    short_side: int
    max_fps: float
    maxrate: int  # bits per second, x264 VBV cap
    bufsize: int
    crf: int
    level: str  # the lowest level the rung is encoded at; raised for wide shapes


# H.264 levels (ITU-T H.264 Table A-1) a rung may need: name, the most macroblocks
# in a frame, the most macroblocks a second. A frame's width and height, in
# macroblocks, must also each stay within sqrt(8 x the frame limit).
H264_LEVELS: tuple[tuple[str, int, int], ...] = (
    ("3.0", 1_620, 40_500),
    ("3.1", 3_600, 108_000),
    ("3.2", 5_120, 216_000),
    ("4.0", 8_192, 245_760),
)


def h264_level(lowest: str, width: int, height: int, fps: float) -> str:
    """The first level from ``lowest`` up that allows this frame size and rate.

    A 360p rung is 640x360 at level 3.0, but a wide screen recording's 360p rung
    (1440x360 at 4:1) holds more macroblocks than level 3.0 allows: players may
    refuse a stream that claims a level its frames exceed.
    """
    across, down = math.ceil(width / 16), math.ceil(height / 16)
    per_frame = across * down
    candidates = [entry for entry in H264_LEVELS if float(entry[0]) >= float(lowest)]
    for name, max_frame, max_rate in candidates:
        if (
            per_frame <= max_frame
            and per_frame * fps <= max_rate
            and max(across, down) ** 2 <= 8 * max_frame
        ):
            return name
    return candidates[-1][0] if candidates else lowest


# 240p's cap is lower than DESIGN.md's 150k so that 240p video plus the 48k audio
# stays within the 150 kbps peak target (docs/media-pipeline.md, "Ladder").
VIDEO_LADDER: tuple[RungSpec, ...] = (
    RungSpec("240p", 240, 15, 90_000, 135_000, 26, "3.0"),
    RungSpec("360p", 360, 30, 300_000, 450_000, 26, "3.0"),
    RungSpec("480p", 480, 30, 600_000, 900_000, 26, "3.1"),
)


@dataclass(frozen=True)
class VideoRung:
    profile: str
    width: int
    height: int
    fps: float
    change_fps: bool  # whether an fps filter is needed (source is faster)
    maxrate: int
    bufsize: int
    crf: int
    level: str

    @property
    def gop(self) -> int:
        return max(1, round(self.fps * SEGMENT_SECONDS))


@dataclass(frozen=True)
class AudioRung:
    profile: str = "audio"
    bitrate: int = 48_000
    sample_rate: int = 48_000
    channels: int = 1


@dataclass(frozen=True)
class ListenRung:
    """The listen-only file: Opus in WebM, about half the bytes of the AAC audio rung
    for the same speech (DESIGN.md section 5), played where the browser can."""

    profile: str = "listen"
    path: str = "listen.webm"
    bitrate: int = 24_000
    sample_rate: int = 48_000
    channels: int = 1
    codecs: str = "opus"
    mime_type: str = 'audio/webm; codecs="opus"'


@dataclass(frozen=True)
class Thumbnails:
    interval: int  # seconds between thumbnails
    count: int
    width: int
    height: int
    columns: int
    rows: int


@dataclass(frozen=True)
class Ladder:
    duration: float
    video: tuple[VideoRung, ...]
    audio: AudioRung | None
    thumbnails: Thumbnails | None
    poster_width: int | None
    poster_height: int | None
    segment_seconds: int = SEGMENT_SECONDS
    listen: ListenRung | None = None

    @property
    def poster_at(self) -> float:
        return round(self.duration * 0.1, 3)


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _scaled(probe: Probe, short_side: int) -> tuple[int, int]:
    """Scale by the short side, so portrait video gets the same pixel budget.

    The long side is capped at ``MAX_ASPECT_RATIO`` times ``short_side``: uploads
    beyond that shape are refused (``probe.check_limits``), and should one get here
    anyway (the ``transcode`` command, a limit changed) the picture fits in that box
    instead of asking ffmpeg for a JPEG or H.264 picture it cannot make.
    """
    width, height = probe.width or 0, probe.height or 0
    longest = short_side * MAX_ASPECT_RATIO
    if width >= height:
        if short_side * width / height > longest:
            return _even(longest), _even(longest * height / width)
        return _even(short_side * width / height), _even(short_side)
    if short_side * height / width > longest:
        return _even(longest * width / height), _even(longest)
    return _even(short_side), _even(short_side * height / width)


def plan_ladder(probe: Probe, *, opus: bool = True) -> Ladder:
    """``opus``: whether the ffmpeg in use can encode Opus (the listen-only file)."""
    audio = AudioRung() if probe.has_audio else None
    listen = ListenRung() if probe.has_audio and opus else None
    if not probe.has_video:
        return Ladder(probe.duration, (), audio, None, None, None, listen=listen)
    source_fps = probe.frame_rate or 30.0
    specs = [spec for spec in VIDEO_LADDER if spec.short_side <= probe.short_side]
    if not specs:
        # Smaller than the smallest rung: one rung at the source's own size.
        specs = [VIDEO_LADDER[0]]
    rungs = []
    for spec in specs:
        short = min(spec.short_side, probe.short_side)
        width, height = _scaled(probe, short)
        fps = min(source_fps, spec.max_fps)
        rungs.append(
            VideoRung(
                profile=spec.profile,
                width=width,
                height=height,
                fps=round(fps, 3),
                change_fps=source_fps > spec.max_fps + 0.01,
                maxrate=spec.maxrate,
                bufsize=spec.bufsize,
                crf=spec.crf,
                level=h264_level(spec.level, width, height, fps),
            )
        )
    # About a hundred scrub thumbnails at most, one every 2 s at least.
    interval = max(2, math.ceil(probe.duration / 100))
    count = max(1, math.ceil(probe.duration / interval))
    columns = min(10, count)
    thumb_w, thumb_h = _scaled(probe, 90)
    thumbnails = Thumbnails(
        interval=interval,
        count=count,
        width=thumb_w,
        height=thumb_h,
        columns=columns,
        rows=math.ceil(count / columns),
    )
    top = rungs[-1]
    return Ladder(
        probe.duration,
        tuple(rungs),
        audio,
        thumbnails,
        top.width,
        top.height,
        listen=listen,
    )
