"""``python manage.py transcode INPUT --output DIR`` (shared/DESIGN.md section 7)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from media_pipeline.ladder import OUTPUTS_VERSION

ROOT = Path(__file__).resolve().parents[2]


def run_transcode(*args, tmp_path):
    return subprocess.run(
        [sys.executable, "manage.py", "transcode", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SATCHEL_VAR_DIR": str(tmp_path / "var")},
        check=False,
    )


def test_transcode_writes_the_ladder_master_and_manifest(clips, tmp_path):
    output = tmp_path / "out"

    call_command("transcode", str(clips["no_audio"]), "--output", str(output))

    manifest = json.loads((output / "manifest.json").read_text())
    assert (output / "master.m3u8").read_text().startswith("#EXTM3U")
    rows = {row["profile"]: row for row in manifest["renditions"]}
    assert set(rows) == {"240p", "360p", "download", "poster", "thumbnails"}
    assert rows["240p"]["average_bitrate"] > 0
    assert rows["240p"]["peak_bitrate"] >= rows["240p"]["average_bitrate"]
    assert rows["360p"]["bytes"] == sum(
        p.stat().st_size for p in (output / "360p").iterdir() if p.suffix != ".m3u8"
    )
    assert manifest["duration"] == 3.0
    assert manifest["timings"]["total"] > 0
    assert manifest["source"]["width"] == 640
    assert (manifest["version"], manifest["outputs_version"]) == (1, OUTPUTS_VERSION)


def test_transcode_exits_non_zero_with_one_line_on_a_text_file(clips, tmp_path):
    completed = run_transcode(
        clips["text"], "--output", tmp_path / "out", tmp_path=tmp_path
    )

    assert completed.returncode != 0
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1
    # Commands speak the site's default language (LANGUAGE_CODE).
    with translation.override(settings.LANGUAGE_CODE):
        message = translation.gettext(
            "This file is not a video or audio file that can be read."
        )
    assert lines[0] == f"CommandError: {clips['text']}: {message}"
    assert not (tmp_path / "out" / "master.m3u8").exists()


def test_transcode_exits_non_zero_on_a_missing_input(tmp_path):
    completed = run_transcode(
        tmp_path / "nothing.mp4", "--output", tmp_path / "out", tmp_path=tmp_path
    )

    assert completed.returncode != 0
    assert completed.stderr.strip().endswith("nothing.mp4: no such file")
