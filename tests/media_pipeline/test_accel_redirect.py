"""Lecture files behind nginx (SATCHEL_MEDIA_ACCEL_REDIRECT): the site checks the
signed URL and nginx sends the file. Real nginx, with the configurations the docs
ship (docs/nginx/lecture-files.conf for the local media folder,
docs/nginx/lecture-files-s3.conf for an object store: moto's S3 server over HTTP),
in front of the live server."""

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from email.message import Message
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from media_pipeline import storage
from media_pipeline.ffmpeg import ffmpeg_binary
from media_pipeline.playback import lecture_playback
from tests.factories import make_user
from tests.s3 import BUCKET

ROOT = Path(__file__).resolve().parents[2]
SNIPPET = ROOT / "docs" / "nginx" / "lecture-files.conf"
S3_SNIPPET = ROOT / "docs" / "nginx" / "lecture-files-s3.conf"
ACCEL = "/_media/"


def test_the_site_hands_a_checked_file_to_nginx_without_a_body(
    client, settings, make_ready_lecture
):
    settings.SATCHEL_MEDIA_ACCEL_REDIRECT = ACCEL
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())

    sent = client.get(playback.master_url)
    missing = client.get(
        playback.master_url.replace("master.m3u8", "nope.m3u8"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    forged = client.get("/m/not-a-token/" + playback.master_url.split("/", 3)[3])

    assert sent.status_code == 200 and sent.content == b""
    assert sent["X-Accel-Redirect"] == (f"{ACCEL}{lecture.output_prefix}/master.m3u8")
    assert sent["Content-Type"] == "application/vnd.apple.mpegurl"
    assert missing.status_code == 404 and b"No such media file" in missing.content
    assert forged.status_code == 403 and "X-Accel-Redirect" not in forged


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_nginx(tmp_path, live_server, snippet: str):
    """nginx on a free port: ``snippet``, and everything else to the site."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(binary, os.X_OK):
        if os.environ.get("SATCHEL_REQUIRE_BROWSER") == "1":
            pytest.fail("nginx is missing (scripts/system-packages installs it)")
        pytest.skip("nginx is not installed (scripts/system-packages installs it)")
    port = _free_port()
    temp = tmp_path / "nginx"
    temp.mkdir()
    conf = temp / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
master_process off;
pid {temp}/nginx.pid;
error_log {temp}/error.log warn;
events {{}}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        {snippet}
        # a typical server's static-file rule, which must take over neither the
        # site's /m/ URLs nor nginx's own redirects to /_media/
        location ~* \\.(jpg|mp4|m4s|m3u8)$ {{
            return 418;
        }}
        location ^~ /m/ {{
            proxy_pass {live_server.url};
            proxy_set_header Host $host;
        }}
        location / {{
            proxy_pass {live_server.url};
            proxy_set_header Host $host;
        }}
    }}
}}
"""
    )
    server = subprocess.Popen(
        [binary, "-p", str(temp), "-e", str(temp / "error.log"), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(server.stderr.read().decode()) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def nginx(tmp_path, live_server):
    """nginx with the docs' snippet for the local media folder."""
    media_root = str(Path(default_storage.location).resolve())
    snippet = SNIPPET.read_text().replace("@MEDIA_ROOT@", media_root)
    with running_nginx(tmp_path, live_server, snippet) as url:
        yield url


def play_every_variant(master_url: str) -> subprocess.CompletedProcess:
    """An HLS client (ffmpeg) decoding every variant of the master playlist."""
    return subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", master_url]
        + ["-map", "0", "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def fetch(url: str, method: str = "GET", **headers) -> tuple[int, Message, bytes]:
    """(status, headers (case-insensitive), body)."""
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, parts.path, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.headers, answer.read()
    finally:
        connection.close()


# Plain transaction=True: the live server's thread reads what the test wrote.
@pytest.mark.django_db(transaction=True)
def test_behind_nginx_a_member_plays_ranges_and_caches_the_lecture(
    settings, make_ready_lecture, nginx
):
    # given the site behind nginx with the docs' snippet
    settings.SATCHEL_MEDIA_ACCEL_REDIRECT = ACCEL
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())
    download = Path(default_storage.path(f"{lecture.output_prefix}/download.mp4"))

    # when an HLS client plays every variant, a phone asks for a byte range of the
    # download, and someone asks nginx's internal location directly
    played = play_every_variant(nginx + playback.master_url)
    status, headers, body = fetch(nginx + playback.master_url)
    ranged = fetch(nginx + playback.download_url, Range="bytes=100-199")
    direct = fetch(f"{nginx}{ACCEL}{lecture.output_prefix}/master.m3u8")
    forged = fetch(
        nginx + "/m/not-a-token/" + playback.master_url.split("/", 3)[3],
        **{"Accept-Language": "en"},
    )

    # then everything decoded, with the site's types and cache headers
    assert played.returncode == 0, played.stderr
    assert status == 200 and body.startswith(b"#EXTM3U")
    assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Accel-Redirect" not in headers
    # nginx answers the range itself
    assert ranged[0] == 206
    assert ranged[1]["Content-Range"] == f"bytes 100-199/{download.stat().st_size}"
    assert ranged[2] == download.read_bytes()[100:200]
    # the internal location is not a way around the signed URL
    assert direct[0] == 404
    assert forged[0] == 403 and b"not valid" in forged[2]


@pytest.fixture
def nginx_s3(tmp_path, live_server, s3_bucket):
    """nginx with the docs' snippet for an object store, proxying to moto's S3."""
    snippet = S3_SNIPPET.read_text().replace("@S3_ORIGIN@", storage.s3_origin())
    with running_nginx(tmp_path, live_server, snippet) as url:
        yield url


@pytest.mark.django_db(transaction=True)
def test_on_an_object_store_nginx_fetches_the_checked_file_for_the_phone(
    settings, make_ready_lecture, nginx_s3, s3_bucket
):
    # given the site on S3 behind nginx with the docs' snippet for an object store
    settings.SATCHEL_MEDIA_ACCEL_REDIRECT = ACCEL
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())
    download = s3_bucket.get_object(
        Bucket=BUCKET, Key=f"{lecture.output_prefix}/download.mp4"
    )["Body"].read()
    segment = playback.master_url.replace("master.m3u8", "240p/seg_0001.m4s")

    # when an HLS client plays every variant, a phone asks for ranges, a HEAD and a
    # file that is not there, and someone asks nginx's internal location directly
    played = play_every_variant(nginx_s3 + playback.master_url)
    status, headers, body = fetch(nginx_s3 + playback.master_url, Cookie="sid=x")
    ranged = fetch(nginx_s3 + playback.download_url, Range="bytes=100-199")
    head = fetch(nginx_s3 + segment, method="HEAD")
    missing = fetch(
        nginx_s3 + playback.master_url.replace("master.m3u8", "nope.m3u8"),
        **{"Accept-Language": "en"},
    )
    direct = fetch(f"{nginx_s3}{ACCEL}{BUCKET}/{lecture.output_prefix}/master.m3u8")

    # then everything decoded, with the site's types and cache headers, not the
    # store's, and the store's signed URL nowhere in the answer
    assert played.returncode == 0, played.stderr
    assert status == 200 and body.startswith(b"#EXTM3U")
    assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert not [value for value in headers.values() if "Signature" in value]
    assert "Access-Control-Allow-Origin" not in ranged[1]
    assert "X-Accel-Redirect" not in headers
    # the store answers the range, nginx passes it on
    assert ranged[0] == 206
    assert ranged[1]["Content-Type"] == "video/mp4"
    assert ranged[1]["Content-Range"] == f"bytes 100-199/{len(download)}"
    assert ranged[2] == download[100:200]
    # a HEAD is signed as a HEAD: the length, no body
    assert head[0] == 200 and head[2] == b""
    assert head[1]["Content-Type"] == "video/mp4"
    assert int(head[1]["Content-Length"]) > 0
    # a missing file is the site's own 404, and the internal location is no way
    # around the signed URL
    assert missing[0] == 404 and b"No such media file" in missing[2]
    assert direct[0] == 404


def test_the_site_hands_nginx_a_short_lived_signed_url_of_the_object(
    client, settings, make_ready_lecture, s3_bucket
):
    settings.SATCHEL_MEDIA_ACCEL_REDIRECT = ACCEL
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())

    sent = client.get(playback.master_url)
    head = client.head(playback.master_url)

    target = urlsplit(sent["X-Accel-Redirect"])
    query = parse_qs(target.query)
    assert sent.status_code == 200 and sent.content == b""
    assert target.path == f"{ACCEL}{BUCKET}/{lecture.output_prefix}/master.m3u8"
    assert query["X-Amz-Expires"] == [str(storage.FRONT_SERVER_URL_SECONDS)]
    assert "X-Amz-Signature" in query
    # signed for the request's own method: a HEAD's signature is not a GET's
    head_query = parse_qs(urlsplit(head["X-Accel-Redirect"]).query)
    assert head_query["X-Amz-Signature"] != query["X-Amz-Signature"]


def test_the_s3_origin_command_prints_what_the_snippet_proxies_to(s3_bucket, capsys):
    call_command("s3_origin")

    # moto's server is a path-style store: the origin is its endpoint
    assert capsys.readouterr().out.strip() == os.environ["SATCHEL_S3_ENDPOINT_URL"]


def test_the_s3_origin_command_on_local_storage_says_which_snippet_to_use():
    with pytest.raises(CommandError, match="use docs/nginx/lecture-files.conf"):
        call_command("s3_origin")
