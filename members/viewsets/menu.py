"""The "Members" menu of the Wagtail admin: one group of every members screen."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSetGroup

from members.viewsets.members import MemberViewSet
from members.viewsets.organisations import OrganisationViewSet
from members.viewsets.pairings import ContactRecordViewSet, PairingViewSet
from members.viewsets.registrations import RegistrationViewSet


class MembersViewSetGroup(ModelViewSetGroup):
    menu_label = _("Members")
    menu_icon = "group"
    menu_order = 250
    items = (
        OrganisationViewSet("members_organisation", url_prefix="members/organisations"),
        MemberViewSet("members_member", url_prefix="members/members"),
        RegistrationViewSet("members_registration", url_prefix="members/registrations"),
        PairingViewSet("members_pairing", url_prefix="members/pairings"),
        ContactRecordViewSet("members_contactrecord", url_prefix="members/contacts"),
    )
