"""API endpoints of the quizzes app, mounted under /api/v1/."""

from django.urls import path

from quizzes import api

urlpatterns = [
    path(
        "quizzes/<id:quiz_id>/", api.QuizDetailApi.as_view(), name="quizzes-api-detail"
    ),
    path(
        "quizzes/<id:quiz_id>/attempts/",
        api.AttemptStartApi.as_view(),
        name="quizzes-api-attempt-start",
    ),
    path(
        "quizzes/<id:quiz_id>/statistics/",
        api.QuizStatisticsApi.as_view(),
        name="quizzes-api-statistics",
    ),
    path(
        "quizzes/attempts/<id:attempt_id>/",
        api.AttemptDetailApi.as_view(),
        name="quizzes-api-attempt",
    ),
    path(
        "quizzes/attempts/<id:attempt_id>/answers/",
        api.AttemptAnswersApi.as_view(),
        name="quizzes-api-attempt-answers",
    ),
    path(
        "quizzes/attempts/<id:attempt_id>/submit/",
        api.AttemptSubmitApi.as_view(),
        name="quizzes-api-attempt-submit",
    ),
]
