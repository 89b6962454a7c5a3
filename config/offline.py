"""Offline study (shared/DESIGN.md section 4, docs/progress.md "Saved for offline"):
the service worker, served from the site root, and the page it shows offline."""

import hashlib

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag, require_safe


def _script() -> str:
    return render_to_string(
        "sw.js",
        {
            "static_url": settings.STATIC_URL,
            # The signed media prefix of media_pipeline/urls.py.
            "media_url": "/m/",
            "offline_url": reverse("offline"),
        },
    )


def _script_etag(request) -> str:
    return hashlib.sha256(_script().encode()).hexdigest()[:32]


# A worker's scope is the folder its script is served from: under /static/
# (whitenoise) it could only control /static/. The browser checks for a new
# version on each visit; no-cache plus the ETag makes that check a 304.
@require_safe
@cache_control(no_cache=True)
@etag(_script_etag)
def service_worker(request):
    return HttpResponse(_script(), content_type="application/javascript")


@require_safe
def offline_page(request):
    """What the service worker shows for a page that is not saved, offline: the
    lessons saved on this phone (listed by offline.js)."""
    return render(request, "offline.html")
