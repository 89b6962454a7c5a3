"""Who may do what with study progress; all decisions go through members.scoping."""

from members.scoping import can_see_member, organisation_paths_for


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
