"""Site pages of the media_pipeline app."""

app_name = "media_pipeline"

urlpatterns: list = []
