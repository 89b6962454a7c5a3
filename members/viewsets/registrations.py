"""The registration requests screen: filter by status; confirm or decline a
request to the organiser's subtree, end a confirmed registration."""

import django_filters
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.widgets import ListingButton

from members import admin_views, selectors
from members.models import Registration
from members.scoping import organisation_in_scope
from members.viewsets.scoped import NoGenericExportMixin, ScopedModelViewSet


class RegistrationFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Registration.Status.choices
    )

    class Meta:
        model = Registration
        fields = ["status"]


class RegistrationIndexView(NoGenericExportMixin, generic.IndexView):
    filterset_class = RegistrationFilterSet
    default_ordering = "-requested_at"

    def get_add_url(self):
        return None  # members ask to register on the site, not here

    def get_base_queryset(self):
        return selectors.registrations_for_organiser(self.request.user)

    def get_valid_orderings(self):
        return ["-requested_at", "requested_at"]

    def order_queryset(self, queryset):
        return queryset.order_by(self.ordering, "-id")

    def get_list_buttons(self, instance):
        user = self.request.user
        buttons = []
        if instance.status == Registration.Status.REQUESTED and organisation_in_scope(
            user, instance.organisation
        ):
            buttons.append(
                ListingButton(
                    _("Confirm or decline"),
                    url=reverse("members_registration:decide", args=[instance.pk]),
                    icon_name="check",
                )
            )
        if instance.status == Registration.Status.CONFIRMED:
            buttons.append(
                ListingButton(
                    _("End"),
                    url=reverse("members_registration:end", args=[instance.pk]),
                    icon_name="cross",
                )
            )
        return buttons


class RegistrationViewSet(ScopedModelViewSet):
    drop_urls = {"add", "edit"}  # replaced by our own scoped views
    model = Registration
    icon = "tick-inverse"
    menu_label = _("Registration requests")
    index_view_class = RegistrationIndexView
    form_fields = ["reason"]
    list_display = [
        "member",
        Column("member.home_organisation", label=_("Home organisation")),
        Column("organisation", label=_("Host organisation")),
        Column("status", label=_("Status"), accessor="get_status_display"),
        DateColumn("requested_at", label=_("Requested")),
        Column("message", label=_("Message from the member")),
        Column("reason", label=_("Reason")),
        Column("end_reason", label=_("Reason for ending")),
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "decide/<id:pk>/",
                admin_views.RegistrationDecideView.as_view(),
                name="decide",
            ),
            path("end/<id:pk>/", admin_views.RegistrationEndView.as_view(), name="end"),
        ]
