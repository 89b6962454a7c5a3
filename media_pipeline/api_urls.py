"""API endpoints of the media_pipeline app, mounted under /api/v1/."""

urlpatterns: list = []
