"""Gzip for the site's own text answers: pages, JSON and CSV.

Members pay for every byte; a lesson page's HTML is about 5 KB and compresses to
about 2. Django's GZipMiddleware alone would also compress lecture segments and
byte ranges (already compressed video, and a 206 must stay the bytes it names), so
only text types are compressed here. Static files are compressed ahead of time by
whitenoise. GZipMiddleware pads each answer with random bytes against BREACH.
"""

from django.middleware.gzip import GZipMiddleware

TEXT_TYPES = ("text/html", "application/json", "text/csv", "text/plain")


class TextGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if response.status_code == 206 or content_type not in TEXT_TYPES:
            return response
        return super().process_response(request, response)
