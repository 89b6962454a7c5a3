"""How a user is shown to another user: the one place that decides it.

Logins that ``services.member_create`` makes for members added without one (the
admin form, roster import) are named by the member's phone, so printing a
username can reveal a phone that scoping masks. Every screen that shows a user
(who recorded a move, a pairing's helper, who logged a contact) goes through
``user_display_name`` (in templates: ``{% load members_tags %}`` and
``{{ user|user_display_name }}``), never ``str(user)`` or ``user.username``.
"""

from django.core.exceptions import ObjectDoesNotExist

from members.phones import is_valid_phone, mask_phone


def user_display_name(user) -> str:
    """The member's name, else the login's full name, else its username (masked
    when it is a phone number). Select ``<user>__member`` to keep lists flat."""
    if user is None:
        return ""
    try:
        member = user.member
    except ObjectDoesNotExist:
        member = None
    if member is not None and member.name:
        return member.name
    if full_name := user.get_full_name().strip():
        return full_name
    username = user.get_username()
    return mask_phone(username) if is_valid_phone(username) else username
