"""The product's URLs plus /bench/trivial/: the same authentication, CSRF check and
JSON parsing as the progress API, and no work, for the side-by-side rate."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class TrivialApi(APIView):
    def post(self, request):
        return Response({"ok": True, "user": request.user.pk, "n": len(request.data)})


urlpatterns = [
    path("bench/trivial/", TrivialApi.as_view()),
    path("", include("config.urls")),
]
