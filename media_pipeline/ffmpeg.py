"""Everything that runs ffmpeg. The only module that imports ffmpeg-python.

* ``ffmpeg_binary()``: the SATCHEL_FFMPEG setting, else ``ffmpeg`` on PATH, else the
  binary shipped by PyPI's imageio-ffmpeg (shared/DESIGN.md section 5).
* ``ladder_args()``: ONE ffmpeg process that decodes the source once and ``split``s it
  into every video rung (HLS fMP4, 6 s segments, keyframes forced on the same
  timestamps in every rung) plus the poster and the scrub-thumbnail sprite; the
  audio rung and the listen-only Opus file are further outputs of the same process.
  ``Scheduling`` sets its threads (``ONE_PROCESS``), never what it encodes.
* ``run()``: runs a command with ``-progress``, a stall timeout and progress callbacks.
"""

import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ffmpeg

from media_pipeline.ladder import Ladder, VideoRung
from media_pipeline.messages import Message
from media_pipeline.probe import LOCAL_FILES_ONLY


class FfmpegError(Exception):
    """ffmpeg failed; ``transient`` says whether trying again may help.

    ``message`` is a ``Message`` (stored on the lecture as key and parameters);
    ``str(error)`` renders it in the active language.
    """

    def __init__(self, message: Message, *, transient: bool = False):
        super().__init__(message.key)
        self.message = message
        self.transient = transient

    def __str__(self) -> str:
        return str(self.message)


def ffmpeg_binary() -> str:
    from django.conf import settings

    configured = getattr(settings, "SATCHEL_FFMPEG", "") if settings.configured else ""
    if configured:
        return configured
    return _default_binary()


@cache
def _default_binary() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@cache
def ffmpeg_version(binary: str) -> str:
    completed = subprocess.run(  # noqa: S603 -- our own binary, fixed arguments
        [binary, "-hide_banner", "-version"],
        capture_output=True,
        text=True,
        check=False,
    )
    first = (completed.stdout or "").splitlines()[:1]
    return first[0] if first else "unknown"


@cache
def has_encoder(binary: str, name: str) -> bool:
    """Whether ``binary`` was built with the encoder ``name`` (``ffmpeg -encoders``)."""
    completed = subprocess.run(  # noqa: S603 -- our own binary, fixed arguments
        [binary, "-hide_banner", "-encoders"],
        capture_output=True,
        text=True,
        check=False,
    )
    return any(line.split()[1:2] == [name] for line in completed.stdout.splitlines())


def can_encode_opus() -> bool:
    return has_encoder(ffmpeg_binary(), "libopus")


GLOBAL_ARGS = ("-nostdin", "-hide_banner", "-loglevel", "error", "-nostats")


def _hls(playlist_dir: str, segment_seconds: int) -> dict:
    return {
        "f": "hls",
        "hls_time": segment_seconds,
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": f"{playlist_dir}/seg_%04d.m4s",
        "hls_flags": "independent_segments",
    }


# x264's speed/compression trade-off for every rung (bench/transcode/README.md,
# "Encoder preset study"). The benchmark's preset study sets it to compare.
X264_PRESET = "medium"


def _x264(rung: VideoRung, segment_seconds: int) -> dict:
    return {
        "c:v": "libx264",
        "preset": X264_PRESET,
        "profile:v": "main",
        "level:v": rung.level,
        "pix_fmt": "yuv420p",
        "crf": rung.crf,
        "maxrate": rung.maxrate,
        "bufsize": rung.bufsize,
        "g": rung.gop,
        "keyint_min": rung.gop,
        "sc_threshold": 0,
        # Keyframes on the same timestamps in every rung, so segments align and a
        # player can switch rungs at any segment boundary.
        "force_key_frames": f"expr:gte(t,n_forced*{segment_seconds})",
    }


@dataclass(frozen=True)
class Scheduling:
    """How one ffmpeg process spreads its work over threads (not what it encodes).

    ``None`` keeps ffmpeg's and x264's own defaults. Each x264 encoder otherwise
    starts its own pool (1.5 x cores frame threads, plus lookahead threads), so
    three encoders in one process put a dozen threads on two cores.
    """

    x264_threads: int | None = None
    x264_lookahead_threads: int | None = None
    decoder_threads: int | None = None
    filter_threads: int | None = None

    def x264(self) -> dict:
        options = {}
        if self.x264_threads is not None:
            options["threads"] = self.x264_threads
        if self.x264_lookahead_threads is not None:
            options["x264-params"] = f"lookahead-threads={self.x264_lookahead_threads}"
        return options

    def input(self) -> dict:
        return {} if self.decoder_threads is None else {"threads": self.decoder_threads}

    def global_args(self) -> tuple:
        if self.filter_threads is None:
            return ()
        return ("-filter_complex_threads", str(self.filter_threads))


# ffmpeg's defaults: right for a process that has the machine to itself (the
# benchmark's one process per rung).
FFMPEG_DEFAULTS = Scheduling()
# Our one process. x264 threads=1 per encoder (and decoder/filter threads 1) were
# measured against the defaults and saved no CPU (bench/transcode/README.md), while
# one x264 thread makes ffmpeg 5.1 run the three encodes one after the other (its
# main thread feeds them), so the defaults stay until a quiet run says otherwise.
ONE_PROCESS = Scheduling()


def _scaled(stream, rung: VideoRung):
    if rung.change_fps:
        # Dropping frames before scaling saves scaling work.
        stream = stream.filter("fps", fps=rung.fps)
    return stream.filter("scale", rung.width, rung.height, flags="bicubic").filter(
        "setsar", "1"
    )


def _rung_output(stream, rung: VideoRung, segment_seconds: int, scheduling: Scheduling):
    return ffmpeg.output(
        stream,
        f"{rung.profile}/index.m3u8",
        **_x264(rung, segment_seconds),
        **scheduling.x264(),
        **_hls(rung.profile, segment_seconds),
    )


# Every output of the one process must receive a frame early: ffmpeg (5.1 at
# least) prints no -progress line until every output file has written its header,
# and an output's header waits for its first frame. A sprite tiled in the graph gets
# its one frame at the very end, a poster trimmed at 10 % only then: a long lecture
# sent no progress for minutes and was killed as stalled. So the graph writes the
# thumbnails one by one (the first at once) and ``sprite_args`` tiles them after,
# and the poster branch passes the first frame on before the chosen one.
THUMBNAIL_FRAMES = "thumbnail-%05d.jpg"


def _sprite_output(stream, ladder: Ladder):
    thumbs = ladder.thumbnails
    frames = stream.filter("fps", fps=f"1/{thumbs.interval}").filter(
        "scale", thumbs.width, thumbs.height
    )
    # Near-lossless: these are re-encoded once more, into the sprite.
    return ffmpeg.output(
        frames,
        THUMBNAIL_FRAMES,
        **{"frames:v": thumbs.columns * thumbs.rows, "q:v": 2},
    )


def sprite_args(ladder: Ladder, *, binary: str | None = None) -> list:
    """Tile the thumbnails the ladder wrote into ``thumbnails.jpg`` (relative to
    its cwd): a fraction of a second, whatever the lecture's length."""
    thumbs = ladder.thumbnails
    command = (
        ffmpeg.input(THUMBNAIL_FRAMES, f="image2", framerate=1)
        .filter("tile", f"{thumbs.columns}x{thumbs.rows}")
        .output("thumbnails.jpg", vframes=1, update=1, **{"q:v": 5})
        .global_args(*GLOBAL_ARGS, "-progress", "pipe:1")
        .overwrite_output()
    )
    return command.compile(cmd=binary or ffmpeg_binary())


def _poster_output(stream, ladder: Ladder):
    """The frame at ``poster_at`` of the top rung's picture (the poster's size): no
    second process seeking and decoding the source again.

    The first frame passes too (see THUMBNAIL_FRAMES): the file is written over
    (``update``) by the chosen frame, and the output closes after it."""
    picked = (
        stream.filter("select", f"eq(n,0)+gte(t,{ladder.poster_at})")
        # Its own converter for JPEG's full-range pixels, on these two frames.
        # Without it, filter negotiation makes the shared top-rung scaler output
        # full range (``split`` gives all its outputs one format) and converts every
        # frame back for x264: two range conversions per frame in every rung, and
        # ~14 % more CPU.
        .filter("scale")
    )
    # passthrough: at a constant frame rate ffmpeg would fill the gap up to the
    # chosen frame with copies of the first, and stop after one of them.
    return ffmpeg.output(
        picked,
        "poster.jpg",
        vframes=2,
        update=1,
        fps_mode="passthrough",
        **{"q:v": 3},
    )


def _cascaded_video(video, ladder: Ladder, scheduling: Scheduling) -> list:
    """Scale the source once to the top rung, each rung from the one above it, the
    poster from the top rung and the sprite from the smallest: far fewer full-size
    pixels through the scaler, and the source is decoded once for everything.

    Frame rates only fall down the cascade (480p/360p <= 30 fps, 240p 15 fps), so a
    rung's frame-rate change happens BEFORE its scaler: the 240p scaler (and the
    sprite hanging off it) sees 15 frames a second, not the source's 25 or 30.
    """
    outputs = []
    rungs = sorted(ladder.video, key=lambda rung: rung.width * rung.height)
    current, current_fps = video, None
    for position, rung in enumerate(reversed(rungs)):
        if rung.change_fps and (current_fps is None or rung.fps < current_fps - 0.01):
            current, current_fps = current.filter("fps", fps=rung.fps), rung.fps
        base = current.filter("scale", rung.width, rung.height, flags="bicubic").filter(
            "setsar", "1"
        )
        first, last = position == 0, position == len(rungs) - 1
        poster = first and ladder.poster_width is not None
        sprite = last and ladder.thumbnails is not None
        needs = 1 + (not last) + poster + sprite
        split = iter(base.filter_multi_output("split", needs) if needs > 1 else [base])
        outputs.append(
            _rung_output(next(split), rung, ladder.segment_seconds, scheduling)
        )
        if poster:
            outputs.append(_poster_output(next(split), ladder))
        if not last:
            current = next(split)
        if sprite:
            outputs.append(_sprite_output(next(split), ladder))
    return outputs


def ladder_args(
    source: Path,
    ladder: Ladder,
    *,
    binary: str | None = None,
    cascade: bool = True,
    scheduling: Scheduling = ONE_PROCESS,
) -> list:
    """The one command writing every HLS rung and the sprite, relative to its cwd."""
    source_stream = ffmpeg.input(str(source), **LOCAL_FILES_ONLY, **scheduling.input())
    outputs = []
    seg = ladder.segment_seconds
    video = source_stream["v:0"] if (ladder.video or ladder.thumbnails) else None
    if video is not None and cascade and len(ladder.video) > 1:
        outputs += _cascaded_video(video, ladder, scheduling)
    elif video is not None:
        branches = len(ladder.video) + (1 if ladder.thumbnails else 0)
        if branches > 1:
            split = video.filter_multi_output("split", branches)
        else:  # one branch (the benchmark's one-process-per-rung runs)
            split = [video]
        top = max(ladder.video, key=lambda rung: rung.width * rung.height, default=None)
        for index, rung in enumerate(ladder.video):
            scaled = _scaled(split[index], rung)
            if rung == top and ladder.poster_width is not None:
                pair = scaled.filter_multi_output("split", 2)
                scaled, for_poster = pair[0], pair[1]
                outputs.append(_poster_output(for_poster, ladder))
            outputs.append(_rung_output(scaled, rung, seg, scheduling))
        if ladder.thumbnails:
            outputs.append(_sprite_output(split[len(ladder.video)], ladder))
    if audio := ladder.audio:
        outputs.append(
            ffmpeg.output(
                source_stream["a:0"],
                "audio/index.m3u8",
                **{
                    "c:a": "aac",
                    "b:a": audio.bitrate,
                    "ac": audio.channels,
                    "ar": audio.sample_rate,
                },
                **_hls("audio", seg),
            )
        )
    if listen := ladder.listen:
        # A second output of the same input stream: the audio is decoded once.
        outputs.append(
            ffmpeg.output(
                source_stream["a:0"],
                listen.path,
                f="webm",
                **{
                    "c:a": "libopus",
                    "b:a": listen.bitrate,
                    "ac": listen.channels,
                    "ar": listen.sample_rate,
                    # Tuned for speech, what lectures are.
                    "application": "voip",
                },
            )
        )
    command = (
        ffmpeg.merge_outputs(*outputs)
        .global_args(*GLOBAL_ARGS, *scheduling.global_args(), "-progress", "pipe:1")
        .overwrite_output()
    )
    return command.compile(cmd=binary or ffmpeg_binary())


def remux_args(inputs: list[Path], target: Path) -> list:
    """Copy (no re-encode) the given single-track files into one faststart MP4."""
    streams = [ffmpeg.input(str(path)) for path in inputs]
    command = (
        ffmpeg.output(*streams, str(target), c="copy", movflags="+faststart", f="mp4")
        .global_args(*GLOBAL_ARGS, "-progress", "pipe:1")
        .overwrite_output()
    )
    return command.compile(cmd=ffmpeg_binary())


def decode_only_args(source: Path) -> list:
    """Decode every frame and throw it away: the benchmark's floor, and a check."""
    command = (
        ffmpeg.input(str(source))
        .output("-", f="null")
        .global_args(*GLOBAL_ARGS, "-progress", "pipe:1")
    )
    return command.compile(cmd=ffmpeg_binary())


ProgressCallback = Callable[[float], None]


def run(
    args: list,
    *,
    cwd: Path | None = None,
    duration: float | None = None,
    on_progress: ProgressCallback | None = None,
    stall_seconds: float = 120,
) -> None:
    """Run ffmpeg; report progress (0..1 of ``duration``); kill it when it stalls.

    ffmpeg writes ``key=value`` lines to ``-progress pipe:1`` at least twice a second
    while it works, so silence for ``stall_seconds`` means it hangs.
    """
    process = subprocess.Popen(  # noqa: S603 -- arguments built above, no shell
        [str(arg) for arg in args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    errors: deque[str] = deque(maxlen=20)
    last_seen = [time.monotonic()]

    def read_stderr():
        for line in process.stderr:
            errors.append(line.rstrip())
            last_seen[0] = time.monotonic()

    # The readers only record; callbacks run on this thread (they may use the
    # database connection, which belongs to the calling thread).
    done = [0.0]

    def read_progress():
        for line in process.stdout:
            last_seen[0] = time.monotonic()
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and duration:
                try:
                    seconds = int(value) / 1_000_000
                except ValueError:
                    continue
                done[0] = max(0.0, min(1.0, seconds / duration))

    readers = [
        threading.Thread(target=read_stderr, daemon=True),
        threading.Thread(target=read_progress, daemon=True),
    ]
    for reader in readers:
        reader.start()
    reported = 0.0
    while process.poll() is None:
        if time.monotonic() - last_seen[0] > stall_seconds:
            process.kill()
            process.wait()
            raise FfmpegError(
                Message("ffmpeg_stalled", {"seconds": round(stall_seconds)}),
                transient=True,
            )
        if on_progress and done[0] != reported:
            reported = done[0]
            on_progress(reported)
        time.sleep(0.2)
    for reader in readers:
        reader.join(timeout=5)
    if process.returncode != 0:
        detail = " | ".join(line for line in errors if line) or "no message"
        # Killed by a signal (OOM killer, shutdown) may work next time; an error
        # exit on a file that probed fine is most likely the file itself.
        raise FfmpegError(
            Message(
                "ffmpeg_exited",
                {"status": process.returncode, "detail": detail[-600:]},
            ),
            transient=process.returncode < 0,
        )


def sample_clip_args(
    target: Path,
    *,
    seconds: float,
    width: int | None = 1280,
    height: int | None = 720,
    fps: int = 25,
    pattern: str = "testsrc",
    noise: int = 0,
    voice: Path | None = None,
    tone: bool = True,
    video_bitrate: int | None = None,
    audio_seconds: float | None = None,
    faststart: bool = False,
) -> list:
    """A generated clip (lavfi): the demo lecture, test clips and benchmark inputs.

    ``pattern`` "testsrc" changes little from frame to frame (like slides);
    "testsrc2" moves, and ``noise`` adds sensor-like grain (a phone recording).
    ``voice`` is a speech WAV (espeak-ng), padded to the length; else a tone, of
    ``audio_seconds`` if given (tracks ending apart, as real recordings do).
    ``faststart`` puts an MP4's index before its media data, as web exports do.
    """
    streams = []
    if width and height:
        video = ffmpeg.input(
            f"{pattern}=size={width}x{height}:rate={fps}", f="lavfi", t=seconds
        ).video
        if noise:
            video = video.filter("noise", alls=noise, allf="t+u")
        streams.append(video)
    if voice is not None:
        streams.append(
            ffmpeg.input(str(voice)).audio.filter("apad").filter("atrim", 0, seconds)
        )
    elif tone:
        streams.append(
            ffmpeg.input(
                "sine=frequency=330:sample_rate=44100",
                f="lavfi",
                t=audio_seconds or seconds,
            ).audio
        )
    options: dict = {"t": seconds}
    if width and height:
        options.update({"c:v": "libx264", "preset": "veryfast", "pix_fmt": "yuv420p"})
        if video_bitrate:
            # Like a phone's encoder: a fixed budget (about 12-17 Mbit/s at 1080p).
            options.update(
                {
                    "b:v": video_bitrate,
                    "maxrate": video_bitrate,
                    "bufsize": video_bitrate,
                }
            )
    if len(streams) > (1 if width and height else 0):
        options.update({"c:a": "aac", "b:a": "96k"})
    if faststart:
        options["movflags"] = "+faststart"
    command = (
        ffmpeg.output(*streams, str(target), **options)
        .global_args(*GLOBAL_ARGS, "-progress", "pipe:1")
        .overwrite_output()
    )
    return command.compile(cmd=ffmpeg_binary())


def _major_version(binary: str) -> int:
    words = ffmpeg_version(binary).split()
    version = words[2] if len(words) > 2 else ""
    digits = version.lstrip("n").split(".", 1)[0]
    return int(digits) if digits.isdigit() else 0


def rotate_args(source: Path, target: Path, *, degrees: int) -> list:
    """Copy ``source`` with a display-matrix rotation, as phones record portrait."""
    binary = ffmpeg_binary()
    if _major_version(binary) >= 6:
        # ffmpeg 6+ ignores the "rotate" tag and takes an input option instead.
        stream = ffmpeg.input(str(source), display_rotation=degrees)
        options = {}
    else:
        stream = ffmpeg.input(str(source))
        options = {"metadata:s:v:0": f"rotate={degrees}"}
    command = (
        ffmpeg.output(stream, str(target), c="copy", **options)
        .global_args(*GLOBAL_ARGS)
        .overwrite_output()
    )
    return command.compile(cmd=binary)
