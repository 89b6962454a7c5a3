"""Signing in with one's phone number, however it is typed.

The logins made for imported or organiser-added members are named by their phone
(docs/members.md). Members type it as their phone shows it: "138 1234 5678",
"138-1234-5678", "+86 138 1234 5678", which Django compared with the login name as
typed and refused ("Please enter a correct username and password"). Django's form
already folds full-width digits (NFKC).
"""

from django.contrib.auth.backends import ModelBackend

from members.phones import is_valid_phone, normalise_phone


class PhoneLoginBackend(ModelBackend):
    """Django's backend for the login named by the mobile number that the login
    name typed is written another way. Listed after Django's own, which tries the
    name as typed (and whose sessions stay valid)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not isinstance(username, str):
            return None
        phone = normalise_phone(username)
        if phone == username or not is_valid_phone(phone):
            return None
        return super().authenticate(
            request, username=phone, password=password, **kwargs
        )
