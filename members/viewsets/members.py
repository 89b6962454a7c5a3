"""The members screen: the scoped list (filters, search, fast plain pages),
add, edit (home side only), inspect with registrations and history, and the
links to moving out / returning, roster import, export and ledgers."""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.db.models import Q
from django.forms.models import modelform_factory
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.widgets import ListingButton

from config.ids import IdChoiceField
from config.typed_text import refuse_untypable
from members import admin_views, roster_views, selectors, services
from members.held import (
    HELD_CHOICES,
    HELD_HERE,
    HELD_LABEL,
    held_at_q,
    refuse_held_without_organisation,
)
from members.models import Member, Organisation
from members.phones import validate_phone
from members.scoping import (
    can_manage_member,
    can_set_password,
    members_in_scope,
    organisations_in_scope,
    phone_for,
)
from members.viewsets.scoped import NoGenericExportMixin, ScopedModelViewSet


def _organisations(request):
    return (
        organisations_in_scope(request.user) if request else Organisation.objects.none()
    )


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


class OrganisationFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField  # an id past 64 bits is an invalid choice too


class MemberFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        refuse_held_without_organisation(self)
        return cleaned


class MemberFilterSet(WagtailFilterSet):
    organisation = OrganisationFilter(
        label=_("Organisation (home or host)"),
        queryset=_organisations,
        method="filter_organisation",
        error_messages={"invalid_choice": _("That organisation is not in your area.")},
    )
    # The organisation tree's "Home members" and "Hosted members" count those held
    # at the organisation itself; this lists them (the tree's "Members held here").
    held = django_filters.ChoiceFilter(
        label=HELD_LABEL,
        choices=HELD_CHOICES[1:],
        empty_label=HELD_CHOICES[0][1],
        method="filter_held",
    )
    mobility_status = django_filters.ChoiceFilter(
        label=_("Mobility status"), choices=Member.Mobility.choices
    )

    class Meta:
        model = Member
        fields = ["mobility_status"]
        form = MemberFilterForm

    def filter_organisation(self, queryset, name, value):
        if self.form.cleaned_data.get("held") == HELD_HERE:
            return queryset.filter(held_at_q(value))
        return queryset.filter(
            Q(home_path__startswith=value.path) | Q(host_path__startswith=value.path)
        )

    def filter_held(self, queryset, name, value):
        return queryset  # how far down: filter_organisation reads it


class MemberIndexView(NoGenericExportMixin, generic.IndexView):
    filterset_class = MemberFilterSet
    search_fields = ["name", "phone"]  # shows the search box; see search_queryset
    default_ordering = "name"

    def search_queryset(self, queryset):
        # Not Wagtail's icontains on every search field: phone digits match only
        # where the organiser sees the full phone (selectors.member_search).
        if not self.is_searching:
            return queryset
        return selectors.member_search(self.request.user, queryset, self.search_query)

    def get_base_queryset(self):
        return members_in_scope(self.request.user).select_related(
            "home_organisation", "host_organisation"
        )

    def filter_queryset(self, queryset):
        # Wagtail ignores a filter it cannot apply and lists everything: an
        # organisation outside the area (a stale or edited link) showed the whole
        # area as if it were that organisation's. Say so and list nobody.
        if self.filters and not self.filters.is_valid():
            for errors in self.filters.errors.values():
                for error in errors:
                    messages.error(self.request, error)
            return queryset.none()
        return super().filter_queryset(queryset)

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

    def get_list_buttons(self, instance):
        buttons = super().get_list_buttons(instance)
        if getattr(instance, "scope", "") == "paired":
            # Only helped, not organised: not the user's to pair with others.
            return buttons
        buttons.append(
            ListingButton(
                _("Pair a helper"),
                url=reverse("members_pairing:add") + f"?member={instance.pk}",
                icon_name="link",
                priority=60,
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
        for name in ("name", "whereabouts", "note"):
            if name in self.fields:
                self.fields[name].validators.append(refuse_untypable)

    def clean_phone(self):
        phone = validate_phone(self.cleaned_data["phone"])
        # A new member's login is named by the phone (services.member_create); a
        # phone that names another account already (a member whose phone has
        # changed since, say) cannot name this one. The Member.phone clash is the
        # model form's own unique check.
        if self.instance.pk is None and _login_taken(phone):
            raise forms.ValidationError(PHONE_TAKEN, code="duplicate")
        return phone


PHONE_TAKEN = _("Another member or account already uses this phone number.")


def _login_taken(phone: str) -> bool:
    return get_user_model().objects.filter(username=phone).exists()


class RefusalMixin:
    """Show a refusal that came after the form's checks (the service's, the
    database's) on a field, as Wagtail shows the form's own errors: the form again
    with its error banner."""

    def refuse(self, form, field, error):
        form.add_error(field, error)
        # What Wagtail's is_valid() sets for an invalid form; form_invalid reads it.
        self.produced_error_code = "validation_error"
        self.produced_error_message = self.get_error_message()
        return self.form_invalid(form)


class MemberCreateView(RefusalMixin, generic.CreateView):
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except IntegrityError:
            # Another organiser added this phone between the form's checks and the
            # insert: the unique constraints decided, and the form says so.
            phone = form.cleaned_data["phone"]
            if not (Member.objects.filter(phone=phone).exists() or _login_taken(phone)):
                raise
            return self.refuse(form, "phone", PHONE_TAKEN)

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


class MemberEditView(RefusalMixin, generic.EditView):
    def get_object(self, queryset=None):
        member = get_object_or_404(
            members_in_scope(self.request.user), pk=self.object_pk
        )
        if not can_manage_member(self.request.user, member):
            # Host-side organisers see hosted members; the home side edits them.
            raise Http404
        return member

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except services.MemberStateError as error:
            # The new home is the member's host organisation or lies below it
            # (services.member_update checks it against the stored host, under
            # the member's lock): shown on the field, like the form's own errors.
            if error.code != services.HOST_REFUSED:
                raise
            return self.refuse(form, "home_organisation", error)

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

    def get_host_organisation_display_value(self):
        # Wagtail would print "None" for a member not registered anywhere.
        return self.object.host_organisation or _("None")

    def get_edit_url(self):
        if can_manage_member(self.request.user, self.object):
            return super().get_edit_url()
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = self.object
        context["can_manage"] = can_manage_member(self.request.user, member)
        if context["can_manage"]:  # the Login section is the home side's
            context["login_reset"] = selectors.login_reset_last(member)
            context["can_set_password"] = can_set_password(self.request.user, member)
            if not context["can_set_password"]:
                context["password_refusal"] = admin_views.password_refusal(
                    self.request.user, member
                )
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
        return modelform_factory(Member, form=MemberAdminForm, fields=self.form_fields)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "moved-out/<id:pk>/",
                admin_views.MemberMovedOutView.as_view(),
                name="moved_out",
            ),
            path(
                "returned/<id:pk>/",
                admin_views.MemberReturnedView.as_view(),
                name="returned",
            ),
            path(
                "password/<id:pk>/",
                admin_views.MemberPasswordView.as_view(),
                name="password",
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
