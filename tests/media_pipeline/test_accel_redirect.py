"""Lecture files behind nginx (SATCHEL_MEDIA_ACCEL_REDIRECT): the site checks the
signed URL and nginx sends the file. Real nginx, with the configuration the docs
ship (docs/nginx/lecture-files.conf), in front of the live server."""

import os
import shutil
import socket
import subprocess
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage

from media_pipeline.ffmpeg import ffmpeg_binary
from media_pipeline.playback import lecture_playback
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
SNIPPET = ROOT / "docs" / "nginx" / "lecture-files.conf"
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


@pytest.fixture
def nginx(tmp_path, live_server):
    """nginx on a free port: the docs' snippet, and everything else to the site."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(binary, os.X_OK):
        if os.environ.get("SATCHEL_REQUIRE_BROWSER") == "1":
            pytest.fail("nginx is missing (scripts/system-packages installs it)")
        pytest.skip("nginx is not installed (scripts/system-packages installs it)")
    port = _free_port()
    media_root = str(Path(default_storage.location).resolve())
    snippet = SNIPPET.read_text().replace("@MEDIA_ROOT@", media_root)
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


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path, headers=headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.headers), answer.read()
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
    played = subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", nginx + playback.master_url]
        + ["-map", "0", "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
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
