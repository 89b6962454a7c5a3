"""API endpoints of the courses app, mounted under /api/v1/."""

urlpatterns: list = []
