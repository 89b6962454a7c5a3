"""Template context: what the signed-in user is, for navigation (never for access)."""

from django.utils.functional import SimpleLazyObject

from members import scoping


def roles(request):
    # No ``user`` yet when the request was refused before AuthenticationMiddleware
    # (a Host header not in ALLOWED_HOSTS: Django renders 400.html with it).
    user = getattr(request, "user", None)
    # Lazy: a page that never shows role-dependent navigation costs no query.
    return {
        "user_is_helper": SimpleLazyObject(lambda: scoping.is_helper(user)),
        "user_is_organiser": SimpleLazyObject(lambda: scoping.is_organiser(user)),
    }
