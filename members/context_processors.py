"""Template context: what the signed-in user is, for navigation (never for access)."""

from django.utils.functional import SimpleLazyObject

from members import scoping


def roles(request):
    user = request.user
    # Lazy: a page that never shows role-dependent navigation costs no query.
    return {
        "user_is_helper": SimpleLazyObject(lambda: scoping.is_helper(user)),
        "user_is_organiser": SimpleLazyObject(lambda: scoping.is_organiser(user)),
    }
