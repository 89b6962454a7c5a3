"""Writes of the members app: each service is one atomic change plus its record.

Services assume their input was validated by a form or serializer and that the
caller checked permissions through members.scoping. State conflicts that a form
cannot see in advance (a request already open, a registration no longer pending)
raise ``MemberStateError``, which views turn into a message or a 4xx.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import (
    ContactRecord,
    Member,
    MobilityRecord,
    Organisation,
    OrganiserRole,
    Pairing,
    Registration,
)
from members.scoping import forget_cached_scope
from members.signals import member_placement_changed, organisation_moved


class MemberStateError(ValidationError):
    """The change does not fit the current state (shown to the user as is)."""


# Organisations ---


def organisation_create(
    *, name: str, kind: str, code: str, parent: Organisation | None = None
) -> Organisation:
    # Codes are compared case-insensitively (typed from posters, spreadsheets).
    organisation = Organisation(name=name, kind=kind, code=code.strip().upper())
    if parent is None:
        return Organisation.add_root(instance=organisation)
    # treebeard's add_child works on the parent's stored numchild; re-read it.
    parent = Organisation.objects.get(pk=parent.pk)
    return parent.add_child(instance=organisation)


@transaction.atomic
def organisation_move(
    *, organisation: Organisation, new_parent: Organisation
) -> Organisation:
    """Move a subtree under ``new_parent``; members' copied paths follow in the
    same transaction (roles and registrations point to rows, so they follow anyway).
    """
    organisation = Organisation.objects.get(pk=organisation.pk)
    new_parent = Organisation.objects.get(pk=new_parent.pk)
    if new_parent.path.startswith(organisation.path):
        raise MemberStateError(
            _("An organisation cannot move under itself or its own subtree.")
        )
    old_path = organisation.path
    organisation.move(new_parent, pos="last-child")
    organisation.refresh_from_db()
    prefix = organisation.path
    Member.objects.filter(home_organisation__path__startswith=prefix).update(
        home_path=Subquery(
            Organisation.objects.filter(pk=OuterRef("home_organisation_id")).values(
                "path"
            )[:1]
        )
    )
    Member.objects.filter(host_organisation__path__startswith=prefix).update(
        host_path=Subquery(
            Organisation.objects.filter(pk=OuterRef("host_organisation_id")).values(
                "path"
            )[:1]
        )
    )
    organisation_moved.send(
        sender=Organisation,
        organisation=organisation,
        old_path=old_path,
        new_path=organisation.path,
    )
    return organisation


# Roles and pairing ---


@transaction.atomic
def organiser_role_grant(*, user, organisation: Organisation) -> OrganiserRole:
    """Make ``user`` an organiser of ``organisation``'s subtree and let them into
    the Wagtail admin (the "Organisers" group, migration 0002)."""
    from django.contrib.auth.models import Group

    role, _created = OrganiserRole.objects.get_or_create(
        user=user, organisation=organisation
    )
    user.groups.add(Group.objects.get(name="Organisers"))
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget_cached_scope(user)
    return role


@transaction.atomic
def organiser_role_revoke(*, role: OrganiserRole) -> None:
    user = role.user
    role.delete()
    if not OrganiserRole.objects.filter(user=user).exists():
        user.groups.remove(*user.groups.filter(name="Organisers"))
    forget_cached_scope(user)


def pairing_create(*, helper, member: Member, created_by=None) -> Pairing:
    pairing, _created = Pairing.objects.get_or_create(
        helper=helper, member=member, defaults={"created_by": created_by}
    )
    forget_cached_scope(helper)
    return pairing


def pairing_delete(*, pairing: Pairing) -> None:
    pairing.delete()
    forget_cached_scope(pairing.helper)


def contact_record_add(
    *,
    pairing: Pairing,
    kind: str,
    note: str = "",
    at: datetime.datetime | None = None,
    recorded_by=None,
) -> ContactRecord:
    return ContactRecord.objects.create(
        pairing=pairing,
        kind=kind,
        note=note,
        at=at or timezone.now(),
        recorded_by=recorded_by,
    )


# Members ---


def _record(
    member: Member,
    kind: str,
    *,
    organisation: Organisation | None = None,
    recorded_by=None,
    happened_on: datetime.date | None = None,
    note: str = "",
) -> MobilityRecord:
    return MobilityRecord.objects.create(
        member=member,
        kind=kind,
        organisation=organisation,
        recorded_by=recorded_by,
        happened_on=happened_on or timezone.localdate(),
        note=note,
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
    when no user is given: an organiser sets one later)."""
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
        _record(
            member,
            record_kind,
            organisation=host_organisation or home_organisation,
            recorded_by=recorded_by,
            note=note,
        )
    _placed(member, NOT_PLACED)
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
    before = _placement(member)
    member.name = name
    member.phone = phone
    member.whereabouts = whereabouts
    member.note = note
    member.home_organisation = home_organisation
    member.home_path = home_organisation.path
    member.save()
    if before["old_home_path"] != member.home_path:
        _placed(member, before)
    return member


# Where a member was before a change, as members.signals.member_placement_changed
# reports it; a new member was nowhere.
NOT_PLACED = {"old_home_path": "", "old_host_path": "", "old_mobility_status": ""}


def _placement(member: Member) -> dict[str, str]:
    return {
        "old_home_path": member.home_path,
        "old_host_path": member.host_path,
        "old_mobility_status": member.mobility_status,
    }


def _placed(member: Member, before: dict[str, str]) -> None:
    member_placement_changed.send(sender=Member, member=member, **before)


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk)


@transaction.atomic
def member_record_moved_out(
    *,
    member: Member,
    whereabouts: str,
    recorded_by,
    happened_on: datetime.date | None = None,
    note: str = "",
) -> Member:
    member = _lock(member)
    if member.mobility_status != Member.Mobility.LOCAL:
        raise MemberStateError(_("This member is already recorded as moved away."))
    before = _placement(member)
    member.mobility_status = Member.Mobility.OUTFLOW
    member.whereabouts = whereabouts
    member.save(update_fields=["mobility_status", "whereabouts"])
    _record(
        member,
        MobilityRecord.Kind.MOVED_OUT,
        organisation=member.home_organisation,
        recorded_by=recorded_by,
        happened_on=happened_on,
        note=note or whereabouts,
    )
    _placed(member, before)
    return member


@transaction.atomic
def member_record_returned(
    *,
    member: Member,
    recorded_by,
    happened_on: datetime.date | None = None,
    note: str = "",
) -> Member:
    """The member is back home: any registration ends and they are local again."""
    member = _lock(member)
    if member.mobility_status == Member.Mobility.LOCAL:
        raise MemberStateError(_("This member is already recorded as local."))
    now = timezone.now()
    for registration in member.registrations.filter(
        status__in=Registration.OPEN_STATUSES
    ):
        registration.status = (
            Registration.Status.ENDED
            if registration.status == Registration.Status.CONFIRMED
            else Registration.Status.CANCELLED
        )
        registration.ended_at = now
        registration.save(update_fields=["status", "ended_at"])
    before = _placement(member)
    member.mobility_status = Member.Mobility.LOCAL
    member.host_organisation = None
    member.host_path = ""
    member.whereabouts = ""
    member.save(
        update_fields=[
            "mobility_status",
            "host_organisation",
            "host_path",
            "whereabouts",
        ]
    )
    _record(
        member,
        MobilityRecord.Kind.RETURNED,
        organisation=member.home_organisation,
        recorded_by=recorded_by,
        happened_on=happened_on,
        note=note,
    )
    _placed(member, before)
    return member


# Registration (报到) ---


@transaction.atomic
def registration_request(
    *, member: Member, organisation: Organisation, message: str = ""
) -> Registration:
    member = _lock(member)
    if organisation.pk == member.home_organisation_id:
        raise MemberStateError(
            _("This is your home organisation; there is no need to register here.")
        )
    if member.registrations.filter(status__in=Registration.OPEN_STATUSES).exists():
        raise MemberStateError(
            _(
                "You already have an open registration. Cancel it, or ask the "
                "organisation to end it, before registering elsewhere."
            )
        )
    registration = Registration.objects.create(
        member=member, organisation=organisation, message=message
    )
    if member.mobility_status == Member.Mobility.LOCAL:
        # Asking to register elsewhere means the member has moved away.
        before = _placement(member)
        member.mobility_status = Member.Mobility.OUTFLOW
        member.save(update_fields=["mobility_status"])
        _placed(member, before)
    _record(
        member,
        MobilityRecord.Kind.REGISTRATION_REQUESTED,
        organisation=organisation,
        recorded_by=member.user,
        note=message,
    )
    return registration


def _lock_registration(registration: Registration, *statuses) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in statuses:
        raise MemberStateError(
            _("This registration is no longer %(status)s.")
            % {"status": Registration.Status(statuses[0]).label.lower()}
        )
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration) -> Registration:
    registration = _lock_registration(registration, Registration.Status.REQUESTED)
    registration.status = Registration.Status.CANCELLED
    registration.ended_at = timezone.now()
    registration.save(update_fields=["status", "ended_at"])
    return registration


@transaction.atomic
def registration_confirm(
    *, registration: Registration, decided_by, reason: str = ""
) -> Registration:
    """The host organisation takes the member in: they appear in both
    organisations' views (flagged home/host) from now on."""
    registration = _lock_registration(registration, Registration.Status.REQUESTED)
    member = _lock(registration.member)
    registration.status = Registration.Status.CONFIRMED
    registration.decided_at = timezone.now()
    registration.decided_by = decided_by
    registration.reason = reason
    registration.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    before = _placement(member)
    member.host_organisation = registration.organisation
    member.host_path = registration.organisation.path
    member.mobility_status = Member.Mobility.INFLOW
    member.save(update_fields=["host_organisation", "host_path", "mobility_status"])
    _record(
        member,
        MobilityRecord.Kind.REGISTERED,
        organisation=registration.organisation,
        recorded_by=decided_by,
        note=reason,
    )
    _placed(member, before)
    return registration


@transaction.atomic
def registration_decline(
    *, registration: Registration, decided_by, reason: str
) -> Registration:
    registration = _lock_registration(registration, Registration.Status.REQUESTED)
    registration.status = Registration.Status.DECLINED
    registration.decided_at = timezone.now()
    registration.decided_by = decided_by
    registration.reason = reason
    registration.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _record(
        registration.member,
        MobilityRecord.Kind.REGISTRATION_DECLINED,
        organisation=registration.organisation,
        recorded_by=decided_by,
        note=reason,
    )
    return registration


@transaction.atomic
def registration_end(
    *,
    registration: Registration,
    ended_by,
    reason: str = "",
    happened_on: datetime.date | None = None,
) -> Registration:
    """The member leaves the host organisation (moved on again): still outflow
    from home, no longer hosted."""
    registration = _lock_registration(registration, Registration.Status.CONFIRMED)
    member = _lock(registration.member)
    registration.status = Registration.Status.ENDED
    registration.ended_at = timezone.now()
    registration.reason = reason or registration.reason
    registration.save(update_fields=["status", "ended_at", "reason"])
    before = _placement(member)
    member.host_organisation = None
    member.host_path = ""
    member.mobility_status = Member.Mobility.OUTFLOW
    member.save(update_fields=["host_organisation", "host_path", "mobility_status"])
    _record(
        member,
        MobilityRecord.Kind.REGISTRATION_ENDED,
        organisation=registration.organisation,
        recorded_by=ended_by,
        happened_on=happened_on,
        note=reason,
    )
    _placed(member, before)
    return registration
