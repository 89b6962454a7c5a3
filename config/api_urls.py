"""Everything under /api/v1/; each app owns its endpoints in its api_urls module."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="1"), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"
    ),
    path("", include("members.api_urls")),
    path("", include("courses.api_urls")),
    path("", include("media_pipeline.api_urls")),
    path("", include("quizzes.api_urls")),
]
