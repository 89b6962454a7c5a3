"""The whole pipeline on one file, into one folder, without the web app.

``transcode_to_directory(source, out_dir)`` probes, plans, runs the single ladder
ffmpeg process (every rung, the audio, the poster and the sprite), measures what it
wrote, and adds ``master.m3u8`` (from the measured segment sizes: ffmpeg's own
declares wrong BANDWIDTH values), the faststart download file (remuxed, no
re-encode), the WebVTT map of the thumbnail sprite and ``manifest.json``. The
``transcode`` command and the lecture job both call it.

Folder layout (every URI relative, so a signed prefix covers the whole tree)::

    master.m3u8  data_saver.m3u8  manifest.json
    download.mp4 (download.m4a for audio lectures)
    listen.webm (Opus, listen-only; when the source has audio and ffmpeg has libopus)
    listen.m4a (the AAC rung as one file; video lectures with audio: the audio-only
                download for a phone that cannot play Opus)
    poster.jpg  thumbnails.jpg  thumbnails.vtt
    240p/index.m3u8 240p/init.mp4 240p/seg_0000.m4s ...   (and 360p/, 480p/)
    audio/index.m3u8 audio/init.mp4 audio/seg_0000.m4s ...
"""

import json
import math
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from media_pipeline import ffmpeg
from media_pipeline.ladder import OUTPUTS_VERSION, Ladder, plan_ladder
from media_pipeline.messages import duration as duration_param
from media_pipeline.probe import Probe, ProbeError
from media_pipeline.probe import probe as probe_file

MANIFEST_VERSION = 1
AUDIO_CODECS = "mp4a.40.2"  # AAC-LC
# The AAC rung remuxed into one file (audio lectures have it already: download.m4a).
AAC_LISTEN_PROFILE = "listen_aac"
AAC_LISTEN_PATH = "listen.m4a"


# How much shorter than the source's declared duration the ladder may be. We compare
# the LONGEST measured track (so audio and video ending a little apart, or a shorter
# audio track, do not count) with the container's duration, which is the longest
# track's: on whole files they agree to a frame (every generated test clip, 3-12 s,
# 15-30 fps, with and without sound: within 0.04 s, the AAC rung running a frame
# long). 1 s absorbs a last frame held on screen (a still slide), edit-list offsets
# and the 15 fps rung's last frame; 1 % absorbs timestamp rounding over hours-long
# recordings. A file cut off after its index (the probe reads only the index) falls
# far outside, and what is let through still leaves the 90 % completion rule
# reachable.
SHORTFALL_SECONDS = 1.0
SHORTFALL_FRACTION = 0.01


def check_complete(*, declared: float, measured: float) -> None:
    """ProbeError ``ends_early`` when the ladder holds materially less than the
    source declares."""
    if declared - measured > max(SHORTFALL_SECONDS, SHORTFALL_FRACTION * declared):
        raise ProbeError(
            "ends_early",
            held=duration_param(measured, rounding="down"),
            declared=duration_param(declared),
        )


@dataclass
class MeasuredRendition:
    profile: str
    path: str
    bytes: int
    average_bitrate: int = 0
    peak_bitrate: int = 0
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    codecs: str = ""
    segments: list[float] = field(default_factory=list)


def _parse_media_playlist(playlist: Path) -> tuple[str | None, list[tuple[float, str]]]:
    init = None
    segments: list[tuple[float, str]] = []
    duration = None
    for raw in playlist.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MAP:"):
            init = line.split('URI="', 1)[1].split('"', 1)[0]
        elif line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append((duration, line))
            duration = None
    return init, segments


def avc_codecs(init: Path) -> str:
    """RFC 6381 string (``avc1.PPCCLL``) read from the avcC box of the init segment."""
    data = init.read_bytes()
    at = data.find(b"avcC")
    if at < 0:
        return "avc1.4d401e"
    profile, compat, level = data[at + 5 : at + 8]
    return f"avc1.{profile:02x}{compat:02x}{level:02x}"


def peak_bitrate(sizes: list[tuple[float, int]], *, target: float) -> float:
    """Peak segment bit rate as RFC 8216 (4.3.4.2) defines it for BANDWIDTH: the
    largest rate over any run of contiguous segments lasting 0.5 to 1.5 times the
    target duration. A tiny last segment (one audio frame, say) does not count alone,
    which would otherwise make the peak of a 48 kbit/s track look like 140."""
    low, high = 0.5 * target, 1.5 * target
    peak = 0.0
    for start in range(len(sizes)):
        seconds = bits = 0.0
        for duration, size in sizes[start:]:
            seconds += duration
            bits += size * 8
            if seconds > high:
                break
            if seconds >= low:
                peak = max(peak, bits / seconds)
    if peak == 0.0 and sizes:
        # The whole rendition is shorter than half a target duration.
        total = sum(duration for duration, _ in sizes)
        peak = sum(size for _, size in sizes) * 8 / total if total else 0.0
    return peak


def measure_hls(folder: Path, profile: str) -> MeasuredRendition:
    playlist = folder / profile / "index.m3u8"
    init, segments = _parse_media_playlist(playlist)
    init_bytes = (folder / profile / init).stat().st_size if init else 0
    sizes = [
        (seconds, (folder / profile / name).stat().st_size)
        for seconds, name in segments
    ]
    segment_bytes = sum(size for _, size in sizes)
    total_seconds = sum(seconds for seconds, _ in sizes)
    # As HLS defines them: media segments only (the init is fetched once).
    average = segment_bytes * 8 / total_seconds if total_seconds else 0
    total_bytes = init_bytes + segment_bytes
    peak = peak_bitrate(sizes, target=math.ceil(max((d for d, _ in sizes), default=0)))
    measured = MeasuredRendition(
        profile=profile,
        path=f"{profile}/index.m3u8",
        bytes=total_bytes,
        average_bitrate=round(average),
        peak_bitrate=round(peak),
        segments=[seconds for seconds, _ in segments],
    )
    if profile == "audio":
        measured.codecs = AUDIO_CODECS
    elif init:
        measured.codecs = avc_codecs(folder / profile / init)
    return measured


def master_playlist(
    video: list[MeasuredRendition], audio: MeasuredRendition | None
) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio and video:
        lines.append(
            '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",LANGUAGE="und",'
            f'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="{audio.path}"'
        )
    for rung in video:
        codecs = rung.codecs + (f",{audio.codecs}" if audio else "")
        bandwidth = rung.peak_bitrate + (audio.peak_bitrate if audio else 0)
        average = rung.average_bitrate + (audio.average_bitrate if audio else 0)
        attributes = [
            f"BANDWIDTH={bandwidth}",
            f"AVERAGE-BANDWIDTH={average}",
            f'CODECS="{codecs}"',
            f"RESOLUTION={rung.width}x{rung.height}",
            f"FRAME-RATE={rung.frame_rate:.3f}",
        ]
        if audio:
            attributes.append('AUDIO="audio"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), rung.path]
    if audio and not video:
        lines += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={audio.peak_bitrate},"
            f"AVERAGE-BANDWIDTH={audio.average_bitrate},"
            f'CODECS="{audio.codecs}"',
            audio.path,
        ]
    return "\n".join(lines) + "\n"


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def thumbnails_vtt(ladder: Ladder, sprite_name: str = "thumbnails.jpg") -> str:
    thumbs = ladder.thumbnails
    lines = ["WEBVTT", ""]
    for index in range(thumbs.count):
        start = index * thumbs.interval
        end = min(ladder.duration, start + thumbs.interval)
        if end <= start:
            break
        x = (index % thumbs.columns) * thumbs.width
        y = (index // thumbs.columns) * thumbs.height
        lines += [
            f"{_vtt_time(start)} --> {_vtt_time(end)}",
            f"{sprite_name}#xywh={x},{y},{thumbs.width},{thumbs.height}",
            "",
        ]
    return "\n".join(lines)


def _concat(folder: Path, profile: str, target: Path) -> Path:
    """init + segments, byte for byte, is one valid fragmented MP4."""
    init, segments = _parse_media_playlist(folder / profile / "index.m3u8")
    with target.open("wb") as out:
        for name in ([init] if init else []) + [name for _, name in segments]:
            with (folder / profile / name).open("rb") as part:
                shutil.copyfileobj(part, out)
    return target


def _whole_file(
    folder: Path, profile: str, path: str, *, duration: float, codecs: str
) -> MeasuredRendition:
    """A single-file rendition with its size and average bit rate."""
    size = (folder / path).stat().st_size
    return MeasuredRendition(
        profile=profile,
        path=path,
        bytes=size,
        average_bitrate=round(size * 8 / duration) if duration else 0,
        codecs=codecs,
    )


def transcode_to_directory(
    source: Path,
    out_dir: Path,
    *,
    probe: Probe | None = None,
    on_progress: ffmpeg.ProgressCallback | None = None,
    stall_seconds: float = 120,
    scheduling: ffmpeg.Scheduling = ffmpeg.ONE_PROCESS,
) -> dict:
    """Write the whole ladder of ``source`` into ``out_dir``; return the manifest.

    ``scheduling`` (threads, not output) is for the benchmark's comparisons.

    Raises ``ProbeError`` for a file that cannot be a lecture (also when what
    ffmpeg made is materially shorter than the source declares: ``check_complete``)
    and ``ffmpeg.FfmpegError`` when ffmpeg fails.
    """
    started = time.monotonic()
    timings: dict[str, float] = {}
    report = on_progress or (lambda fraction: None)
    source, out_dir = Path(source), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    if probe is None:
        probe = probe_file(source)
    timings["probe"] = time.monotonic() - started
    ladder = plan_ladder(probe, opus=ffmpeg.can_encode_opus())
    for rung in ladder.video:
        (out_dir / rung.profile).mkdir(exist_ok=True)
    if ladder.audio:
        (out_dir / "audio").mkdir(exist_ok=True)

    step = time.monotonic()
    ffmpeg.run(
        ffmpeg.ladder_args(source.resolve(), ladder, scheduling=scheduling),
        cwd=out_dir,
        duration=probe.duration,
        on_progress=lambda fraction: report(fraction * 0.95),
        stall_seconds=stall_seconds,
    )
    timings["ladder"] = time.monotonic() - step
    if ladder.thumbnails:
        ffmpeg.run(ffmpeg.sprite_args(ladder), cwd=out_dir, stall_seconds=stall_seconds)
        for frame in out_dir.glob(ffmpeg.THUMBNAIL_FRAMES.replace("%05d", "*")):
            frame.unlink()

    video = []
    for rung in ladder.video:
        measured = measure_hls(out_dir, rung.profile)
        measured.width, measured.height, measured.frame_rate = (
            rung.width,
            rung.height,
            rung.fps,
        )
        video.append(measured)
    audio = measure_hls(out_dir, "audio") if ladder.audio else None
    # What ffmpeg actually produced: the longest track of the ladder. A source whose
    # media data stops early (its index intact) transcodes "successfully" to less.
    measured_duration = max(
        sum(rendition.segments) for rendition in video + ([audio] if audio else [])
    )
    check_complete(declared=probe.duration, measured=measured_duration)
    (out_dir / "master.m3u8").write_text(master_playlist(video, audio))
    if video:
        # The "data saver" choice: the same master with the lowest rung only.
        (out_dir / "data_saver.m3u8").write_text(master_playlist(video[:1], audio))

    step = time.monotonic()
    scratch = out_dir / ".remux"
    scratch.mkdir(exist_ok=True)
    try:
        parts = []
        if video:
            parts.append(_concat(out_dir, video[0].profile, scratch / "video.mp4"))
        if audio:
            parts.append(_concat(out_dir, "audio", scratch / "audio.mp4"))
        download_name = "download.mp4" if video else "download.m4a"
        ffmpeg.run(
            ffmpeg.remux_args(parts, out_dir / download_name),
            stall_seconds=stall_seconds,
        )
        if video and audio:
            ffmpeg.run(
                ffmpeg.remux_args(parts[-1:], out_dir / AAC_LISTEN_PATH),
                stall_seconds=stall_seconds,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    download = MeasuredRendition(
        profile="download",
        path=download_name,
        bytes=(out_dir / download_name).stat().st_size,
        width=video[0].width if video else None,
        height=video[0].height if video else None,
        frame_rate=video[0].frame_rate if video else None,
        codecs=",".join(
            codec
            for codec in (video[0].codecs if video else "", audio and audio.codecs)
            if codec
        ),
    )
    download.average_bitrate = round(download.bytes * 8 / probe.duration)
    extras = [download]
    if video and audio:
        extras.append(
            _whole_file(
                out_dir,
                AAC_LISTEN_PROFILE,
                AAC_LISTEN_PATH,
                duration=probe.duration,
                codecs=AUDIO_CODECS,
            )
        )
    timings["download"] = time.monotonic() - step

    if listen := ladder.listen:
        extras.append(
            _whole_file(
                out_dir,
                listen.profile,
                listen.path,
                duration=probe.duration,
                codecs=listen.codecs,
            )
        )
    if video:
        # The poster and the sprite came out of the ladder process.
        extras.append(
            MeasuredRendition(
                profile="poster",
                path="poster.jpg",
                bytes=(out_dir / "poster.jpg").stat().st_size,
                width=ladder.poster_width,
                height=ladder.poster_height,
            )
        )
        (out_dir / "thumbnails.vtt").write_text(thumbnails_vtt(ladder))
        thumbs = ladder.thumbnails
        extras.append(
            MeasuredRendition(
                profile="thumbnails",
                path="thumbnails.vtt",
                bytes=(out_dir / "thumbnails.jpg").stat().st_size
                + (out_dir / "thumbnails.vtt").stat().st_size,
                width=thumbs.width,
                height=thumbs.height,
            )
        )
    timings["total"] = time.monotonic() - started
    report(1.0)

    manifest = {
        "version": MANIFEST_VERSION,
        # What this pipeline writes (ladder.OUTPUTS_VERSION), not this file's format.
        "outputs_version": OUTPUTS_VERSION,
        "master": "master.m3u8",
        "duration": probe.duration,
        # The ladder's longest track, as its playlists say (check_complete).
        "measured_duration": round(measured_duration, 3),
        "source": probe.as_dict(),
        "segment_seconds": ladder.segment_seconds,
        "renditions": [
            asdict(item) for item in video + ([audio] if audio else []) + extras
        ],
        "timings": {key: round(value, 3) for key, value in timings.items()},
        "ffmpeg": ffmpeg.ffmpeg_version(ffmpeg.ffmpeg_binary()),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest
