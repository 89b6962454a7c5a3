"""Probing an upload with PyAV (no ffprobe: imageio-ffmpeg ships none).

``probe(path)`` reads what a lecture needs to know about its source and refuses what
cannot be a lecture, with a message an editor understands (``ProbeError.message``).
"""

from dataclasses import asdict, dataclass
from pathlib import Path

import av
import av.error

from media_pipeline.messages import Message, duration, render_lazy

# The longest picture side may be at most this many times the shortest, either way.
# Every real lecture shape fits with room to spare: 1:1, 4:3 (1.33), 16:9 and 9:16
# phone video (1.78), phone screen recordings (19.5:9, 2.17), 21:9 cinema (2.33-2.39),
# Ultra Panavision (2.76), a 32:9 monitor's screen recording (3.56). Beyond it the
# ladder's sizes, scaled from the short side, become absurd (a 4000x16 clip asked for
# a 225,000-pixel-wide sprite); ``ladder`` caps its sizes at this shape as well.
MAX_ASPECT_RATIO = 4

# Demuxers that open other files, or the network, named inside the upload: an
# ffconcat script, an HLS or DASH playlist, an IMF package, an SDP session.
# Whatever the file is called, ffmpeg recognises them by their content; none is a
# lecture, and a worker must never follow what they name.
REFERENCING_FORMATS = frozenset({"concat", "dash", "hls", "imf", "rtp", "rtsp", "sdp"})


def _is_picture_format(name: str) -> bool:
    """A still picture (a photo or a slide named .jpg: ``image2``, which also reads
    numbered sequences; ``jpeg_pipe``, ``png_pipe``... when named otherwise): one
    frame of video, which would become a lecture 0.04 s long."""
    return name in ("image2", "image2pipe") or name.endswith("_pipe")


# What the probe and the ladder (``ffmpeg.ladder_args``) may open when they read a
# source: local files only. Sources are always local paths
# (``storage.local_source``), and nothing named inside one may reach the network.
LOCAL_FILES_ONLY = {"protocol_whitelist": "file"}


class ProbeError(Exception):
    """The file cannot become a lecture.

    ``key`` and ``params`` are stored on the lecture (media_pipeline/messages.py);
    ``message`` is the same, translated lazily where it is shown (a form error).
    """

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params
        super().__init__(key)

    @property
    def stored(self) -> Message:
        return Message(self.key, self.params)

    @property
    def message(self):
        return render_lazy(self.key, self.params)

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Probe:
    duration: float
    size: int
    container_format: str
    has_video: bool
    has_audio: bool
    # Displayed size, after applying the rotation in the display matrix.
    width: int | None = None
    height: int | None = None
    rotation: int = 0
    frame_rate: float | None = None
    video_codec: str = ""
    audio_codec: str = ""
    audio_channels: int | None = None
    audio_sample_rate: int | None = None

    @property
    def short_side(self) -> int:
        return min(self.width or 0, self.height or 0)

    def as_dict(self) -> dict:
        return asdict(self)


def _is_cover_art(stream) -> bool:
    # An MP3's or M4A's embedded cover is a one-picture "video" stream.
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _duration(container, streams) -> float:
    if container.duration:
        return container.duration / av.time_base
    best = 0.0
    for stream in streams:
        if stream.duration and stream.time_base:
            best = max(best, float(stream.duration * stream.time_base))
    return best


def probe(path: str | Path) -> Probe:
    path = Path(path)
    try:
        container = av.open(str(path), options=LOCAL_FILES_ONLY)
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as error:
        raise ProbeError("not_readable") from error
    try:
        return _probe_open(container, path)
    finally:
        container.close()


def _probe_open(container, path: Path) -> Probe:
    formats = container.format.name.split(",")
    if REFERENCING_FORMATS.intersection(formats):
        raise ProbeError("refers_to_other_files")
    if any(_is_picture_format(name) for name in formats):
        raise ProbeError("still_picture")
    videos = [s for s in container.streams.video if not _is_cover_art(s)]
    audios = list(container.streams.audio)
    if not videos and not audios:
        raise ProbeError("no_tracks")
    duration = _duration(container, videos + audios)
    if duration <= 0:
        raise ProbeError("zero_duration")
    fields: dict = {
        "duration": round(duration, 3),
        "size": path.stat().st_size,
        "container_format": container.format.name[:64],
        "has_video": bool(videos),
        "has_audio": bool(audios),
    }
    if audios:
        audio = audios[0]
        fields["audio_codec"] = audio.codec_context.name
        fields["audio_channels"] = audio.codec_context.channels
        fields["audio_sample_rate"] = audio.codec_context.sample_rate
    if videos:
        video = videos[0]
        rotation = _first_frame_rotation(container, video)
        width, height = video.codec_context.width, video.codec_context.height
        if not width or not height:
            raise ProbeError("no_picture_size")
        if rotation % 180:
            width, height = height, width
        rate = video.average_rate or video.guessed_rate
        fields.update(
            width=width,
            height=height,
            rotation=rotation,
            frame_rate=round(float(rate), 3) if rate else None,
            video_codec=video.codec_context.name,
        )
    return Probe(**fields)


def _first_frame_rotation(container, video) -> int:
    """Decode the first picture: proves the track decodes and reads its rotation."""
    try:
        for frame in container.decode(video):
            return int(round(frame.rotation or 0)) % 360
    except av.error.FFmpegError as error:
        raise ProbeError("video_damaged") from error
    raise ProbeError("no_pictures")


def check_limits(probe: Probe, *, max_seconds: int, max_dimension: int) -> None:
    if probe.duration > max_seconds:
        raise ProbeError(
            "too_long_duration",
            duration=duration(probe.duration, rounding="up"),
            limit=duration(max_seconds, rounding="down"),
        )
    if not probe.has_video:
        return
    width, height = probe.width or 0, probe.height or 0
    if max(width, height) > max_dimension:
        raise ProbeError("too_large", width=width, height=height, limit=max_dimension)
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ProbeError(
            "extreme_aspect_ratio", width=width, height=height, ratio=MAX_ASPECT_RATIO
        )
