"""API endpoints of the quizzes app, mounted under /api/v1/."""

from django.urls import path

from quizzes import api

urlpatterns = [
    path(
        "quizzes/<int:quiz_id>/", api.QuizDetailApi.as_view(), name="quizzes-api-detail"
    ),
    path(
        "quizzes/<int:quiz_id>/attempts/",
        api.AttemptStartApi.as_view(),
        name="quizzes-api-attempt-start",
    ),
    path(
        "quizzes/<int:quiz_id>/statistics/",
        api.QuizStatisticsApi.as_view(),
        name="quizzes-api-statistics",
    ),
    path(
        "quizzes/attempts/<int:attempt_id>/",
        api.AttemptDetailApi.as_view(),
        name="quizzes-api-attempt",
    ),
    path(
        "quizzes/attempts/<int:attempt_id>/answers/",
        api.AttemptAnswersApi.as_view(),
        name="quizzes-api-attempt-answers",
    ),
    path(
        "quizzes/attempts/<int:attempt_id>/submit/",
        api.AttemptSubmitApi.as_view(),
        name="quizzes-api-attempt-submit",
    ),
]
