"""Reads of the members app: one function per screen or report.

Anything that lists members starts from members.scoping.members_in_scope.
"""

import unicodedata

from django.db import connection
from django.db.models import Max, Q, QuerySet
from wagtail.models import ModelLogEntry

from members.models import (
    ContactRecord,
    Member,
    MobilityRecord,
    Organisation,
    Pairing,
    Registration,
)
from members.scoping import (
    full_phone_q,
    members_in_scope,
    organisation_paths_for,
    prefix_q,
    scope_page_ids,
)
from members.services import LOGIN_RESET_ACTION


def member_for_user(user) -> Member | None:
    if not user.is_authenticated:
        return None
    return (
        Member.objects.select_related("home_organisation", "host_organisation")
        .filter(user=user)
        .first()
    )


def member_registrations(member: Member) -> QuerySet[Registration]:
    return member.registrations.select_related("organisation")


def member_mobility_history(member: Member) -> QuerySet[MobilityRecord]:
    return member.mobility_records.select_related("organisation", "recorded_by__member")


def organisation_by_code(code: str) -> Organisation | None:
    """The organisation a poster's code names, however it was typed: in any case,
    and in full-width letters and digits (ＪＮＳＨ, ０１), which a Chinese keyboard
    types in its full-width mode."""
    code = unicodedata.normalize("NFKC", code or "").strip()
    if not code:
        return None
    return Organisation.objects.filter(code__iexact=code).first()


def organisation_search(query: str, *, limit: int = 20) -> list[Organisation]:
    """Organisations a member can register with, by exact code or part of the name.

    Open to every member: registering means finding an organisation outside your
    own subtree, and names and codes are printed on public posters anyway.
    """
    query = (query or "").strip()
    if not query:
        return []
    # Names are matched as typed (their full-width brackets are the stored ones).
    exact = [organisation] if (organisation := organisation_by_code(query)) else []
    by_name = Organisation.objects.filter(name__icontains=query).order_by("path")
    if exact:
        by_name = by_name.exclude(pk=exact[0].pk)
    return exact + list(by_name[: limit - len(exact)])


def members_for_organiser(
    user,
    *,
    organisation: Organisation | None = None,
    mobility_status: str = "",
    query: str = "",
) -> QuerySet[Member]:
    """The organiser's member list: scoped, optionally narrowed to one organisation's
    subtree (home or host there), a mobility status, or a name/phone search."""
    members = members_in_scope(user).select_related(
        "home_organisation", "host_organisation"
    )
    if organisation is not None:
        members = members.filter(
            Q(home_path__startswith=organisation.path)
            | Q(host_path__startswith=organisation.path)
        )
    if mobility_status:
        members = members.filter(mobility_status=mobility_status)
    if query:
        members = member_search(user, members, query)
    return members.order_by("name", "id")


def member_search(user, members: QuerySet[Member], query: str) -> QuerySet[Member]:
    """``members`` whose name contains ``query``, or whose phone contains it where
    ``user`` may see the full phone: matching digits of a masked phone would tell
    the searcher what the mask hides. The admin list and the API both search here.
    """
    return members.filter(
        Q(name__icontains=query) | (Q(phone__contains=query) & full_phone_q(user))
    )


def registrations_for_organiser(user) -> QuerySet[Registration]:
    """Requests to register with an organisation in the user's subtrees, and
    registrations of members whose home is there (so home sees it happen)."""
    paths = organisation_paths_for(user)
    return (
        Registration.objects.filter(
            prefix_q("organisation__path", paths) | prefix_q("member__home_path", paths)
        )
        .select_related("member", "organisation", "member__home_organisation")
        .order_by("-requested_at", "-id")
    )


def outflow_ledger(user, *, organisation: Organisation | None = None):
    """Members whose home is in scope and who have moved away, with the date they
    were recorded as moving out (latest)."""
    paths = [organisation.path] if organisation else organisation_paths_for(user)
    return (
        Member.objects.filter(prefix_q("home_path", paths))
        .exclude(mobility_status=Member.Mobility.LOCAL)
        .select_related("home_organisation", "host_organisation")
        .order_by("home_path", "name", "id")
    )


def inflow_ledger(user, *, organisation: Organisation | None = None):
    """Members hosted by an organisation in scope (registered there)."""
    paths = [organisation.path] if organisation else organisation_paths_for(user)
    return (
        Member.objects.filter(prefix_q("host_path", paths))
        .select_related("home_organisation", "host_organisation")
        .order_by("host_path", "name", "id")
    )


def _in_subtrees(user, prefix: str = "") -> Q:
    """Members (through ``prefix``) whose home or host lies in a subtree the user
    organises: the members an organiser manages. ``members_in_scope`` adds the
    members the user helps, wherever they are: theirs to help, not to manage."""
    paths = organisation_paths_for(user)
    return prefix_q(f"{prefix}home_path", paths) | prefix_q(f"{prefix}host_path", paths)


def members_organised_by(user) -> QuerySet[Member]:
    """``members_in_scope`` less the members only paired with the user."""
    return members_in_scope(user).filter(_in_subtrees(user))


def pairings_for_organiser(user) -> QuerySet[Pairing]:
    """Pairings of members in the user's subtrees (home or host there), and the
    user's own pairings. A helper who organises elsewhere does not manage the
    other pairings of a member they help, nor read those helpers' contacts."""
    return (
        Pairing.objects.filter(_in_subtrees(user, "member__") | Q(helper=user))
        # helper__member: the helper is shown by name (members.people).
        .select_related("helper__member", "member", "member__home_organisation")
        .order_by("member__name", "id")
    )


def contact_records_for(user) -> QuerySet[ContactRecord]:
    """Contacts of the pairings ``pairings_for_organiser`` lists."""
    return (
        ContactRecord.objects.filter(
            _in_subtrees(user, "pairing__member__") | Q(pairing__helper=user)
        )
        .select_related("pairing__helper__member", "pairing__member")
        .order_by("-at", "-id")
    )


def pairings_for_helper(user) -> QuerySet[Pairing]:
    """The helper's own pairings, each with ``last_contact_at``."""
    return (
        Pairing.objects.filter(helper=user)
        .select_related(
            "member", "member__home_organisation", "member__host_organisation"
        )
        .annotate(last_contact_at=Max("contacts__at"))
        .order_by("member__name", "id")
    )


# Above this many members in scope the (name, id) index finds a page sooner than
# collecting the whole scope; below it, scope_page_ids wins (bench/members).
NARROW_SCOPE = 50_000


def member_list_page(
    user, members: QuerySet[Member], *, offset: int, limit: int, total: int
) -> list[Member]:
    """One page of an unfiltered, name-ordered scoped member list.

    ``members`` is ``members_for_organiser(user)`` (no extra filters); ``total`` its
    count, which the paginator has already computed.
    """
    if connection.vendor != "postgresql" or total > NARROW_SCOPE:
        return list(members[offset : offset + limit])
    ids = scope_page_ids(user, offset=offset, limit=limit)
    rows = {m.pk: m for m in members.filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def login_reset_last(member: Member):
    """When and by whom ``member``'s login password was last set by an
    organiser (``services.member_password_set``'s log entry), or None."""
    return (
        ModelLogEntry.objects.for_instance(member)
        .filter(action=LOGIN_RESET_ACTION)
        .select_related("user")
        .order_by("-timestamp", "-id")
        .first()
    )
