"""Organiser screens in the Wagtail admin.

Model permissions (the "Organisers" group, migration 0002) decide which screens an
organiser may open; members.scoping decides which rows they see on them. Every
view that takes a primary key looks it up in the scoped queryset, so a row outside
the organiser's subtree is a 404.
"""

import django_filters
from django import forms
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import ListingButton

from members import admin_views, roster_views, selectors, services
from members.models import ContactRecord, Member, Organisation, Pairing, Registration
from members.phones import validate_phone
from members.scoping import (
    can_manage_member,
    members_in_scope,
    organisation_in_scope,
    organisations_in_scope,
    phone_for,
)

# Views a viewset must not expose: their objects are looked up unscoped.
_UNSCOPED_URLS = {"history", "history_results", "usage", "copy", "delete", "reorder"}


def _scoped_urlpatterns(urlpatterns, *, drop=()):
    drop = _UNSCOPED_URLS | set(drop)
    return [p for p in urlpatterns if p.name not in drop]


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet without the views whose objects Wagtail looks up unscoped
    (history, usage, copy, delete, reorder), and without links to them."""

    copy_view_enabled = False

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(
            history_url_name=None, usage_url_name=None, delete_url_name=None
        )
        if "edit" in self.drop_urls:
            view_kwargs["edit_url_name"] = None
        return view_kwargs

    def get_urlpatterns(self):
        return _scoped_urlpatterns(super().get_urlpatterns(), drop=self.drop_urls)

    drop_urls: set = set()


def _organisations(request):
    return (
        organisations_in_scope(request.user) if request else Organisation.objects.none()
    )


# Organisations ---


def _member_count(field: str):
    counts = (
        Member.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


class IndentedNameColumn(TitleColumn):
    """The tree, drawn by indenting each name by its depth."""

    def get_value(self, instance):
        return format_html("{}{}", "\u3000" * max(instance.depth - 1, 0), instance.name)


class OrganisationIndexView(generic.IndexView):
    default_ordering = "path"
    search_fields = ["name", "code"]

    def get_add_url(self):
        # Our own add view checks the organiser's scope; model permission is moot.
        return reverse(self.add_url_name)

    def get_base_queryset(self):
        # Correlated subqueries, not JOIN + GROUP BY: PostgreSQL evaluates them for
        # the page's rows only, and the paginator's count() drops them.
        return organisations_in_scope(self.request.user).annotate(
            home_count=_member_count("home_organisation"),
            hosted_count=_member_count("host_organisation"),
        )

    def get_valid_orderings(self):
        return ["path"]

    @cached_property
    def columns(self):
        columns = super().columns
        columns[0] = self._get_title_column("name", column_class=IndentedNameColumn)
        return columns

    def get_list_buttons(self, instance):
        return [
            ListingButton(
                _("Members"),
                url=reverse("members_member:index") + f"?organisation={instance.pk}",
                icon_name="group",
            ),
            ListingButton(
                _("Move"),
                url=reverse("members_organisation:move", args=[instance.pk]),
                icon_name="arrow-right",
            ),
        ]


class OrganisationInspectView(generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(organisations_in_scope(self.request.user), pk=self.pk)


class OrganisationViewSet(ScopedModelViewSet):
    drop_urls = {"add", "edit"}  # replaced by our own scoped views
    model = Organisation
    icon = "folder-open-inverse"
    menu_label = _("Organisation tree")
    add_to_admin_menu = False
    inspect_view_enabled = True
    index_view_class = OrganisationIndexView
    inspect_view_class = OrganisationInspectView
    form_fields = ["name", "kind", "code"]
    list_display = [
        "name",
        "kind",
        "code",
        Column("home_count", label=_("Home members")),
        Column("hosted_count", label=_("Hosted members")),
    ]
    inspect_view_fields = ["name", "kind", "code", "depth"]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "add/",
                admin_views.OrganisationCreateView.as_view(),
                name="add",
            ),
            path(
                "move/<int:pk>/",
                admin_views.OrganisationMoveView.as_view(),
                name="move",
            ),
        ]


# Members ---


class PhoneColumn(Column):
    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["value"] = phone_for(parent_context["request"].user, instance)
        return context


class ScopeColumn(Column):
    labels = {
        "home": _("Home here"),
        "host": _("Hosted here"),
        "both": _("Home and hosted here"),
        "paired": _("Paired"),
    }

    def get_value(self, instance):
        return self.labels.get(getattr(instance, "scope", ""), "")


class MemberFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation (home or host, with its subtree)"),
        queryset=_organisations,
        method="filter_organisation",
    )
    mobility_status = django_filters.ChoiceFilter(
        label=_("Mobility status"), choices=Member.Mobility.choices
    )

    class Meta:
        model = Member
        fields = ["mobility_status"]

    def filter_organisation(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(home_path__startswith=value.path) | Q(host_path__startswith=value.path)
        )


class MemberIndexView(generic.IndexView):
    filterset_class = MemberFilterSet
    search_fields = ["name", "phone"]
    default_ordering = "name"

    def get_base_queryset(self):
        return members_in_scope(self.request.user).select_related(
            "home_organisation", "host_organisation"
        )

    def get_valid_orderings(self):
        return ["name", "-name"]

    def order_queryset(self, queryset):
        return queryset.order_by(self.ordering, "id")

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(
            queryset, page_size
        )
        narrowed = self.is_searching or self.is_filtering or self.ordering != "name"
        if not narrowed:
            # The plain scope list: fetch the page the fast way (bench/members).
            page.object_list = object_list = selectors.member_list_page(
                self.request.user,
                queryset,
                offset=page.start_index() - 1 if paginator.count else 0,
                limit=page_size,
                total=paginator.count,
            )
        return paginator, page, object_list, is_paginated

    def get_header_more_buttons(self):
        buttons = super().get_header_more_buttons()
        for label, name, query in [
            (_("Import a roster"), "import", ""),
            (_("Export members (CSV)"), "export", ""),
            (_("Export members (XLSX)"), "export", "?format=xlsx"),
            (_("Outflow ledger (CSV)"), "ledger_outflow", ""),
            (_("Outflow ledger (XLSX)"), "ledger_outflow", "?format=xlsx"),
            (_("Inflow ledger (CSV)"), "ledger_inflow", ""),
            (_("Inflow ledger (XLSX)"), "ledger_inflow", "?format=xlsx"),
        ]:
            buttons.append(
                ListingButton(
                    label,
                    url=reverse(f"members_member:{name}") + query,
                    icon_name="doc-full",
                )
            )
        return buttons

    def get_edit_url(self, instance):
        # Host-side organisers see hosted members; only the home side edits them.
        if can_manage_member(self.request.user, instance):
            return super().get_edit_url(instance)
        return None


class MemberAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Typed phones carry spaces and +86; clean_phone normalises them.
        self.fields["phone"] = forms.CharField(label=_("Phone"), max_length=20)
        if "home_organisation" in self.fields:
            self.fields["home_organisation"].queryset = organisations_in_scope(
                self.for_user
            )

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"])


class MemberCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.member_create(
            name=data["name"],
            phone=data["phone"],
            home_organisation=data["home_organisation"],
            whereabouts=data["whereabouts"],
            note=data["note"],
            recorded_by=self.request.user,
        )


class MemberEditView(generic.EditView):
    def get_object(self, queryset=None):
        member = get_object_or_404(
            members_in_scope(self.request.user), pk=self.object_pk
        )
        if not can_manage_member(self.request.user, member):
            # Host-side organisers see hosted members; the home side edits them.
            from django.http import Http404

            raise Http404
        return member

    def save_instance(self):
        data = self.form.cleaned_data
        return services.member_update(
            member=self.object,
            name=data["name"],
            phone=data["phone"],
            whereabouts=data["whereabouts"],
            note=data["note"],
            home_organisation=data["home_organisation"],
        )


class MemberInspectView(generic.InspectView):
    template_name = "members/admin/member_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            members_in_scope(self.request.user).select_related(
                "home_organisation", "host_organisation"
            ),
            pk=self.pk,
        )

    def get_phone_display_value(self):
        return phone_for(self.request.user, self.object)

    def get_edit_url(self):
        if can_manage_member(self.request.user, self.object):
            return super().get_edit_url()
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = self.object
        context["can_manage"] = can_manage_member(self.request.user, member)
        context["registrations"] = selectors.member_registrations(member)
        context["history"] = selectors.member_mobility_history(member)[:100]
        return context


class MemberViewSet(ScopedModelViewSet):
    model = Member
    icon = "user"
    menu_label = _("Members")
    inspect_view_enabled = True
    index_view_class = MemberIndexView
    add_view_class = MemberCreateView
    edit_view_class = MemberEditView
    inspect_view_class = MemberInspectView
    form_fields = ["name", "phone", "home_organisation", "whereabouts", "note"]
    list_display = [
        "name",
        PhoneColumn("phone", label=_("Phone")),
        Column("home_organisation", label=_("Home organisation")),
        Column("host_organisation", label=_("Host organisation")),
        Column(
            "mobility_status",
            label=_("Mobility status"),
            accessor="get_mobility_status_display",
        ),
        ScopeColumn("scope", label=_("In my view as")),
    ]
    inspect_view_fields = [
        "name",
        "phone",
        "home_organisation",
        "host_organisation",
        "mobility_status",
        "whereabouts",
        "note",
    ]

    def get_form_class(self, for_update=False):
        from django.forms.models import modelform_factory

        return modelform_factory(Member, form=MemberAdminForm, fields=self.form_fields)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "moved-out/<int:pk>/",
                admin_views.MemberMovedOutView.as_view(),
                name="moved_out",
            ),
            path(
                "returned/<int:pk>/",
                admin_views.MemberReturnedView.as_view(),
                name="returned",
            ),
            path("import/", roster_views.RosterImportView.as_view(), name="import"),
            path("export/", roster_views.roster_export, name="export"),
            path(
                "ledger/outflow/",
                roster_views.ledger_export,
                {"kind": "outflow"},
                name="ledger_outflow",
            ),
            path(
                "ledger/inflow/",
                roster_views.ledger_export,
                {"kind": "inflow"},
                name="ledger_inflow",
            ),
        ]


# Registrations ---


class RegistrationFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Registration.Status.choices
    )

    class Meta:
        model = Registration
        fields = ["status"]


class RegistrationIndexView(generic.IndexView):
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
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "decide/<int:pk>/",
                admin_views.RegistrationDecideView.as_view(),
                name="decide",
            ),
            path(
                "end/<int:pk>/", admin_views.RegistrationEndView.as_view(), name="end"
            ),
        ]


# Pairings and contact log ---


class PairingIndexView(generic.IndexView):
    default_ordering = "member__name"

    def get_add_url(self):
        # Our own add view checks the organiser's scope; model permission is moot.
        return reverse(self.add_url_name)

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
    list_display = [
        "helper",
        Column("member", label=_("Member")),
        Column("member.home_organisation", label=_("Home organisation")),
        DateColumn("created_at", label=_("Since")),
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("add/", admin_views.PairingCreateView.as_view(), name="add"),
            path(
                "unpair/<int:pk>/",
                admin_views.PairingDeleteView.as_view(),
                name="unpair",
            ),
        ]


class ContactRecordIndexView(generic.IndexView):
    default_ordering = "-at"

    def get_add_url(self):
        # Our own add view checks the organiser's scope; model permission is moot.
        return reverse(self.add_url_name)

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
        Column("pairing.helper", label=_("Helper")),
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
