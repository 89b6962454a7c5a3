"""Where the 720p CPU ratio's floor is (issue 4): two measurements on short cuts.

    .venv/bin/python bench/transcode/x264_share.py                 # 30 s cuts
    .venv/bin/python bench/transcode/x264_share.py --seconds 4 --repetitions 1

1. **x264 inside one process vs alone.** The ladder's video rungs only (no audio,
   sprite or poster), once as our one process and once as one process per rung, each
   with real encodes and with every rung's output replaced by ``-f null``; x264's
   share of an arm is (encodes) - (null outputs). Repetitions alternate the order.
2. **x264 options for one encoder alone**: the 480p rung of each input, pre-scaled
   to a Y4M file so that only x264 runs, encoded with ``ffmpeg._x264`` plus one
   ``-x264-params`` change at a time; CPU relative to ``preset medium``, bytes and
   SSIM against the pre-scaled picture.

Figures are printed; bench/transcode/README.md records the 2026-11-30 run.
"""

import argparse
import dataclasses
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ffmpeg as ffmpeg_python
from run import children_cpu, input_makers  # sets Django up

from media_pipeline import ffmpeg
from media_pipeline.ladder import plan_ladder
from media_pipeline.probe import probe

OPTIONS = {
    "preset medium": "",
    "ref=2": "ref=2",
    "me=dia": "me=dia",
    "ref=2:me=dia": "ref=2:me=dia",
    "threads=1": "threads=1",
    "subme=6": "subme=6",
    "trellis=0": "trellis=0",
    "rc-lookahead=20": "rc-lookahead=20",
}


def _null_output(stream, rung, segment_seconds, scheduling):
    return ffmpeg_python.output(stream, "/dev/null", f="null")


def _run_parts(source: Path, parts, folder: Path, *, null: bool) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    real = ffmpeg._rung_output
    ffmpeg._rung_output = _null_output if null else real
    try:
        before = children_cpu()
        for part in parts:
            for rung in part.video:
                (folder / rung.profile).mkdir(exist_ok=True)
            args = ffmpeg.ladder_args(source, part)
            ffmpeg.run(args, cwd=folder, stall_seconds=600)
        return children_cpu() - before
    finally:
        ffmpeg._rung_output = real


def x264_in_one_process(source: Path, work: Path, repetitions: int) -> dict:
    ladder = dataclasses.replace(
        plan_ladder(probe(source)),
        audio=None,
        listen=None,
        thumbnails=None,
        poster_width=None,
        poster_height=None,
    )
    per_rung = [dataclasses.replace(ladder, video=(rung,)) for rung in ladder.video]
    arms = {
        "ours": ([ladder], False),
        "ours_null": ([ladder], True),
        "per_rung": (per_rung, False),
        "per_rung_null": (per_rung, True),
    }
    samples: dict[str, list[float]] = {key: [] for key in arms}
    for repetition in range(repetitions):
        order = list(arms) if repetition % 2 == 0 else list(reversed(arms))
        for key in order:
            parts, null = arms[key]
            samples[key].append(_run_parts(source, parts, work / "share", null=null))
    ours = [a - b for a, b in zip(samples["ours"], samples["ours_null"], strict=True)]
    alone = [
        a - b
        for a, b in zip(samples["per_rung"], samples["per_rung_null"], strict=True)
    ]
    return {
        "cpu_s": {key: round(statistics.median(v), 2) for key, v in samples.items()},
        "x264_ours_cpu_s": round(statistics.median(ours), 2),
        "x264_per_rung_cpu_s": round(statistics.median(alone), 2),
        "x264_ratio_by_repetition": [
            round(a / b, 3) for a, b in zip(ours, alone, strict=True)
        ],
    }


def _ssim(encoded: Path, reference: Path) -> float | None:
    completed = subprocess.run(
        [ffmpeg.ffmpeg_binary(), "-i", str(encoded), "-i", str(reference)]
        + ["-lavfi", "ssim", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"All:([0-9.]+)", completed.stderr)
    return float(found[1]) if found else None


def x264_options(source: Path, work: Path, repetitions: int) -> dict:
    ladder = plan_ladder(probe(source))
    rung = max(ladder.video, key=lambda item: item.height)
    scaled = work / f"{rung.profile}.y4m"
    subprocess.run(
        [ffmpeg.ffmpeg_binary(), "-v", "error", "-y", "-i", str(source)]
        + ["-vf", f"scale={rung.width}:{rung.height}:flags=bicubic,setsar=1"]
        + ["-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", str(scaled)],
        check=True,
    )
    settings = ffmpeg._x264(rung, ladder.segment_seconds)
    base = [item for key, value in settings.items() for item in (f"-{key}", value)]
    cpu: dict[str, list[float]] = {name: [] for name in OPTIONS}
    sizes = {}
    for repetition in range(repetitions):
        names = list(OPTIONS) if repetition % 2 == 0 else list(reversed(OPTIONS))
        for name in names:
            extra = ["-x264-params", OPTIONS[name]] if OPTIONS[name] else []
            target = work / f"option-{list(OPTIONS).index(name)}.mp4"
            before = children_cpu()
            subprocess.run(
                [ffmpeg.ffmpeg_binary(), "-v", "error", "-y", "-i", str(scaled)]
                + [str(item) for item in base + extra]
                + [str(target)],
                check=True,
            )
            cpu[name].append(children_cpu() - before)
            sizes[name] = target.stat().st_size
    medium = statistics.median(cpu["preset medium"])
    rows = {}
    for index, name in enumerate(OPTIONS):
        rows[name] = {
            "cpu": round(statistics.median(cpu[name]) / medium, 3),
            "bytes": round(sizes[name] / sizes["preset medium"], 3),
            "ssim": _ssim(work / f"option-{index}.mp4", scaled),
        }
    return {"rung": rung.profile, "options": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-x264-") as scratch:
        work = Path(scratch)
        for name, maker in input_makers(work, args.seconds).items():
            source = maker()
            print(f"-- {name} ({args.seconds:g} s, {args.repetitions}x)", flush=True)
            if "720p" in name:
                print(x264_in_one_process(source, work, args.repetitions), flush=True)
            print(x264_options(source, work, args.repetitions), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
