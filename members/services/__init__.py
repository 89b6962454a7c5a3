"""Writes of the members app: each service is one atomic change plus its record.

Services assume their input was validated by a form or serializer and that the
caller checked permissions through members.scoping. State conflicts that a form
cannot see in advance (a request already open, a registration no longer pending)
raise ``MemberStateError``, which views turn into a message or a 4xx.

Services that move a member send members.signals.member_placement_changed (and
``organisation_move`` sends organisation_moved) inside their transaction.

Import services from here (``from members import services``): the modules below
are how the code is laid out, not part of the interface.
"""

from members.services.errors import MemberStateError
from members.services.members import (
    LOGIN_RESET_ACTION,
    member_create,
    member_password_set,
    member_update,
    own_password_set,
)
from members.services.moves import (
    MOVE_BEFORE_LAST,
    member_record_moved_out,
    member_record_returned,
)
from members.services.organisations import (
    CODE_TAKEN,
    MAX_DEPTH,
    organisation_create,
    organisation_move,
)
from members.services.pairing import (
    contact_record_add,
    pairing_create,
    pairing_delete,
    validate_contact_time,
)
from members.services.placement import HOST_REFUSED, NOT_PLACED, host_refusal
from members.services.registration import (
    registration_cancel,
    registration_confirm,
    registration_decline,
    registration_end,
    registration_refusal,
    registration_request,
)
from members.services.roles import organiser_role_grant, organiser_role_revoke

__all__ = [
    "CODE_TAKEN",
    "HOST_REFUSED",
    "MAX_DEPTH",
    "NOT_PLACED",
    "LOGIN_RESET_ACTION",
    "MemberStateError",
    "contact_record_add",
    "host_refusal",
    "member_create",
    "member_password_set",
    "own_password_set",
    "MOVE_BEFORE_LAST",
    "member_record_moved_out",
    "member_record_returned",
    "member_update",
    "organisation_create",
    "organisation_move",
    "organiser_role_grant",
    "organiser_role_revoke",
    "pairing_create",
    "pairing_delete",
    "registration_cancel",
    "registration_confirm",
    "registration_decline",
    "registration_end",
    "registration_refusal",
    "registration_request",
    "validate_contact_time",
]
