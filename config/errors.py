"""The site's own answers where Django's defaults would leave a member lost.

* ``csrf_failure``: a refused form (CSRF). Django's default renders
  ``403_csrf.html`` without the request, so the page had no site header, no
  language and no working forms. Rendering it with the request gives the usual
  layout and a fresh token, so the member can reload and send again.
* ``MethodNotAllowedMiddleware``: a 405 with an empty body (Django's
  ``require_POST`` and class-based views give one) becomes a page in the member's
  language. The usual way to meet one is a link or a sign-in that brings the member
  back to a URL only a form may send to. The API's 405s (DRF) already say why.
"""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


class MethodNotAllowedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or getattr(response, "streaming", False):
            return response
        if response.content:
            return response  # DRF and others already say why
        answer = render(request, "405.html", status=405)
        if response.has_header("Allow"):
            answer["Allow"] = response["Allow"]
        return answer
