"""The pairings screen (pair, unpair) and the helpers' contact log."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.widgets import ListingButton

from members import admin_views, selectors
from members.models import ContactRecord, Pairing
from members.people import user_display_name
from members.viewsets.scoped import (
    NoGenericExportMixin,
    OwnAddViewMixin,
    ScopedModelViewSet,
)


class PairingIndexView(NoGenericExportMixin, OwnAddViewMixin, generic.IndexView):
    default_ordering = "member__name"

    def get_base_queryset(self):
        return selectors.pairings_for_organiser(self.request.user)

    def get_valid_orderings(self):
        return ["member__name"]

    def get_list_buttons(self, instance):
        return [
            ListingButton(
                _("Unpair"),
                url=reverse("members_pairing:unpair", args=[instance.pk]),
                icon_name="bin",
            )
        ]


class PairingViewSet(ScopedModelViewSet):
    drop_urls = {"add", "edit"}  # replaced by our own scoped views
    model = Pairing
    icon = "link"
    menu_label = _("Pairings")
    index_view_class = PairingIndexView
    form_fields = ["helper", "member"]
    # The member comes first: Wagtail draws the list buttons (Unpair) under the
    # first column only when it is a field name (its title column).
    list_display = [
        "member",
        Column(
            "helper",
            label=_("Helper"),
            accessor=lambda pairing: user_display_name(pairing.helper),
        ),
        Column("member.home_organisation", label=_("Home organisation")),
        DateColumn("created_at", label=_("Since")),
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("add/", admin_views.PairingCreateView.as_view(), name="add"),
            path(
                "unpair/<id:pk>/",
                admin_views.PairingDeleteView.as_view(),
                name="unpair",
            ),
        ]


class ContactRecordIndexView(NoGenericExportMixin, OwnAddViewMixin, generic.IndexView):
    default_ordering = "-at"

    def get_base_queryset(self):
        return selectors.contact_records_for(self.request.user)

    def get_valid_orderings(self):
        return ["-at"]


class ContactRecordViewSet(ScopedModelViewSet):
    drop_urls = {"add", "edit"}  # replaced by our own scoped views
    model = ContactRecord
    icon = "mail"
    menu_label = _("Contact log")
    index_view_class = ContactRecordIndexView
    form_fields = ["kind", "note"]
    list_display = [
        DateColumn("at", label=_("When")),
        Column(
            "pairing.helper",
            label=_("Helper"),
            accessor=lambda record: user_display_name(record.pairing.helper),
        ),
        Column("pairing.member", label=_("Member")),
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        Column("note", label=_("Note")),
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "add/",
                admin_views.ContactRecordCreateView.as_view(),
                name="add",
            ),
        ]
