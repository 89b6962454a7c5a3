"""The public part of MEDIA_URL on the embedded default: Wagtail's image files.

Wagtail renders images (in lesson bodies and throughout the admin) as plain storage
URLs, ``/media/images/<name>`` for renditions and ``/media/original_images/<name>``
for originals. With a local media folder nothing else serves those URLs, so the
embedded default serves them here (``SATCHEL_SERVE_MEDIA``); at scale a CDN or the
object store serves them (docs/deployment.md).

Only these two folders are public. Everything else under MEDIA_ROOT has its own
access-checked way out: lectures behind the signed prefix
(``media_pipeline.views.serve``), documents through Wagtail's document view (which
applies collection privacy), uploads awaiting transcoding nowhere at all.

On an S3-compatible store the same view serves them (``config.s3_storage``), so a
picture keeps one URL that phones can cache instead of a new signed URL on every page.
"""

import re

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseNotModified
from django.utils.encoding import filepath_to_uri
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

# A folder Wagtail writes images into, then one file name (Wagtail keeps image names
# ASCII; Django's get_valid_name leaves word characters, dots and hyphens).
IMAGE_PATH = re.compile(
    r"^(?:images|original_images)/(?![.])[\w.-]+\.(?P<extension>[a-z0-9]+)$"
)
# Raster formats only (Wagtail's default WAGTAILIMAGES_EXTENSIONS): an SVG from an
# upload could carry script, so it is never served from the site's own origin.
CONTENT_TYPES = {
    "avif": "image/avif",
    "gif": "image/gif",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}
# A rendition's name changes when its picture does (Wagtail keeps the old original until
# the new one is saved, so the new file gets a new name); a day, then revalidation by
# date, keeps the rare reused name from showing an old picture for long.
CACHE_CONTROL = "public, max-age=86400"


def public_image_url(name: str) -> str | None:
    """The URL this view serves ``name`` at, or None if it does not serve it."""
    if settings.SATCHEL_SERVE_MEDIA and _content_type(name) is not None:
        return f"{settings.MEDIA_URL}{filepath_to_uri(name)}"
    return None


def _content_type(name: str) -> str | None:
    match = IMAGE_PATH.match(name)
    return match and CONTENT_TYPES.get(match["extension"].lower())


def _not_found() -> HttpResponse:
    return HttpResponse(
        _("No such image."), status=404, content_type="text/plain; charset=utf-8"
    )


@require_safe
def serve_image(request, path: str):
    content_type = _content_type(path)
    if not settings.SATCHEL_SERVE_MEDIA or content_type is None:
        return _not_found()
    if not default_storage.exists(path):
        return _not_found()
    try:
        modified = default_storage.get_modified_time(path).timestamp()
        if not was_modified_since(request.headers.get("If-Modified-Since"), modified):
            response = HttpResponseNotModified()
        else:
            response = FileResponse(
                default_storage.open(path, "rb"), content_type=content_type
            )
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation):
        return _not_found()
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response
