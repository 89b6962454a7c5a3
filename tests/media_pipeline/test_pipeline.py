"""The ladder as written to disk by real ffmpeg, checked on the files themselves."""

import io
import re
import struct

import av
import pytest
from PIL import Image

from media_pipeline.ffmpeg import FFMPEG_DEFAULTS, Scheduling, ladder_args
from media_pipeline.ladder import plan_ladder
from media_pipeline.probe import ProbeError, check_limits, probe
from media_pipeline.renditions import peak_bitrate, transcode_to_directory

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def media_playlist(path):
    lines = path.read_text().splitlines()
    durations = [
        float(line[8:].split(",")[0]) for line in lines if line.startswith("#EXTINF:")
    ]
    segments = [line for line in lines if line and not line.startswith("#")]
    init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', path.read_text())[1]
    return init, list(zip(durations, segments, strict=True))


def master_variants(path):
    lines = path.read_text().splitlines()
    variants = {}
    for line, uri in zip(lines, lines[1:], strict=False):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = dict(
                re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1])
            )
            variants[uri] = {k: v.strip('"') for k, v in attributes.items()}
    return variants


def rung_bytes(folder, profile):
    init, segments = media_playlist(folder / profile / "index.m3u8")
    data = (folder / profile / init).read_bytes()
    return data + b"".join(
        (folder / profile / name).read_bytes() for _, name in segments
    )


def keyframe_times(data: bytes) -> list[float]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.pts is not None]
        # Relative to the first picture: B-frames shift every pts by the encoder's
        # composition delay, which differs with the frame rate.
        start = min(packet.pts for packet in packets)
        return sorted(
            round(float((packet.pts - start) * stream.time_base), 2)
            for packet in packets
            if packet.is_keyframe
        )


def decode_sound_alone(path) -> tuple[str, int, int, float]:
    """Codec, sample rate, channels and decoded seconds of a file with no picture."""
    with av.open(str(path)) as container:
        assert len(container.streams.video) == 0
        audio = container.streams.audio[0].codec_context
        samples = sum(frame.samples for frame in container.decode(audio=0))
        return (
            audio.name,
            audio.sample_rate,
            audio.channels,
            samples / audio.sample_rate,
        )


def top_level_boxes(path) -> list[str]:
    boxes, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return boxes


def test_a_720p_lecture_gets_240p_360p_480p_and_a_shared_audio_rung(transcoded):
    folder, manifest = transcoded("720p")

    sizes = {r["profile"]: (r["width"], r["height"]) for r in manifest["renditions"]}
    assert sizes["240p"] == (426, 240)
    assert sizes["360p"] == (640, 360)
    assert sizes["480p"] == (854, 480)
    assert "720p" not in sizes
    assert "audio" in sizes
    for profile, (width, height) in sizes.items():
        if profile.endswith("p"):
            with av.open(io.BytesIO(rung_bytes(folder, profile))) as container:
                frame = next(container.decode(video=0))
                assert (frame.width, frame.height) == (width, height)
    master = (folder / "master.m3u8").read_text()
    assert master.count('AUDIO="audio"') == 3
    assert 'URI="audio/index.m3u8"' in master


def test_segments_last_six_seconds_except_the_last_one(transcoded):
    folder, _ = transcoded("720p")

    for profile in ("240p", "360p", "480p", "audio"):
        _, segments = media_playlist(folder / profile / "index.m3u8")
        durations = [seconds for seconds, _ in segments]
        assert durations[0] == pytest.approx(6.0, abs=0.05), profile
        assert sum(durations) == pytest.approx(7.0, abs=0.1), profile
        assert all(name.endswith(".m4s") for _, name in segments)
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in (folder / "240p" / "index.m3u8").read_text()


def test_keyframes_fall_on_the_same_times_in_every_rung(transcoded):
    folder, _ = transcoded("720p")

    times = {p: keyframe_times(rung_bytes(folder, p)) for p in ("240p", "360p", "480p")}

    assert times["240p"] == [0.0, 6.0]
    assert times["240p"] == times["360p"] == times["480p"]


def test_master_playlist_declares_bitrates_within_ten_percent_of_the_files(
    transcoded,
):
    folder, _ = transcoded("720p")

    def measured(profile):
        # Peak as RFC 8216 defines BANDWIDTH: any run of segments lasting 3-9 s.
        _, segments = media_playlist(folder / profile / "index.m3u8")
        sizes = [
            (seconds, (folder / profile / name).stat().st_size)
            for seconds, name in segments
        ]
        runs = [
            sizes[start:end]
            for start in range(len(sizes))
            for end in range(start + 1, len(sizes) + 1)
            if 3 <= sum(d for d, _ in sizes[start:end]) <= 9
        ]
        peak = max(sum(b for _, b in run) * 8 / sum(d for d, _ in run) for run in runs)
        total = sum(size for _, size in sizes) * 8
        return peak, total / sum(seconds for seconds, _ in sizes)

    audio_peak, audio_average = measured("audio")
    variants = master_variants(folder / "master.m3u8")
    assert set(variants) == {"240p/index.m3u8", "360p/index.m3u8", "480p/index.m3u8"}
    for uri, attributes in variants.items():
        peak, average = measured(uri.split("/")[0])
        assert int(attributes["BANDWIDTH"]) == pytest.approx(peak + audio_peak, rel=0.1)
        assert int(attributes["AVERAGE-BANDWIDTH"]) == pytest.approx(
            average + audio_average, rel=0.1
        )
        assert attributes["CODECS"].startswith("avc1.4d")
        assert attributes["CODECS"].endswith(",mp4a.40.2")
    assert variants["240p/index.m3u8"]["RESOLUTION"] == "426x240"
    assert variants["240p/index.m3u8"]["FRAME-RATE"] == "15.000"


def test_data_saver_playlist_offers_only_the_lowest_rung(transcoded):
    folder, _ = transcoded("720p")

    assert list(master_variants(folder / "data_saver.m3u8")) == ["240p/index.m3u8"]


def test_the_download_mp4_is_faststart_and_decodes_end_to_end(transcoded):
    folder, manifest = transcoded("720p")
    download = folder / "download.mp4"

    boxes = top_level_boxes(download)
    assert boxes.index("moov") < boxes.index("mdat")
    with av.open(str(download)) as container:
        assert container.streams.video[0].codec_context.height == 240
        assert len(container.streams.audio) == 1
        video_frames = audio_frames = 0
        last = 0.0
        for frame in container.decode(video=0, audio=0):
            if isinstance(frame, av.VideoFrame):
                video_frames += 1
                last = max(last, float(frame.time))
            else:
                audio_frames += 1
    assert video_frames == pytest.approx(7 * 15, abs=2)
    assert last == pytest.approx(7.0, abs=0.2)
    assert audio_frames > 0
    download_row = next(r for r in manifest["renditions"] if r["profile"] == "download")
    assert download_row["bytes"] == download.stat().st_size


def test_the_aac_rung_is_also_one_faststart_audio_file_that_plays(transcoded):
    folder, manifest = transcoded("720p")
    rows = {r["profile"]: r for r in manifest["renditions"]}
    listen = folder / "listen.m4a"

    boxes = top_level_boxes(listen)
    assert boxes.index("moov") < boxes.index("mdat")
    codec, rate, channels, seconds = decode_sound_alone(listen)
    assert (codec, rate, channels) == ("aac", 48000, 1)
    assert seconds == pytest.approx(7.0, abs=0.1)
    row = rows["listen_aac"]
    assert (row["path"], row["codecs"]) == ("listen.m4a", "mp4a.40.2")
    assert row["bytes"] == listen.stat().st_size
    # a remux of the audio rung: its bytes, give or take the boxes
    assert row["bytes"] == pytest.approx(rows["audio"]["bytes"], rel=0.1)


def _frame_at(path, seconds: float) -> Image.Image:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time >= seconds - 1e-3:
                return frame.to_image().resize((854, 480))
    raise AssertionError(f"no frame at {seconds} s")


def _difference(a: Image.Image, b: Image.Image) -> float:
    gray_a, gray_b = a.convert("L"), b.convert("L")
    pixels = zip(gray_a.tobytes(), gray_b.tobytes(), strict=True)
    return sum(abs(x - y) for x, y in pixels) / (a.size[0] * a.size[1])


def test_poster_and_scrub_thumbnails_are_written(clips, transcoded):
    folder, _ = transcoded("720p")

    poster = Image.open(folder / "poster.jpg")
    assert poster.size == (854, 480)
    # the frame at 10 % of the lecture (its moving counter), not the first one
    assert _difference(poster, _frame_at(clips["720p"], 0.7)) < _difference(
        poster, _frame_at(clips["720p"], 0.0)
    )
    sprite = Image.open(folder / "thumbnails.jpg")
    vtt = (folder / "thumbnails.vtt").read_text()
    assert vtt.startswith("WEBVTT")
    cues = re.findall(r"thumbnails\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)", vtt)
    assert len(cues) == 4  # one every 2 s over 7 s
    for x, y, w, h in ((int(v) for v in cue) for cue in cues):
        assert x + w <= sprite.size[0] and y + h <= sprite.size[1]
    assert "00:00:06.000 --> 00:00:07.000" in vtt


def test_a_rotated_portrait_phone_video_is_scaled_by_its_short_side(clips, transcoded):
    source = probe(clips["portrait"])
    assert (source.width, source.height, source.rotation % 180) == (1080, 1920, 90)

    folder, manifest = transcoded("portrait")

    sizes = {r["profile"]: (r["width"], r["height"]) for r in manifest["renditions"]}
    assert sizes["240p"] == (240, 426)
    assert sizes["480p"] == (480, 854)
    with av.open(io.BytesIO(rung_bytes(folder, "360p"))) as container:
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (360, 640)
    assert (
        master_variants(folder / "master.m3u8")["240p/index.m3u8"]["RESOLUTION"]
        == "240x426"
    )


def test_a_source_without_audio_gets_no_audio_group_and_is_not_upscaled(
    transcoded,
):
    folder, manifest = transcoded("no_audio")

    profiles = {r["profile"] for r in manifest["renditions"]}
    assert profiles == {"240p", "360p", "download", "poster", "thumbnails"}
    master = (folder / "master.m3u8").read_text()
    assert "EXT-X-MEDIA" not in master
    assert 'CODECS="avc1.4d401e"' in master
    assert not (folder / "audio").exists()
    assert not (folder / "listen.webm").exists()
    assert not (folder / "listen.m4a").exists()
    with av.open(str(folder / "download.mp4")) as container:
        assert len(container.streams.audio) == 0


def test_an_audio_only_upload_becomes_an_audio_lecture(transcoded):
    folder, manifest = transcoded("audio")

    profiles = {r["profile"] for r in manifest["renditions"]}
    assert profiles == {"audio", "download", "listen"}  # download.m4a is AAC alone
    assert not (folder / "listen.m4a").exists()
    assert list(master_variants(folder / "master.m3u8")) == ["audio/index.m3u8"]
    with av.open(str(folder / "download.m4a")) as container:
        assert len(container.streams.video) == 0
        audio = container.streams.audio[0].codec_context
        assert (audio.name, audio.sample_rate, audio.channels) == ("aac", 48000, 1)
    audio_row = next(r for r in manifest["renditions"] if r["profile"] == "audio")
    assert 40_000 < audio_row["average_bitrate"] < 60_000


def test_the_listen_only_file_is_opus_decodes_end_to_end_and_costs_less(transcoded):
    folder, manifest = transcoded("audio")
    rows = {r["profile"]: r for r in manifest["renditions"]}
    listen = folder / "listen.webm"

    codec, rate, channels, seconds = decode_sound_alone(listen)
    assert (codec, rate, channels) == ("opus", 48000, 1)
    assert seconds == pytest.approx(4.0, abs=0.1)
    assert rows["listen"]["path"] == "listen.webm"
    assert rows["listen"]["codecs"] == "opus"
    assert rows["listen"]["bytes"] == listen.stat().st_size
    assert 12_000 < rows["listen"]["average_bitrate"] < 32_000
    assert rows["listen"]["bytes"] < 0.7 * rows["audio"]["bytes"]


def test_without_an_opus_encoder_there_is_no_listen_file(clips):
    source = probe(clips["720p"])

    ladder = plan_ladder(source, opus=False)

    assert ladder.listen is None
    assert "libopus" not in ladder_args(clips["720p"], ladder)
    assert "libopus" in ladder_args(clips["720p"], plan_ladder(source))


def test_a_truncated_file_is_refused_with_a_message(clips):
    with pytest.raises(ProbeError) as refused:
        probe(clips["truncated"])

    assert "not a video or audio file" in str(refused.value.message)


def test_a_text_file_named_mp4_is_refused_with_a_message(clips):
    with pytest.raises(ProbeError) as refused:
        probe(clips["text"])

    assert "not a video or audio file" in str(refused.value.message)


def test_a_concat_script_named_mp4_is_refused_not_followed(clips):
    with pytest.raises(ProbeError) as refused:
        probe(clips["concat"])

    assert refused.value.key == "refers_to_other_files"
    assert "points to other files" in str(refused.value.message)


def test_the_ladder_opens_local_files_only(clips):
    args = ladder_args(clips["720p"], plan_ladder(probe(clips["720p"])))

    position = args.index("-protocol_whitelist")
    assert args[position + 1] == "file"
    assert position < args.index("-i")


def test_limits_refuse_too_long_and_too_large_sources(clips):
    source = probe(clips["portrait"])

    with pytest.raises(ProbeError) as too_long:
        check_limits(source, max_seconds=2, max_dimension=4096)
    with pytest.raises(ProbeError) as too_large:
        check_limits(source, max_seconds=3600, max_dimension=1280)

    assert "limit" in str(too_long.value.message)
    assert "1080x1920" in str(too_large.value.message)


def test_a_tiny_last_segment_does_not_make_the_peak():
    # 6 s segments at 48 kbit/s, then one 40 ms audio frame with its fragment header.
    sizes = [(6.0, 36_000), (6.0, 36_000), (0.04, 700)]

    peak = peak_bitrate(sizes, target=6)

    assert peak == pytest.approx(48_000, rel=0.02)


def test_one_process_decodes_once_for_rungs_poster_and_sprite(clips):
    # given a 25 fps 720p lecture
    ladder = plan_ladder(probe(clips["720p"]))

    # when its one ffmpeg command is built
    args = [str(arg) for arg in ladder_args(clips["720p"], ladder)]
    graph = args[args.index("-filter_complex") + 1]

    # then the source feeds one chain; 240p drops to 15 fps before its scaler (and
    # the sprite hangs off 240p); the poster is an output of the same process, and
    # converts its one frame to JPEG's full range itself (else the shared 480p scaler
    # would output full range and every rung frame be converted back for x264)
    assert graph.count("[0:v:0]") == 1
    assert re.search(r"fps=fps=15\[s\d+\];\[s\d+\]scale=426:240", graph)
    assert re.search(r"gte\(t\\,[0-9.]+\)\[s\d+\];\[s\d+\]scale\[", graph)
    assert {"poster.jpg", "thumbnail-%05d.jpg"} <= set(args)
    assert args.count("libx264") == 3


def test_thread_settings_change_threads_only():
    one_thread = Scheduling(x264_threads=1, decoder_threads=1, filter_threads=1)
    assert one_thread.x264() == {"threads": 1}
    assert one_thread.input() == {"threads": 1}
    assert one_thread.global_args() == ("-filter_complex_threads", "1")
    assert FFMPEG_DEFAULTS.x264() == FFMPEG_DEFAULTS.input() == {}


def test_progress_is_reported_from_the_start_not_only_at_the_end(clips, tmp_path):
    # ffmpeg prints no progress until every output has its first frame: a sprite
    # tiled in the graph, or a poster trimmed at 10 %, held it back to the end, and
    # a long lecture was killed as stalled after 120 s of silence
    reports = []

    transcode_to_directory(clips["720p"], tmp_path / "out", on_progress=reports.append)

    ladder_reports = [fraction for fraction in reports if fraction < 0.95]
    assert ladder_reports, reports
    assert min(ladder_reports) < 0.5
    assert not list((tmp_path / "out").glob("thumbnail-*.jpg"))  # tiled, then gone
