"""Site pages of the media_pipeline app: the signed media prefix."""

from django.urls import path

from media_pipeline import views

app_name = "media_pipeline"

urlpatterns = [
    path("m/<str:token>/<uuid:lecture_uuid>/<path:path>", views.serve, name="serve"),
]
