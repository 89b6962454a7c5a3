"""The organisation tree: adding organisations and moving subtrees."""

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from members.models import Member, Organisation, path_prefixes
from members.services.errors import MemberStateError
from members.services.placement import HOST_REFUSED
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


def _refuse_homes_under_their_hosts(
    organisation: Organisation, new_parent: Organisation
) -> None:
    """The move would put members' home organisations inside the organisation
    that hosts them (``services.host_refusal``: a host never contains the home).
    Their host is then ``new_parent`` or one of its ancestors. Members whose host
    already contained their home (rows older than the rule) do not stop it."""
    hosted = Member.objects.filter(
        home_path__startswith=organisation.path,
        host_path__in=path_prefixes(new_parent.path),
    ).values_list("name", "home_path", "host_path", "host_organisation__name")
    caught = [row for row in hosted if not row[1].startswith(row[2])]
    if not caught:
        return
    names = sorted({name for name, *_ in caught})
    shown = gettext(", ").join(names[:5]) + ("…" if len(names) > 5 else "")
    raise MemberStateError(
        ngettext(
            "%(organisation)s cannot move there: %(count)s member whose home "
            "organisation is in it (%(members)s) is hosted by %(hosts)s, which "
            "would then contain their home organisation. End their registration "
            "there first, or move %(organisation)s elsewhere.",
            "%(organisation)s cannot move there: %(count)s members whose home "
            "organisations are in it (%(members)s) are hosted by %(hosts)s, which "
            "would then contain their home organisations. End their registrations "
            "there first, or move %(organisation)s elsewhere.",
            len(caught),
        )
        % {
            "organisation": organisation.name,
            "count": len(caught),
            "members": shown,
            "hosts": gettext(", ").join(sorted({row[3] for row in caught})),
        },
        code=HOST_REFUSED,
    )


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
    _refuse_homes_under_their_hosts(organisation, new_parent)
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
