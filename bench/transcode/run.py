"""Transcoding benchmark (issue 4): our one-process ladder against the alternatives.

    .venv/bin/python bench/transcode/run.py            # 120 s inputs, 3 repetitions
    .venv/bin/python bench/transcode/run.py --quick    # 4 s inputs, 1 repetition

Inputs are generated: a 120 s 720p lecture (slides-like picture, speech or a tone,
~100 kbit/s), the same lecture as a camera would upload it (light grain, 2.5 Mbit/s)
and a 120 s noisy 1080p 30 fps phone upload. For each, in one run and several
repetitions (medians), wall time and CPU seconds (children's user + system) of:

  (a) ours: the whole pipeline (``transcode_to_directory``): the single ffmpeg
      process that decodes once and splits into every rung, the audio rung, the
      poster and the thumbnail sprite, then the download remux and the playlists;
  (a1) the same with the thread candidate (``THREAD_CANDIDATE``: one x264 thread
       per encoder), to see whether it saves CPU;
  (b) one ffmpeg process per rung (each video rung, the audio, the sprite), with the
      same encoder settings and ffmpeg's default threads (each process alone on
      the machine);
  (b1) the same processes with the thread candidate;
  (c) decoding only (``-f null``).

Then the 240p + audio peak, and MB per hour of every rung, from our measured files.
Results are printed and written to bench/transcode/results.json.
"""

import argparse
import dataclasses
import datetime
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SATCHEL_VAR_DIR", tempfile.mkdtemp(prefix="bench-transcode-"))

import django  # noqa: E402

django.setup()

from media_pipeline import ffmpeg  # noqa: E402
from media_pipeline.ladder import plan_ladder  # noqa: E402
from media_pipeline.probe import probe  # noqa: E402
from media_pipeline.renditions import transcode_to_directory  # noqa: E402
from media_pipeline.samples import make_clip  # noqa: E402

# Threads tried against ffmpeg.ONE_PROCESS (bench/transcode/README.md).
THREAD_CANDIDATE = ffmpeg.Scheduling(x264_threads=1)

SPEECH = "同志们好。今天我们学习党章的基本内容，理解党员的权利和义务。" * 4


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(action) -> tuple[float, float]:
    cpu, wall = children_cpu(), time.perf_counter()
    action()
    return time.perf_counter() - wall, children_cpu() - cpu


def run_per_rung(
    source: Path, ladder, folder: Path, scheduling=ffmpeg.FFMPEG_DEFAULTS
) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    # No poster in (b): ours makes one, (b) does not (conservative).
    alone = dataclasses.replace(
        ladder, poster_width=None, poster_height=None, audio=None, listen=None
    )
    parts = [
        dataclasses.replace(alone, video=(rung,), thumbnails=None)
        for rung in ladder.video
    ]
    no_video = dataclasses.replace(alone, video=(), thumbnails=None)
    parts.append(dataclasses.replace(no_video, audio=ladder.audio))
    if ladder.listen:
        parts.append(dataclasses.replace(no_video, listen=ladder.listen))
    parts.append(dataclasses.replace(alone, video=()))  # the sprite
    for part in parts:
        for rung in part.video:
            (folder / rung.profile).mkdir()
        if part.audio:
            (folder / "audio").mkdir()
        ffmpeg.run(
            ffmpeg.ladder_args(source, part, scheduling=scheduling),
            cwd=folder,
            stall_seconds=600,
        )
        if part.thumbnails:  # as the pipeline does: the thumbnails into the sprite
            ffmpeg.run(ffmpeg.sprite_args(part), cwd=folder, stall_seconds=600)


def run_decode(source: Path) -> None:
    ffmpeg.run(ffmpeg.decode_only_args(source), stall_seconds=600)


def run_pipeline(source: Path, folder: Path, scheduling=ffmpeg.ONE_PROCESS) -> dict:
    shutil.rmtree(folder, ignore_errors=True)
    return transcode_to_directory(
        source, folder, stall_seconds=600, scheduling=scheduling
    )


def median_of(samples: list[tuple[float, float]]) -> dict:
    return {
        "wall_s": round(statistics.median(s[0] for s in samples), 2),
        "cpu_s": round(statistics.median(s[1] for s in samples), 2),
    }


def bench_input(
    name: str, source: Path, work: Path, repetitions: int, *, thread_arms: bool = True
) -> dict:
    info = probe(source)
    ladder = plan_ladder(info, opus=ffmpeg.can_encode_opus())
    samples: dict[str, list] = {
        "ours": [],
        "ours_candidate_threads": [],
        "per_rung": [],
        "per_rung_candidate_threads": [],
        "decode": [],
    }
    loads = [os.getloadavg()[0]]
    manifests: list[dict] = []
    # "ours" is the whole pipeline (ladder + remux + poster + playlists): a little
    # more work than (b), which makes the comparison conservative.
    arms = [("ours", lambda: manifests.append(run_pipeline(source, work / "p")))]
    if thread_arms:
        arms.append(
            (
                "ours_candidate_threads",
                lambda: run_pipeline(source, work / "p1", scheduling=THREAD_CANDIDATE),
            )
        )
    arms.append(("per_rung", lambda: run_per_rung(source, ladder, work / "b")))
    if thread_arms:
        arms.append(
            (
                "per_rung_candidate_threads",
                lambda: run_per_rung(
                    source, ladder, work / "b", scheduling=THREAD_CANDIDATE
                ),
            )
        )
    arms.append(("decode", lambda: run_decode(source)))
    # Interleaved, so a burst of load from other users of the machine hits all alike,
    # and in reversed order every other repetition, so a machine that speeds up or
    # slows down during the run does not favour whichever arm runs first.
    for repetition in range(repetitions):
        for key, action in arms if repetition % 2 == 0 else reversed(arms):
            samples[key].append(measure(action))
        loads.append(os.getloadavg()[0])
    figures = {key: median_of(value) for key, value in samples.items() if value}
    thread_ratios = {}
    if thread_arms:
        thread_ratios = {
            "cpu_ratio_candidate_threads_ours_vs_per_rung": round(
                figures["ours_candidate_threads"]["cpu_s"]
                / figures["per_rung_candidate_threads"]["cpu_s"],
                3,
            ),
            "scheduling_candidate": dataclasses.asdict(THREAD_CANDIDATE),
        }
    rows = {r["profile"]: r for r in manifests[-1]["renditions"]}
    per_hour = {
        profile: round(row["bytes"] / info.duration * 3600 / 1e6, 1)
        for profile, row in rows.items()
        if profile.endswith("p") or profile in ("audio", "listen", "download")
    }
    return {
        "input": name,
        "repetitions": repetitions,
        "duration_s": info.duration,
        "source": f"{info.width}x{info.height} {info.frame_rate} fps",
        "rungs": [rung.profile for rung in ladder.video],
        **figures,
        "cpu_ratio_ours_vs_per_rung": round(
            figures["ours"]["cpu_s"] / figures["per_rung"]["cpu_s"], 3
        ),
        # The same ratio within each repetition (ours and per rung ran back to back),
        # which a slow drift of the machine's speed does not move.
        "cpu_ratios_by_repetition": [
            round(ours[1] / per_rung[1], 3)
            for ours, per_rung in zip(samples["ours"], samples["per_rung"], strict=True)
        ],
        "samples_wall_cpu_s": {
            key: [[round(wall, 2), round(cpu, 2)] for wall, cpu in value]
            for key, value in samples.items()
            if value
        },
        **thread_ratios,
        "scheduling_ours": dataclasses.asdict(ffmpeg.ONE_PROCESS),
        "measured_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        "load_average_1min": {"min": min(loads), "max": max(loads)},
        "wall_ratio_ours_vs_per_rung": round(
            figures["ours"]["wall_s"] / figures["per_rung"]["wall_s"], 3
        ),
        "realtime_factor": round(info.duration / figures["ours"]["wall_s"], 2),
        "ladder_step_wall_s": round(
            statistics.median(m["timings"]["ladder"] for m in manifests), 2
        ),
        "peak_240p_plus_audio_kbps": round(
            (rows["240p"]["peak_bitrate"] + rows["audio"]["peak_bitrate"]) / 1000, 1
        ),
        "average_kbps": {
            p: round(r["average_bitrate"] / 1000, 1)
            for p, r in rows.items()
            if p.endswith("p") or p == "audio"
        },
        "peak_kbps": {
            p: round(r["peak_bitrate"] / 1000, 1)
            for p, r in rows.items()
            if p.endswith("p") or p == "audio"
        },
        "mb_per_hour": per_hour,
    }


def input_makers(work: Path, seconds: float) -> dict:
    """The generated inputs, by name: each a function writing it into ``work``."""
    slides = {
        "seconds": seconds,
        "width": 1280,
        "height": 720,
        "fps": 25,
        "pattern": "testsrc",
        "speech": SPEECH,
    }
    return {
        "720p lecture": lambda: make_clip(work / "lecture-720p.mp4", **slides),
        # The same talk filmed: light sensor grain, at the 2.5 Mbit/s that OBS and
        # other recorders use by default for 720p (the slides-like lecture above
        # comes out of ffmpeg at ~100 kbit/s, far below any camera's upload).
        "720p camera lecture": lambda: make_clip(
            work / "camera-720p.mp4", **slides, noise=6, video_bitrate=2_500_000
        ),
        "1080p noisy phone": lambda: make_clip(
            work / "phone-1080p.mp4",
            seconds=seconds,
            width=1920,
            height=1080,
            fps=30,
            pattern="testsrc2",
            noise=25,
            video_bitrate=12_000_000,
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 s inputs, once")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument(
        "--no-thread-arms",
        action="store_true",
        help="skip (a1) and (b1), the thread comparison (saves ~half the time)",
    )
    parser.add_argument("--output", type=Path, default=Path(__file__).parent)
    parser.add_argument(
        "--only",
        choices=["lecture", "camera", "phone"],
        help="run one input; its figures replace that input's in the results file",
    )
    args = parser.parse_args()
    seconds = 4 if args.quick else 120
    repetitions = 1 if args.quick else args.repetitions
    with tempfile.TemporaryDirectory(prefix="bench-transcode-") as scratch:
        work = Path(scratch)
        wanted = {
            "lecture": "720p lecture",
            "camera": "720p camera lecture",
            "phone": "1080p noisy phone",
        }
        makers = input_makers(work, seconds)
        results = []
        for name, maker in makers.items():
            if args.only and wanted[args.only] != name:
                continue
            source = maker()
            print(f"-- {name} ({seconds} s, {repetitions}x)", flush=True)
            result = bench_input(
                name, source, work, repetitions, thread_arms=not args.no_thread_arms
            )
            print(json.dumps(result, ensure_ascii=False, indent=2), flush=True)
            results.append(result)
    report = {
        "finished_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        "quick": args.quick,
        "repetitions": repetitions,
        "cpu_count": os.cpu_count(),
        "ffmpeg": ffmpeg.ffmpeg_version(ffmpeg.ffmpeg_binary()),
        "results": results,
    }
    target = args.output / ("results-quick.json" if args.quick else "results.json")
    write_report(target, report, keep_others=bool(args.only))
    return 0


def write_report(target: Path, report: dict, *, keep_others: bool) -> None:
    """Write ``report`` as JSON; with ``keep_others`` (a run of one input), keep
    the other inputs' results of the earlier file."""
    if keep_others and target.exists():
        earlier = json.loads(target.read_text())["results"]
        names = {result["input"] for result in report["results"]}
        report["results"] = [r for r in earlier if r["input"] not in names] + report[
            "results"
        ]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    sys.exit(main())
