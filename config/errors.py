"""The site's own page for a refused form (CSRF), in the member's language.

Django's default renders ``403_csrf.html`` without the request, so the page had no
site header, no language and no working forms. Rendering it with the request gives
the usual layout and a fresh token, so the member can reload and send again.
"""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
