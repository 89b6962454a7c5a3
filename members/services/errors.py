"""The one error the members services raise on purpose."""

from django.core.exceptions import ValidationError


class MemberStateError(ValidationError):
    """The change does not fit the current state (shown to the user as is)."""
