"""Everything under /api/v1/; each app owns its endpoints in its api_urls module."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.api_errors import not_found

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="1"), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"
    ),
    path("", include("members.api_urls")),
    path("", include("courses.api_urls")),
    path("", include("media_pipeline.api_urls")),
    path("", include("quizzes.api_urls")),
    # Last: any other path under /api/v1/ ending in "/" is a JSON 404 (a path
    # without the slash is first redirected to it by APPEND_SLASH, as before).
    re_path(r"^(?P<path>.*/)$", not_found, name="api-not-found"),
]
