"""Generated lecture clips for the demo, the tests and the benchmark (real ffmpeg)."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from media_pipeline import ffmpeg


def speech_wav(text: str, target: Path) -> Path | None:
    """A spoken WAV from espeak-ng if it is installed, else None."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return None
    completed = subprocess.run(  # noqa: S603 -- fixed arguments, no shell
        [espeak, "-v", "cmn", "-s", "150", "-w", str(target), text],
        capture_output=True,
        check=False,
    )
    return target if completed.returncode == 0 and target.exists() else None


def make_clip(
    target: Path,
    *,
    seconds: float,
    speech: str | None = None,
    rotate: int | None = None,
    **options,
) -> Path:
    """Write a clip (see ``ffmpeg.sample_clip_args`` for the options)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        voice = speech_wav(speech, Path(scratch) / "voice.wav") if speech else None
        encoded = Path(scratch) / f"encoded{target.suffix}" if rotate else target
        ffmpeg.run(
            ffmpeg.sample_clip_args(encoded, seconds=seconds, voice=voice, **options),
            duration=seconds,
        )
        if rotate:
            ffmpeg.run(ffmpeg.rotate_args(encoded, target, degrees=rotate))
    return target
