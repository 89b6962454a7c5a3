"""The organisation tree screen: indented names, member counts, add and move."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.widgets import ListingButton

from members import admin_views
from members.held import HELD_HERE
from members.models import Member, Organisation
from members.scoping import can_move_organisation, organisations_in_scope
from members.tree_columns import tree_columns
from members.viewsets.scoped import (
    NoGenericExportMixin,
    OwnAddViewMixin,
    ScopedModelViewSet,
)


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


class OrganisationIndexView(NoGenericExportMixin, OwnAddViewMixin, generic.IndexView):
    default_ordering = "path"
    search_fields = ["name", "code"]

    def get_base_queryset(self):
        # Correlated subqueries, not JOIN + GROUP BY: PostgreSQL evaluates them for
        # the page's rows only, and the paginator's count() drops them.
        return organisations_in_scope(self.request.user).annotate(
            home_count=_member_count("home_organisation"),
            hosted_count=_member_count("host_organisation"),
            **{column.name: column.value for column in tree_columns()},
        )

    def get_valid_orderings(self):
        return ["path"]

    @cached_property
    def columns(self):
        columns = super().columns
        columns[0] = self._get_title_column("name", column_class=IndentedNameColumn)
        return columns + [
            Column(column.name, label=column.label) for column in tree_columns()
        ]

    def get_list_buttons(self, instance):
        members = reverse("members_member:index") + f"?organisation={instance.pk}"
        buttons = [
            ListingButton(_("Members"), url=members, icon_name="group"),
            ListingButton(
                _("Members held here"),
                url=f"{members}&held={HELD_HERE}",
                icon_name="user",
            ),
        ]
        if can_move_organisation(self.request.user, instance):
            buttons.append(
                ListingButton(
                    _("Move"),
                    url=reverse("members_organisation:move", args=[instance.pk]),
                    icon_name="arrow-right",
                )
            )
        return buttons


class OrganisationInspectView(generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(organisations_in_scope(self.request.user), pk=self.pk)

    def get_field_label(self, field_name, field):
        if field_name == "parent_chain":
            return _("Parent organisation")
        return super().get_field_label(field_name, field)

    def get_parent_chain_display_value(self):
        """Where it sits: its ancestors from the top, in one query ("-" at the top)."""
        ancestors = self.object.get_ancestors().values_list("name", flat=True)
        return " › ".join(ancestors) or "-"


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
    inspect_view_fields = ["name", "kind", "code", "parent_chain"]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "add/",
                admin_views.OrganisationCreateView.as_view(),
                name="add",
            ),
            path(
                "move/<id:pk>/",
                admin_views.OrganisationMoveView.as_view(),
                name="move",
            ),
        ]
