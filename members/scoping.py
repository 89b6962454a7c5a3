"""Scoping: the ONE place that turns a user into what they may see.

Every view, export, import and API endpoint of members (and of courses, quizzes
and reports) filters through these functions; nothing else reads OrganiserRole or
Pairing to decide visibility.

* An organiser role on an organisation covers its whole subtree, which is one
  ``path LIKE 'prefix%'`` filter (tree paths are materialised, treebeard MP_Node).
* A member is in an organiser's scope when their home organisation OR their host
  organisation is in one of the organiser's subtrees; rows say which (``scope``).
* A helper sees only the members paired with them.
* Superusers see everything.

The organisation paths are computed once per user object and cached on it (one
request = one user object), so calling these helpers repeatedly costs no queries.
"""

from collections.abc import Callable, Iterable

from django.db.models import Case, CharField, Q, QuerySet, Value, When

from members.models import Member, Organisation, OrganiserRole, Pairing

# The group that lets organisers into the Wagtail admin (migration 0002).
ORGANISERS_GROUP = "Organisers"

_PATHS_CACHE = "_members_organisation_paths"
_PAIRED_CACHE = "_members_paired_member_ids"


def prefix_q(field: str, paths: Iterable[str]) -> Q:
    """``field`` starts with any of ``paths``; matches nothing when there are none.

    Use it to scope rows keyed by organisation elsewhere, e.g.
    ``prefix_q("organisation__path", organisation_paths_for(user))``.
    """
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def _collapse(paths: Iterable[str]) -> list[str]:
    """Drop paths inside another listed path (a city role under a province role)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(parent) for parent in kept):
            kept.append(path)
    return kept


def organisation_paths_for(user) -> list[str]:
    """The tree paths of the subtrees ``user`` organises (all roots for superusers)."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, _PATHS_CACHE, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        paths = Organisation.get_root_nodes().values_list("path", flat=True)
    else:
        paths = OrganiserRole.objects.filter(user=user).values_list(
            "organisation__path", flat=True
        )
    result = _collapse(paths)
    setattr(user, _PATHS_CACHE, result)
    return result


def can_move_organisation(user, organisation: Organisation) -> bool:
    """Organisers move organisations inside their subtrees, never the root of
    one of their own roles: that would move it, and them, out of their reach."""
    return user.is_superuser or organisation.path not in organisation_paths_for(user)


def paired_member_ids(user) -> list[int]:
    """Members paired with ``user`` as helper: a handful (1+1 or 1+N)."""
    if user.is_superuser:
        return []
    cached = getattr(user, _PAIRED_CACHE, None)
    if cached is None:
        cached = list(
            Pairing.objects.filter(helper=user).values_list("member_id", flat=True)
        )
        setattr(user, _PAIRED_CACHE, cached)
    return cached


def forget_cached_scope(user) -> None:
    """Call after changing a user's roles or pairings within the same request
    (services do)."""
    for name in (_PATHS_CACHE, _PAIRED_CACHE):
        if hasattr(user, name):
            delattr(user, name)


def is_organiser(user) -> bool:
    return bool(organisation_paths_for(user))


def organises_within(person, organiser) -> bool:
    """Whether every subtree ``person`` organises (none, for most people) lies in
    ``organiser``'s own: pairing such a person as a helper changes nothing
    outside the organiser's area."""
    own = organisation_paths_for(organiser)
    return all(
        any(path.startswith(parent) for parent in own)
        for path in organisation_paths_for(person)
    )


def is_helper(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(paired_member_ids(user))


def organisations_in_scope(user) -> QuerySet[Organisation]:
    """Organisations in the user's subtrees, in tree order."""
    paths = organisation_paths_for(user)
    if not paths:
        return Organisation.objects.none()
    return Organisation.objects.filter(prefix_q("path", paths)).order_by("path")


def organisation_in_scope(user, organisation: Organisation) -> bool:
    return any(organisation.path.startswith(p) for p in organisation_paths_for(user))


def members_in_scope(user) -> QuerySet[Member]:
    """Members ``user`` may see, each annotated with ``scope``.

    ``scope`` is "both", "home" or "host" (which of the member's organisations is
    in the user's subtrees) or "paired" (seen only as the user's paired member).
    """
    if user is None or not user.is_authenticated:
        return Member.objects.none()
    paths = organisation_paths_for(user)
    in_home = prefix_q("home_path", paths)
    in_host = prefix_q("host_path", paths)
    condition = in_home | in_host if paths else Q(pk__in=[])
    if paired := paired_member_ids(user):
        # A literal id list, not a subquery: an OR with a subquery stops PostgreSQL
        # from combining the path indexes (BitmapOr), see bench/members.
        condition |= Q(pk__in=paired)
    queryset = Member.objects.filter(condition)
    if paths:
        scope = Case(
            When(in_home & in_host, then=Value("both")),
            When(in_home, then=Value("home")),
            When(in_host, then=Value("host")),
            default=Value("paired"),
            output_field=CharField(),
        )
    else:
        scope = Value("paired", output_field=CharField())
    return queryset.annotate(scope=scope)


def can_see_member(user, member: Member) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if member.user_id == user.pk:
        return True
    paths = organisation_paths_for(user)
    if any(
        member.home_path.startswith(p)
        or (member.host_path and member.host_path.startswith(p))
        for p in paths
    ):
        return True
    return member.pk in paired_member_ids(user)


def _full_phone_holders(user) -> tuple[int | None, tuple[str, ...]]:
    """Who sees a member's full phone, stated once: the member themself (this user
    id) and organisers of the member's home subtree (these paths). Everyone else,
    host-side organisers and helpers included, sees it masked.

    ``full_phone_rule`` applies it to loaded members, ``full_phone_q`` in the
    database; both are built from this and nothing else."""
    if user is None or not user.is_authenticated:
        return None, ()
    return user.pk, tuple(organisation_paths_for(user))


def can_see_full_phone(user, member: Member) -> bool:
    """Only the member and organisers of the member's home organisation (subtree)."""
    return full_phone_rule(user)(member)


def full_phone_rule(user) -> Callable[[Member], bool]:
    """``can_see_full_phone`` for one user and many members: the user's id and
    subtrees are looked up once (an export asks for every row)."""
    user_pk, paths = _full_phone_holders(user)
    if user_pk is None:
        return lambda member: False
    return lambda member: (
        member.user_id == user_pk or member.home_path.startswith(paths)
    )


def full_phone_q(user) -> Q:
    """``can_see_full_phone`` as a filter: members whose full phone ``user`` sees.

    Anything that matches on the phone (search) must be limited to these, or each
    query would tell whether guessed digits are in a masked phone."""
    user_pk, paths = _full_phone_holders(user)
    if user_pk is None:
        return Q(pk__in=[])
    return Q(user_id=user_pk) | prefix_q("home_path", paths)


def can_manage_member(user, member: Member) -> bool:
    """Change the profile, record moving out or returning: home-side organisers."""
    if user is None or not user.is_authenticated:
        return False
    return any(member.home_path.startswith(p) for p in organisation_paths_for(user))


def can_set_password(user, member: Member) -> bool:
    """Set ``member``'s login password: home-side organisers, and only for a
    login that sees no more than they do already.

    Whoever sets a password can sign in with it, so the login must not widen
    the organiser's reach: not the organiser's own, not a superuser's, in no
    admin group but the organisers' and with no permissions of its own (an
    editor's), organising only inside the organiser's subtrees and helping only
    members the organiser sees. Anyone else's password is a site
    administrator's to set (Wagtail's Users screen)."""
    if not can_manage_member(user, member):
        return False
    login = member.user
    if login.pk == user.pk or login.is_superuser:
        return False
    if (
        login.groups.exclude(name=ORGANISERS_GROUP).exists()
        or login.user_permissions.exists()
    ):
        return False
    own = tuple(organisation_paths_for(user))
    if not all(path.startswith(own) for path in organisation_paths_for(login)):
        return False
    helped = set(paired_member_ids(login))
    return not helped or (
        members_in_scope(user).filter(pk__in=helped).count() == len(helped)
    )


def phone_for(user, member: Member) -> str:
    """The phone as ``user`` may see it: in full or masked (138****5678)."""
    return phone_reader(user)(member)


def phone_reader(user) -> Callable[[Member], str]:
    """``phone_for`` for one user and many members."""
    full = full_phone_rule(user)
    return lambda member: member.phone if full(member) else member.masked_phone


def scope_page_ids(user, *, offset: int, limit: int) -> list[int]:
    """Ids of one page of ``members_in_scope(user)`` in (name, id) order.

    The same set as ``members_in_scope``, collected differently: a UNION of one
    prefix scan per path and column, each answered from the covering indexes of
    migration 0003 (PostgreSQL) without touching the table, then sorted. For a
    county-sized scope this is several times faster than the bitmap scan of
    ``members_in_scope``, which visits a heap page per member (bench/members).
    Use it only for scopes of moderate size: for a province the name index finds
    the first page sooner. ``selectors.member_list_page`` chooses.
    """
    if user is None or not user.is_authenticated:
        return []
    parts = [
        Member.objects.filter(**{f"{column}__startswith": path})
        .order_by()
        .values_list("name", "id")
        for path in organisation_paths_for(user)
        for column in ("home_path", "host_path")
    ]
    if paired := paired_member_ids(user):
        parts.append(
            Member.objects.filter(pk__in=paired).order_by().values_list("name", "id")
        )
    if not parts:
        return []
    union = parts[0].union(*parts[1:]).order_by("name", "id")
    return [pk for _name, pk in union[offset : offset + limit]]
