"""Organiser screens in the Wagtail admin, registered by members/wagtail_hooks.py.

Model permissions (the "Organisers" group, migration 0002) decide which screens an
organiser may open; members.scoping decides which rows they see on them. Every
view that takes a primary key looks it up in the scoped queryset, so a row outside
the organiser's subtree is a 404.

One module per screen: ``organisations.py`` (the tree), ``members.py``,
``registrations.py``, ``pairings.py`` (pairings and the contact log);
``scoped.py`` holds what keeps them all scoped, ``menu.py`` the "Members" menu.
"""

from members.viewsets.members import (
    MemberAdminForm,
    MemberCreateView,
    MemberEditView,
    MemberFilterSet,
    MemberIndexView,
    MemberInspectView,
    MemberViewSet,
    PhoneColumn,
    ScopeColumn,
)
from members.viewsets.menu import MembersViewSetGroup
from members.viewsets.organisations import (
    IndentedNameColumn,
    OrganisationIndexView,
    OrganisationInspectView,
    OrganisationViewSet,
)
from members.viewsets.pairings import (
    ContactRecordIndexView,
    ContactRecordViewSet,
    PairingIndexView,
    PairingViewSet,
)
from members.viewsets.registrations import (
    RegistrationFilterSet,
    RegistrationIndexView,
    RegistrationViewSet,
)
from members.viewsets.scoped import ScopedModelViewSet

__all__ = [
    "ContactRecordIndexView",
    "ContactRecordViewSet",
    "IndentedNameColumn",
    "MemberAdminForm",
    "MemberCreateView",
    "MemberEditView",
    "MemberFilterSet",
    "MemberIndexView",
    "MemberInspectView",
    "MemberViewSet",
    "MembersViewSetGroup",
    "OrganisationIndexView",
    "OrganisationInspectView",
    "OrganisationViewSet",
    "PairingIndexView",
    "PairingViewSet",
    "PhoneColumn",
    "RegistrationFilterSet",
    "RegistrationIndexView",
    "RegistrationViewSet",
    "ScopeColumn",
    "ScopedModelViewSet",
]
