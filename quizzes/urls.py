"""Site pages of the quizzes app."""

app_name = "quizzes"

urlpatterns: list = []
