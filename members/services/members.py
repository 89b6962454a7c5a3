"""Adding members, editing their details, setting their login's password."""

from django.contrib.auth import get_user_model
from django.db import transaction
from wagtail.log_actions import log

from members.models import Member, Organisation
from members.services.errors import MemberStateError
from members.services.placement import (
    HOST_REFUSED,
    NOT_PLACED,
    host_refusal,
    lock_member,
    mobility_record_add,
    placement_changed,
    placement_of,
)


@transaction.atomic
def member_create(
    *,
    name: str,
    phone: str,
    home_organisation: Organisation,
    host_organisation: Organisation | None = None,
    mobility_status: str = Member.Mobility.LOCAL,
    whereabouts: str = "",
    note: str = "",
    user=None,
    recorded_by=None,
    record_kind: str | None = None,
) -> Member:
    """Create a member (and a login named by the phone, without a usable password,
    when no user is given: an organiser sets one later). ``MemberStateError`` for a
    host that is, or contains, the home organisation (``host_refusal``)."""
    if host_organisation is not None:
        refusal = host_refusal(home=home_organisation, host=host_organisation)
        if refusal:
            raise MemberStateError(refusal, code=HOST_REFUSED)
    if user is None:
        user = get_user_model().objects.create_user(username=phone, first_name=name)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if host_organisation is not None:
        mobility_status = Member.Mobility.INFLOW
    elif mobility_status == Member.Mobility.INFLOW:
        mobility_status = Member.Mobility.OUTFLOW
    member = Member.objects.create(
        user=user,
        name=name,
        phone=phone,
        home_organisation=home_organisation,
        home_path=home_organisation.path,
        host_organisation=host_organisation,
        host_path=host_organisation.path if host_organisation else "",
        mobility_status=mobility_status,
        whereabouts=whereabouts,
        note=note,
    )
    if record_kind:
        mobility_record_add(
            member,
            record_kind,
            organisation=host_organisation or home_organisation,
            recorded_by=recorded_by,
            note=note,
        )
    placement_changed(member, NOT_PLACED)
    return member


@transaction.atomic
def member_update(
    *,
    member: Member,
    name: str,
    phone: str,
    whereabouts: str,
    note: str,
    home_organisation: Organisation,
) -> Member:
    """Edit a member's details and home organisation. ``MemberStateError`` when the
    new home is the member's host organisation or lies below it (``host_refusal``).

    The member is re-read under its lock, so the host checked is the one stored
    now (a registration confirmed meanwhile counts) and the save leaves the host
    and the mobility status as the registration services set them."""
    member = lock_member(member)
    if member.host_organisation_id is not None:
        refusal = host_refusal(home=home_organisation, host=member.host_organisation)
        if refusal:
            raise MemberStateError(refusal, code=HOST_REFUSED)
    before = placement_of(member)
    member.name = name
    member.phone = phone
    member.whereabouts = whereabouts
    member.note = note
    member.home_organisation = home_organisation
    member.home_path = home_organisation.path
    member.save(
        update_fields=[
            "name",
            "phone",
            "whereabouts",
            "note",
            "home_organisation",
            "home_path",
        ]
    )
    if before["old_home_path"] != member.home_path:
        placement_changed(member, before)
    return member


# The log action of ``member_password_set`` and ``own_password_set``
# (members/wagtail_hooks.py).
LOGIN_RESET_ACTION = "members.login_reset"


@transaction.atomic
def member_password_set(*, member: Member, password: str, set_by) -> None:
    """Give ``member``'s login a new password, logged against the member with
    who set it. The caller checked ``scoping.can_set_password`` and the
    password validators (the form). Sessions signed in with the old password
    end: Django checks a hash of the password on every request."""
    _password_set(member.user, password, member=member, set_by=set_by)


@transaction.atomic
def own_password_set(*, user, password: str) -> None:
    """A login changes its own password (the site's "Change password" page, after
    the form checked the old one and the validators). A member's change is logged
    like an organiser's, so the member's admin page names who set it last. Other
    sessions end; the caller keeps its own (``update_session_auth_hash`` with this
    same ``user``, which now holds the new hash)."""
    member = Member.objects.filter(user=user).first()
    _password_set(user, password, member=member, set_by=user)


def _password_set(login, password: str, *, member: Member | None, set_by) -> None:
    login.set_password(password)
    login.save(update_fields=["password"])
    if member is not None:
        log(instance=member, action=LOGIN_RESET_ACTION, user=set_by)
