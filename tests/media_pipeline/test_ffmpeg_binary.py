"""Which ffmpeg runs: the setting, else PATH, else imageio-ffmpeg's (pip alone)."""

import imageio_ffmpeg
import pytest

from media_pipeline import ffmpeg
from media_pipeline.renditions import transcode_to_directory


def test_the_setting_wins(settings, tmp_path):
    settings.SATCHEL_FFMPEG = str(tmp_path / "my-ffmpeg")

    assert ffmpeg.ffmpeg_binary() == str(tmp_path / "my-ffmpeg")


def test_without_ffmpeg_on_path_the_pypi_binary_is_used(settings, monkeypatch):
    settings.SATCHEL_FFMPEG = ""
    monkeypatch.setenv("PATH", "/nonexistent")

    # The cached lookup is what a fresh process would compute.
    assert ffmpeg._default_binary.__wrapped__() == imageio_ffmpeg.get_ffmpeg_exe()


def test_the_pypi_ffmpeg_writes_the_same_ladder(clips, settings, tmp_path):
    # imageio-ffmpeg ships ffmpeg 9.x, Debian 5.1: both must give the same tree.
    settings.SATCHEL_FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()

    manifest = transcode_to_directory(clips["portrait"], tmp_path / "out")

    sizes = {r["profile"]: (r["width"], r["height"]) for r in manifest["renditions"]}
    assert sizes["240p"] == (240, 426)
    assert "n9." in manifest["ffmpeg"] or "version 9" in manifest["ffmpeg"]
    for path in ("240p/init.mp4", "audio/index.m3u8", "download.mp4", "poster.jpg"):
        assert (tmp_path / "out" / path).is_file(), path
    segments = [r["segments"] for r in manifest["renditions"] if r["profile"] == "480p"]
    assert segments[0] == [pytest.approx(3.0, abs=0.05)]


def test_an_ffmpeg_built_without_opus_gives_the_ladder_without_the_listen_file(
    clips, settings, tmp_path
):
    # given an ffmpeg whose encoder list has no libopus (a minimal build)
    real = ffmpeg._default_binary()
    script = tmp_path / "ffmpeg-without-opus"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$2" = "-encoders" ]; then\n'
        f'  "{real}" "$@" | grep -v libopus; exit 0\n'
        "fi\n"
        f'exec "{real}" "$@"\n'
    )
    script.chmod(0o755)
    settings.SATCHEL_FFMPEG = str(script)

    # when
    manifest = transcode_to_directory(clips["audio"], tmp_path / "out")

    # then everything else is there, and nothing refers to a listen file
    profiles = {r["profile"] for r in manifest["renditions"]}
    assert profiles == {"audio", "download"}
    assert not (tmp_path / "out" / "listen.webm").exists()
