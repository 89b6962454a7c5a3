"""Keep the roll-ups in step with members.services (connected in CoursesConfig)."""

from courses.reporting.rollups import rollup_member_placed, rollup_organisation_moved


def on_member_placement_changed(
    sender, *, member, old_home_path, old_host_path, old_mobility_status, **kwargs
):
    rollup_member_placed(
        member=member,
        old_home_path=old_home_path,
        old_host_path=old_host_path,
        old_mobility_status=old_mobility_status,
    )


def on_organisation_moved(sender, *, organisation, old_path, new_path, **kwargs):
    rollup_organisation_moved(old_path=old_path, new_path=new_path)


def connect() -> None:
    from members.signals import member_placement_changed, organisation_moved

    member_placement_changed.connect(
        on_member_placement_changed, dispatch_uid="courses_rollup_member_placed"
    )
    organisation_moved.connect(
        on_organisation_moved, dispatch_uid="courses_rollup_organisation_moved"
    )
