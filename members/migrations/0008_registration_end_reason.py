"""``Registration.end_reason``: the reason given when a registration ended.

Before it, ending a registration wrote its reason over the host's reason for
confirming (``Registration.reason``). Both were kept as the notes of the member's
mobility records, so this migration takes them back from there: the end's from the
"registration ended" record, the decision's from the "registered" record.
"""

from django.db import migrations, models


def _first_note(MobilityRecord, registration, kind, since):
    if since is None:
        return None
    record = (
        MobilityRecord.objects.filter(
            member_id=registration.member_id,
            organisation_id=registration.organisation_id,
            kind=kind,
            recorded_at__gte=since,
        )
        .order_by("recorded_at", "id")
        .first()
    )
    return None if record is None else record.note


def split_reasons(apps, schema_editor):
    Registration = apps.get_model("members", "Registration")
    MobilityRecord = apps.get_model("members", "MobilityRecord")
    ended = Registration.objects.filter(status="ended").exclude(reason="")
    for registration in ended.iterator():
        end_note = _first_note(
            MobilityRecord, registration, "registration_ended", registration.ended_at
        )
        if not end_note:
            # Ended without a reason (or by returning home): the reason is still
            # the decision's.
            continue
        decision_note = _first_note(
            MobilityRecord, registration, "registered", registration.decided_at
        )
        registration.end_reason = end_note
        if decision_note is not None:
            registration.reason = decision_note
        registration.save(update_fields=["reason", "end_reason"])


def join_reasons(apps, schema_editor):
    """Back to one field: the latest change's reason, as before."""
    Registration = apps.get_model("members", "Registration")
    for registration in Registration.objects.exclude(end_reason="").iterator():
        registration.reason = registration.end_reason
        registration.save(update_fields=["reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_registration_marked_outflow"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="end_reason",
            field=models.TextField(blank=True, verbose_name="reason for ending"),
        ),
        migrations.RunPython(split_reasons, join_reasons),
    ]
