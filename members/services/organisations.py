"""The organisation tree: adding organisations and moving subtrees."""

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from members.models import Member, Organisation
from members.services.errors import MemberStateError
from members.signals import organisation_moved

CODE_TAKEN = _("Another organisation already has this code.")
# treebeard spends ``steplen`` characters of the 255-character path per level (and
# members copy the path into home_path/host_path, as long): 63 levels at most.
MAX_DEPTH = Organisation._meta.get_field("path").max_length // Organisation.steplen
TOO_DEEP = _("The tree would be deeper than %(max)s levels.")


def _refuse_too_deep(depth: int) -> None:
    if depth > MAX_DEPTH:
        raise MemberStateError(TOO_DEEP % {"max": MAX_DEPTH}, code="too_deep")


def organisation_create(
    *, name: str, kind: str, code: str, parent: Organisation | None = None
) -> Organisation:
    """``MemberStateError`` if the code is taken (the unique constraint decides, so
    two organisers adding one code at once get one organisation)."""
    # Codes are compared case-insensitively (typed from posters, spreadsheets).
    organisation = Organisation(name=name, kind=kind, code=code.strip().upper())
    if parent is not None:
        _refuse_too_deep(parent.depth + 1)
    try:
        with transaction.atomic():
            if parent is None:
                return Organisation.add_root(instance=organisation)
            # treebeard's add_child works on the parent's stored numchild; re-read.
            parent = Organisation.objects.get(pk=parent.pk)
            return parent.add_child(instance=organisation)
    except IntegrityError:
        if not Organisation.objects.filter(code=organisation.code).exists():
            raise
        raise MemberStateError(CODE_TAKEN, code="duplicate") from None


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
    deepest = Organisation.objects.filter(path__startswith=organisation.path).aggregate(
        Max("depth")
    )["depth__max"]
    _refuse_too_deep(new_parent.depth + 1 + deepest - organisation.depth)
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
