"""The members API under /api/v1/members/ (mounted by members/api_urls.py).

For members: their own profile and registrations (报到) (``me.py``), and
organisation search (``organisations.py``). For organisers and helpers: members
in their scope, paginated, and one member (``members.py``). For helpers: the
contact log of a paired member (``contacts.py``). Every endpoint filters through
members.scoping; an object outside the caller's scope is a 404. Errors share one
body (``errors.py``); the output shapes several endpoints share are in
``outputs.py``.
"""

from members.api.contacts import ContactRecordApi
from members.api.errors import (
    NO_PROFILE,
    NOT_AN_ORGANISER,
    NOT_IN_SCOPE,
    UNAUTHENTICATED,
    ErrorSerializer,
)
from members.api.me import MyProfileApi, MyRegistrationCancelApi, MyRegistrationsApi
from members.api.members import MemberDetailApi, MemberListApi, MemberPagination
from members.api.organisations import OrganisationSearchApi
from members.api.outputs import MemberOutput, OrganisationOutput, RegistrationOutput

__all__ = [
    "NOT_AN_ORGANISER",
    "NOT_IN_SCOPE",
    "NO_PROFILE",
    "UNAUTHENTICATED",
    "ContactRecordApi",
    "ErrorSerializer",
    "MemberDetailApi",
    "MemberListApi",
    "MemberOutput",
    "MemberPagination",
    "MyProfileApi",
    "MyRegistrationCancelApi",
    "MyRegistrationsApi",
    "OrganisationOutput",
    "OrganisationSearchApi",
    "RegistrationOutput",
]
