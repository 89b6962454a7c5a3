"""Organiser roles: who may see and manage an organisation's subtree."""

from django.db import transaction

from members.models import Organisation, OrganiserRole
from members.scoping import ORGANISERS_GROUP, forget_cached_scope


@transaction.atomic
def organiser_role_grant(*, user, organisation: Organisation) -> OrganiserRole:
    """Make ``user`` an organiser of ``organisation``'s subtree and let them into
    the Wagtail admin (the "Organisers" group, migration 0002)."""
    from django.contrib.auth.models import Group

    role, _created = OrganiserRole.objects.get_or_create(
        user=user, organisation=organisation
    )
    user.groups.add(Group.objects.get(name=ORGANISERS_GROUP))
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
        user.groups.remove(*user.groups.filter(name=ORGANISERS_GROUP))
    forget_cached_scope(user)
