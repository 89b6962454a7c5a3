"""Site pages of the quizzes app."""

from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("quizzes/statistics/", views.statistics_index, name="statistics-index"),
    path("quizzes/<id:quiz_id>/start/", views.attempt_start, name="start"),
    path(
        "quizzes/<id:quiz_id>/statistics/",
        views.statistics_page,
        name="statistics",
    ),
    path("quizzes/attempts/<id:attempt_id>/", views.attempt_page, name="attempt"),
]
