"""Data migrations of the members app, run on rows shaped as before them."""

import importlib

from django.apps import apps

from members import services
from members.models import MobilityRecord, Registration

end_reason_migration = importlib.import_module(
    "members.migrations.0008_registration_end_reason"
)


def _ended_the_old_way(registration, *, ended_by, reason):
    """What ``registration_end`` did before ``end_reason``: the end's reason went
    over the decision's, and into the history."""
    services.registration_end(registration=registration, ended_by=ended_by)
    MobilityRecord.objects.filter(
        member=registration.member, kind="registration_ended"
    ).update(note=reason)
    Registration.objects.filter(pk=registration.pk).update(reason=reason)


def test_the_end_reason_migration_takes_both_reasons_back_from_the_history(
    tree, people
):
    # given a registration confirmed with a reason and ended with another, stored
    # as before the migration: one field holding the end's reason
    member = people.local_a2a
    registration = services.registration_request(member=member, organisation=tree.b1)
    services.registration_confirm(
        registration=registration, decided_by=people.other_county, reason="欢迎"
    )
    _ended_the_old_way(registration, ended_by=people.city, reason="又搬走了")
    # and one ended without a reason, which kept the decision's
    quiet = Registration.objects.get(member=people.hosted)
    Registration.objects.filter(pk=quiet.pk).update(reason="手续齐全")
    services.registration_end(registration=quiet, ended_by=people.county)

    # when the migration's data step runs
    end_reason_migration.split_reasons(apps, None)

    # then each reason is back in its own field
    registration.refresh_from_db()
    quiet.refresh_from_db()
    assert (registration.reason, registration.end_reason) == ("欢迎", "又搬走了")
    assert (quiet.reason, quiet.end_reason) == ("手续齐全", "")
