"""API endpoints of the quizzes app, mounted under /api/v1/."""

urlpatterns: list = []
