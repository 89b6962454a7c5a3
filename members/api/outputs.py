"""Output shapes shared by several members endpoints, and the dicts they describe.

The views build plain dicts (``organisation_data`` and friends) and the
serializers below document them in the schema.
"""

from rest_framework import serializers

from members.models import Member, Organisation, Registration
from members.scoping import phone_for


class OrganisationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    code = serializers.CharField()

    class Meta:
        ref_name = "MembersOrganisation"


def organisation_data(o: Organisation | None):
    if o is None:
        return None
    return {"id": o.pk, "name": o.name, "kind": o.kind, "code": o.code}


class MemberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text="In full, or masked as 138****5678.")
    home_organisation = OrganisationOutput()
    host_organisation = OrganisationOutput(allow_null=True)
    mobility_status = serializers.ChoiceField(choices=Member.Mobility.choices)
    whereabouts = serializers.CharField()
    scope = serializers.CharField(
        required=False, help_text="home, host, both, paired or self."
    )

    class Meta:
        ref_name = "MembersMember"


def member_data(user, m: Member, scope: str | None = None) -> dict:
    return {
        "id": m.pk,
        "name": m.name,
        "phone": phone_for(user, m),
        "home_organisation": organisation_data(m.home_organisation),
        "host_organisation": organisation_data(m.host_organisation),
        "mobility_status": m.mobility_status,
        "whereabouts": m.whereabouts,
        "scope": scope or getattr(m, "scope", "self"),
    }


class RegistrationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = OrganisationOutput()
    status = serializers.ChoiceField(choices=Registration.Status.choices)
    message = serializers.CharField()
    reason = serializers.CharField(
        help_text="The host organisation's reason for confirming or declining."
    )
    end_reason = serializers.CharField(
        help_text="The reason given when the confirmed registration ended."
    )
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "MembersRegistration"


def registration_data(r: Registration) -> dict:
    """Through ``RegistrationOutput``: times in the site's time zone, as every
    other endpoint writes them (a raw datetime came out in UTC)."""
    return RegistrationOutput(_registration_fields(r)).data


def _registration_fields(r: Registration) -> dict:
    return {
        "id": r.pk,
        "organisation": organisation_data(r.organisation),
        "status": r.status,
        "message": r.message,
        "reason": r.reason,
        "end_reason": r.end_reason,
        "requested_at": r.requested_at,
        "decided_at": r.decided_at,
        "ended_at": r.ended_at,
    }
