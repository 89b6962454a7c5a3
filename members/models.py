"""The members app owns organisations and the people in them.

The organisation tree, members, mobility and registration, organiser and helper
roles, pairing and contact logs. Who may see what is decided in ``scoping.py``
alone; writes happen in ``services.py``; docs/members.md explains the design.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from members.people import user_display_name
from members.phones import mask_phone


class Organisation(MP_Node):
    """A node of the organisation tree (materialised path: a subtree is one
    ``path LIKE 'prefix%'`` filter, served by the ``*_like`` index Django adds on
    PostgreSQL for the unique ``path`` column)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County or district")
        TOWNSHIP = "township", _("Township or street")
        BRANCH = "branch", _("Branch")
        JOINT_BRANCH = "joint_branch", _("Joint branch")
        LIAISON_STATION = "liaison_station", _("Liaison station")
        LABOUR_STATION = "labour_station", _("Labour cooperation station")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Printed on the registration QR poster; unique."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["name"], name="members_org_name_idx")]

    def __str__(self):
        return self.name


def path_prefixes(path: str) -> list[str]:
    """The tree paths of the organisation at ``path`` and of all its ancestors,
    the root first (no query: each level is ``Organisation.steplen`` characters)."""
    step = Organisation.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


# The longest note a person may type (a move, a contact): forms and the API refuse
# more. The columns are TEXT; the limit keeps a page of notes readable on a phone.
NOTE_MAX_LENGTH = 2000


class Member(models.Model):
    class Mobility(models.TextChoices):
        # local: lives near the home organisation.
        LOCAL = "local", _("Local")
        # outflow: has moved away and is not (or no longer) registered elsewhere.
        OUTFLOW = "outflow", _("Outflow")
        # inflow: has registered with a host organisation, which now takes them in.
        INFLOW = "inflow", _("Inflow")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="member",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=11, unique=True)
    home_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="home_members",
        verbose_name=_("home organisation"),
    )
    host_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="hosted_members",
        null=True,
        blank=True,
        verbose_name=_("host organisation"),
    )
    mobility_status = models.CharField(
        _("mobility status"),
        max_length=16,
        choices=Mobility.choices,
        default=Mobility.LOCAL,
    )
    whereabouts = models.CharField(
        _("where they now work or live"), max_length=200, blank=True
    )
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    # Copies of the organisations' tree paths, kept by members.services (and
    # organisation_move) so "home in my subtree OR host in my subtree" is a BitmapOr
    # of two prefix index scans on this table instead of a join (bench/members).
    home_path = models.CharField(max_length=255, db_index=True, editable=False)
    host_path = models.CharField(
        max_length=255, db_index=True, blank=True, default="", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"], name="members_member_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(mobility_status="inflow", host_organisation__isnull=False)
                    | (~Q(mobility_status="inflow") & Q(host_organisation__isnull=True))
                ),
                name="members_member_host_iff_inflow",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class MobilityRecord(models.Model):
    """One step of a member's mobility history, written by the service that made it."""

    class Kind(models.TextChoices):
        MOVED_OUT = "moved_out", _("Moved out")
        REGISTRATION_REQUESTED = "registration_requested", _("Asked to register")
        REGISTERED = "registered", _("Registered")
        REGISTRATION_DECLINED = "registration_declined", _("Registration declined")
        REGISTRATION_CANCELLED = "registration_cancelled", _("Registration cancelled")
        REGISTRATION_ENDED = "registration_ended", _("Registration ended")
        RETURNED = "returned", _("Returned home")
        IMPORTED = "imported", _("Imported from a roster")

    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="mobility_records",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    happened_on = models.DateField(_("date"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("mobility record")
        verbose_name_plural = _("mobility records")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["member", "-recorded_at"])]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()}"


class Registration(models.Model):
    """A member's request to register (报到) with a host organisation."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        ENDED = "ended", _("Ended")

    OPEN_STATUSES = (Status.REQUESTED, Status.CONFIRMED)

    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("member"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("host organisation"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    message = models.TextField(_("message from the member"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    # The host's reason for confirming or declining; ``end_reason`` is the reason
    # given when a confirmed registration ended. Both also go into the member's
    # mobility history, as the notes of their records.
    reason = models.TextField(_("reason"), blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.TextField(_("reason for ending"), blank=True)
    # The request is what made the member outflow (they were local when they
    # asked): if it closes unconfirmed (cancelled, declined) they are local again.
    # A member already outflow stays so (docs/members.md, Registration flow).
    marked_outflow = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request or registration per member at a time.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="members_registration_one_open",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self):
        return f"{self.member} → {self.organisation}"


class OrganiserRole(models.Model):
    """Makes a user an organiser of one organisation and its whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organiser_roles",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="organiser_roles",
        verbose_name=_("organisation"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organiser role")
        verbose_name_plural = _("organiser roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="members_organiser_role_unique"
            )
        ]

    def __str__(self):
        return f"{user_display_name(self.user)} @ {self.organisation}"


class Pairing(models.Model):
    """A helper follows a member (1+1, or 1+N with several rows for one helper)."""

    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pairings",
        verbose_name=_("helper"),
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="pairings",
        verbose_name=_("member"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paired by"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["helper", "member"], name="members_pairing_unique"
            ),
        ]

    def __str__(self):
        return f"{user_display_name(self.helper)} + {self.member}"


class ContactRecord(models.Model):
    """One contact between a helper and a paired member."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        MESSAGE = "message", _("Message")
        IN_PERSON_STUDY = "in_person_study", _("In-person study")

    pairing = models.ForeignKey(
        Pairing,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("pairing"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.pairing} {self.get_kind_display()}"
