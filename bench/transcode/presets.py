"""x264 preset study (issue 4): quality per byte and x264 CPU of each rung, per preset.

    .venv/bin/python bench/transcode/presets.py                      # both inputs
    .venv/bin/python bench/transcode/presets.py --only lecture --inputs DIR

Each rung is encoded alone (the benchmark's arm (b): one process, ``ffmpeg._x264``
with only ``X264_PRESET`` changed: same CRF, maxrate/bufsize, GOP, keyframes). Per
rung and preset: average and peak kbit/s of the HLS segments, SSIM and PSNR against
the source taken through the same frame-rate change and scaler (ffmpeg's ``ssim``
and ``psnr`` filters), and x264's CPU seconds: the encode's CPU minus that of the
same decode, frame-rate change and scale into ``-f null``. Presets are interleaved
per rung, so load from other users of the machine hits them alike. Results are
printed and written to bench/transcode/presets.json.
"""

import argparse
import dataclasses
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import children_cpu, input_makers, write_report  # sets Django up

from media_pipeline import ffmpeg
from media_pipeline.ladder import plan_ladder
from media_pipeline.probe import probe
from media_pipeline.renditions import _concat, measure_hls

FILE_NAMES = {
    "720p lecture": "lecture-720p.mp4",
    "1080p noisy phone": "phone-1080p.mp4",
}


def rung_filters(rung) -> str:
    """The per-rung process's own chain (``ffmpeg._scaled``), as a filter string."""
    fps = f"fps=fps={rung.fps}," if rung.change_fps else ""
    return f"{fps}scale={rung.width}:{rung.height}:flags=bicubic,setsar=1"


def cpu_of(args: list) -> tuple[float, str]:
    before = children_cpu()
    completed = subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, check=True
    )
    return children_cpu() - before, completed.stderr


def baseline_cpu(source: Path, rung) -> float:
    """Decode, frame-rate change and scale, no encoder: what is not x264's."""
    binary = ffmpeg.ffmpeg_binary()
    args = [binary, "-nostdin", "-hide_banner", "-i", source, "-map", "0:v:0"]
    args += ["-vf", rung_filters(rung), "-f", "null", "-"]
    return cpu_of(args)[0]


def encode(source: Path, ladder, rung, folder: Path) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / rung.profile).mkdir(parents=True)
    alone = dataclasses.replace(
        ladder,
        video=(rung,),
        audio=None,
        listen=None,
        thumbnails=None,
        poster_width=None,
        poster_height=None,
    )
    before = children_cpu()
    ffmpeg.run(ffmpeg.ladder_args(source, alone), cwd=folder, stall_seconds=600)
    return children_cpu() - before


def quality(encoded: Path, source: Path, rung) -> dict:
    graph = (
        f"[1:v]{rung_filters(rung)},setpts=PTS-STARTPTS,split[r1][r2];"
        "[0:v]setsar=1,setpts=PTS-STARTPTS,split[d1][d2];"
        "[d1][r1]ssim;[d2][r2]psnr"
    )
    args = [ffmpeg.ffmpeg_binary(), "-nostdin", "-hide_banner", "-i", encoded]
    args += ["-i", source, "-lavfi", graph, "-f", "null", "-"]
    _, log = cpu_of(args)
    ssim = re.search(r"SSIM Y:([\d.]+) .* All:([\d.]+)", log)
    psnr = re.search(r"PSNR y:([\d.]+) .* average:([\d.]+)", log)
    return {
        "ssim_y": float(ssim.group(1)),
        "ssim_all": float(ssim.group(2)),
        "psnr_y": float(psnr.group(1)),
        "psnr_average": float(psnr.group(2)),
    }


def study_input(name: str, source: Path, work: Path, presets: list[str]) -> dict:
    ladder = plan_ladder(probe(source))
    rows = []
    for rung in ladder.video:
        base = baseline_cpu(source, rung)
        for preset in presets:
            ffmpeg.X264_PRESET = preset
            folder = work / f"{rung.profile}-{preset}"
            cpu = encode(source, ladder, rung, folder)
            measured = measure_hls(folder, rung.profile)
            joined = _concat(folder, rung.profile, folder / "joined.mp4")
            row = {
                "rung": rung.profile,
                "preset": preset,
                "average_kbps": round(measured.average_bitrate / 1000, 1),
                "peak_kbps": round(measured.peak_bitrate / 1000, 1),
                "bytes": measured.bytes,
                **quality(joined, source, rung),
                "cpu_s": round(cpu, 2),
                "x264_cpu_s": round(cpu - base, 2),
                "load_average_1min": round(os.getloadavg()[0], 1),
            }
            print(json.dumps(row), flush=True)
            rows.append(row)
            shutil.rmtree(folder)
    ffmpeg.X264_PRESET = presets[0]
    return {"input": name, "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="medium,fast,faster")
    parser.add_argument("--only", choices=["lecture", "phone"])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument(
        "--inputs", type=Path, help="folder with inputs made earlier (same names)"
    )
    parser.add_argument("--output", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()
    presets = args.presets.split(",")
    wanted = {"lecture": "720p lecture", "phone": "1080p noisy phone"}
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-presets-") as scratch:
        work = Path(scratch)
        for name, maker in input_makers(work, args.seconds).items():
            if args.only and wanted[args.only] != name:
                continue
            given = args.inputs / FILE_NAMES[name] if args.inputs else None
            source = given if given and given.exists() else maker()
            print(f"-- {name}: {', '.join(presets)}", flush=True)
            results.append(study_input(name, source.resolve(), work, presets))
    report = {
        "finished_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        "ffmpeg": ffmpeg.ffmpeg_version(ffmpeg.ffmpeg_binary()),
        "presets": presets,
        "results": results,
    }
    write_report(args.output / "presets.json", report, keep_others=bool(args.only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
