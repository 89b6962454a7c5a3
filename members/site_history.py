"""Wagtail's site history (Reports → Site history), scoped like every members screen.

Wagtail lists a model's log entries to anyone holding any permission on the model,
and the "Organisers" group holds ``members.view_member`` and friends to open the
members screens: every organiser could read, and download, the log of every member
in the tree (names, who set whose password, members changing their own). The menu
hides the report from organisers; its URL did not. This view is Wagtail's own,
mounted at the same address before the admin's URLs (``members/admin_urls.py``,
included from ``config/urls.py``), with the log entries of the members app's models
narrowed to members in the user's scope. The filters' choices (users, types,
actions) come from the same narrowed entries, and its CSV download quotes text a
spreadsheet would run as a formula (``spreadsheets.csv_cell``), as every Satchel
export does.
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from wagtail.admin.filters import ContentTypeFilter
from wagtail.admin.views.reports import audit_logging
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import ModelLogEntry

from members.models import Member
from members.scoping import members_in_scope
from spreadsheets import csv_cell


def _out_of_scope(user) -> Q:
    """Log entries of the members app that ``user`` may not read: any but those
    of members in their scope."""
    members_app = ContentType.objects.filter(app_label=Member._meta.app_label)
    in_scope = (
        members_in_scope(user)
        .annotate(object_key=Cast("pk", output_field=CharField()))
        .values("object_key")
    )
    return Q(content_type__in=members_app) & ~Q(
        content_type=ContentType.objects.get_for_model(Member),
        object_id__in=in_scope,
    )


def scoped(queryset, user):
    """``queryset`` of one log model without the entries ``user`` may not read."""
    if user.is_superuser or not issubclass(queryset.model, ModelLogEntry):
        return queryset
    return queryset.exclude(_out_of_scope(user))


def _viewable(user):
    for log_model in log_action_registry.get_log_entry_models():
        yield scoped(log_model.objects.viewable_by_user(user), user)


def _content_types(request):
    ids = set()
    for entries in _viewable(request.user):
        ids.update(entries.get_content_type_ids())
    return ContentType.objects.filter(pk__in=ids).order_by("model")


class ScopedSiteHistoryFilterSet(audit_logging.SiteHistoryReportFilterSet):
    # Wagtail's filter, choosing among the types of the entries shown.
    object_type = ContentTypeFilter(
        label=audit_logging.SiteHistoryReportFilterSet.base_filters[
            "object_type"
        ].label,
        method="filter_object_type",
        queryset=_content_types,
    )

    def get_action_choices(self):
        actions = set()
        for entries in _viewable(self.request.user):
            actions.update(entries.get_actions())
        return [
            action
            for action in log_action_registry.get_choices()
            if action[0] in actions
        ]

    def get_user_choices(self):
        ids = set()
        for entries in _viewable(self.request.user):
            ids.update(entries.get_user_ids())
        User = get_user_model()
        return User.objects.filter(pk__in=ids).order_by(User.USERNAME_FIELD)


class ScopedLogEntriesView(audit_logging.LogEntriesView):
    filterset_class = ScopedSiteHistoryFilterSet

    def write_csv_row(self, writer, row_dict):
        # Wagtail writes text as it is; a member's name such as =HYPERLINK(...)
        # would run when the file is opened. Quoted as in every Satchel export.
        return writer.writerow(
            {
                field: csv_cell(
                    self.preprocess_field_value(field, value, self.FORMAT_CSV)
                )
                for field, value in row_dict.items()
            }
        )

    def filter_queryset(self, queryset):
        # Called once per log model with that model's entries (Wagtail's
        # get_filtered_queryset), before they are joined.
        return super().filter_queryset(scoped(queryset, self.request.user))
