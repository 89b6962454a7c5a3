"""Who may do what with study progress; all decisions go through members.scoping."""

from members.scoping import (
    can_see_member,
    is_helper,
    is_organiser,
    organisation_paths_for,
)


def can_follow_members(user) -> bool:
    """Organisers (their subtrees) and helpers (their paired members) open the
    member list and its API, the reminder log and in-person study; anyone else
    is refused with a 403 there, before anything is looked up."""
    return is_organiser(user) or is_helper(user)


def can_record_in_person(user, member) -> bool:
    """An organiser whose subtree holds the member (home or host), or a paired
    helper; never the member themselves."""
    if user is None or not user.is_authenticated or member.user_id == user.pk:
        return False
    return can_see_member(user, member)


def can_revoke_in_person(user, member) -> bool:
    """Only organisers (home or host side) revoke: helpers record, they do not undo."""
    if user is None or not user.is_authenticated or member.user_id == user.pk:
        return False
    return any(
        member.home_path.startswith(path)
        or (member.host_path and member.host_path.startswith(path))
        for path in organisation_paths_for(user)
    )
