"""Serving the transcoded ladder under the signed prefix (the embedded default).

``/m/<token>/<lecture-uuid>/<path>``: correct MIME types for playlists and fMP4
segments, byte ranges (206) for everything, long immutable cache headers (a token
names one published version, whose files never change).

Behind nginx (``SATCHEL_MEDIA_ACCEL_REDIRECT``) the view still checks the token,
the path and the lecture, then answers with ``X-Accel-Redirect`` and no body: nginx
sends the file (ranges included) from its internal location, which reads the local
media folder or fetches the object store's signed URL, so a web process is not held
for the seconds a 2G phone takes to fetch a segment (docs/deployment.md).
"""

import re

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from media_pipeline import selectors, storage
from media_pipeline.playback import TokenError, verify_token

CHUNK = 64 * 1024
MIME_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/mp4",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
}
# ASCII digits, at most 19 (a 64-bit offset): a longer number is no range of ours,
# and int() refuses over 4,300 digits. Such a header is ignored, as RFC 9110 lets.
RANGE = re.compile(r"^bytes=([0-9]{0,19})-([0-9]{0,19})$")


def _content_type(path: str) -> str | None:
    extension = path[path.rfind(".") :].lower()
    content_type = MIME_TYPES.get(extension)
    if content_type == "video/mp4" and path.startswith("audio/"):
        return "audio/mp4"
    return content_type


def _refuse(message: str, status: int) -> HttpResponse:
    return HttpResponse(
        message, status=status, content_type="text/plain; charset=utf-8"
    )


class _ByteRange:
    """``length`` bytes of ``handle`` from ``start``, in chunks, for a streaming
    response. Django calls ``close`` when the response ends, whether or not the
    bytes were sent: a phone that drops the line before its segment starts still
    gives its file back (a generator's ``finally`` would not run then)."""

    def __init__(self, handle, start: int, length: int):
        self.handle, self.start, self.length = handle, start, length

    def __iter__(self):
        self.handle.seek(self.start)
        remaining = self.length
        while remaining > 0:
            chunk = self.handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk

    def close(self):
        self.handle.close()


@require_safe
def serve(request, token: str, lecture_uuid, path: str):
    try:
        payload = verify_token(token, lecture_uuid=lecture_uuid)
    except TokenError as error:
        return _refuse(error.message, error.status)
    content_type = _content_type(path)
    if content_type is None or not storage.is_safe_relative_path(path):
        return _refuse(_("No such media file."), 404)
    lecture = selectors.lecture_for_serving(uuid=lecture_uuid)
    if lecture is None:
        return _refuse(_("This lecture is not available."), 404)
    prefix = storage.output_prefix(lecture_uuid=lecture.uuid, version=payload["v"])
    if accel := settings.SATCHEL_MEDIA_ACCEL_REDIRECT:
        location = storage.front_server_location(prefix, path, method=request.method)
        if location is None:
            return _refuse(_("No such media file."), 404)
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel + location
        return _immutable(response)
    try:
        handle, size = storage.open_output(prefix, path)
    except (FileNotFoundError, IsADirectoryError):
        return _refuse(_("No such media file."), 404)

    start, end = 0, size - 1
    status = 200
    if header := request.headers.get("Range"):
        match = RANGE.match(header.strip())
        if match and (match[1] or match[2]):
            if match[1]:
                start = int(match[1])
                end = min(int(match[2]), size - 1) if match[2] else size - 1
            else:  # a suffix range: the last N bytes
                start = max(0, size - int(match[2]))
            if start > end or start >= size:
                handle.close()
                response = _refuse(_("Requested range not satisfiable."), 416)
                response["Content-Range"] = f"bytes */{size}"
                return response
            status = 206
    length = end - start + 1
    if request.method == "HEAD":
        handle.close()
        response = HttpResponse(status=status, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            _ByteRange(handle, start, length), status=status, content_type=content_type
        )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _immutable(response)


def _immutable(response: HttpResponse) -> HttpResponse:
    # The URL names one version of the ladder: its bytes never change.
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
