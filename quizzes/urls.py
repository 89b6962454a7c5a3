"""Site pages of the quizzes app."""

from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("quizzes/statistics/", views.statistics_index, name="statistics-index"),
    path("quizzes/<int:quiz_id>/start/", views.attempt_start, name="start"),
    path(
        "quizzes/<int:quiz_id>/statistics/",
        views.statistics_page,
        name="statistics",
    ),
    path("quizzes/attempts/<int:attempt_id>/", views.attempt_page, name="attempt"),
]
