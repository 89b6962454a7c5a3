"""Roll-up rows kept by the progress services, and the rebuild command."""

import pytest
from django.core.management import CommandError, call_command

from courses.models import CoursePage, InPersonStudy, LessonPage
from courses.reporting.models import ProgressRollup, WeeklyCompletion
from courses.reporting.rollups import rollups_rebuild
from courses.reporting.selectors import completion_report, study_unit
from courses.services import in_person_study_record, in_person_study_revoke
from members.services import member_record_moved_out
from tests.reports.conftest import complete


def _row(report, name):
    return next(row for row in report.rows if row.label == name)


def test_report_counts_each_member_once_where_they_are(studied, province_organiser):
    # given the fixture's study: li complete, zhang started (branch A1), qian
    # outflow complete (home A2), wu inflow complete (host A1, home B1), sun started
    unit = study_unit(course=studied.course)

    # when
    report = completion_report(
        user=province_organiser, organisation=studied.province, unit=unit
    )

    # then the province total counts every member once
    assert report.total.total_members == 6
    assert report.total.total_started == 5
    assert report.total.total_completed == 3
    assert report.total.total_hours == 6
    city_a = _row(report, "甲市")
    city_b = _row(report, "乙市")
    assert (city_a.total_members, city_a.total_completed) == (5, 3)
    # wu has moved from city B into city A: counted at the host only.
    assert (city_b.total_members, city_b.total_started, city_b.total_completed) == (
        1,
        1,
        0,
    )
    assert city_a.inflow_members == 1 and city_a.inflow_completed == 1
    assert city_a.outflow_members == 1 and city_a.outflow_completed == 1
    assert city_a.completion_rate == 60.0


def test_campaign_for_mobile_members_counts_only_outflow_and_inflow(
    studied, campaign, city_organiser
):
    # given a campaign for mobile members of city A only
    campaign.category = campaign.Category.MOBILE
    campaign.save()
    rollups_rebuild()

    # when
    report = completion_report(
        user=city_organiser,
        organisation=studied.city_a,
        unit=study_unit(campaign=campaign),
    )

    # then local members are not in it
    assert report.total.total_members == 2
    assert report.total.total_completed == 2
    assert report.total.members["local"] == 0


def test_services_keep_rollups_equal_to_a_rebuild(studied):
    drift = rollups_rebuild(check=True)

    assert not drift.found


def test_revoking_an_in_person_record_takes_the_completion_back(
    studied, county_organiser, province_organiser
):
    # given zhang completes lesson 2 in person and lesson 1 online
    record = in_person_study_record(
        recorded_by=county_organiser,
        member=studied.zhang,
        lesson=studied.lessons[1],
        studied_on=studied.zhang.created_at.date(),
    )
    complete(studied.zhang, studied.lessons[0])
    unit = study_unit(course=studied.course)
    report = completion_report(
        user=province_organiser, organisation=studied.county_a1, unit=unit
    )
    assert report.total.total_completed == 3  # li, wu (inflow) and zhang

    # when the record is revoked
    in_person_study_revoke(revoked_by=county_organiser, record=record, reason="错")

    # then
    report = completion_report(
        user=province_organiser, organisation=studied.county_a1, unit=unit
    )
    assert report.total.total_completed == 2
    assert InPersonStudy.objects.get().revoked_at is not None
    assert not rollups_rebuild(check=True).found


def test_rebuild_check_exits_non_zero_on_drift_and_rebuild_repairs_it(studied, capsys):
    # given a roll-up row that drifted
    row = ProgressRollup.objects.filter(course=studied.course).first()
    row.completed += 5
    row.save()

    # when / then
    with pytest.raises(CommandError):
        call_command("rollups_rebuild", "--check")
    assert "progress: 1 drifting rows" in capsys.readouterr().out
    call_command("rollups_rebuild")
    call_command("rollups_rebuild", "--check")
    assert "No drift." in capsys.readouterr().out


def test_members_moving_keep_the_rollups_without_a_rebuild(
    studied, county_organiser, province_organiser
):
    from members.models import Member
    from members.services import (
        member_record_moved_out,
        member_record_returned,
        organisation_move,
        registration_confirm,
        registration_request,
    )
    from tests.reports.conftest import member

    unit = study_unit(course=studied.course)

    def city_b():
        report = completion_report(
            user=province_organiser, organisation=studied.province, unit=unit
        )
        return _row(report, "乙市")

    # a new member is counted at once
    member("newcomer", studied.branch_b1)
    assert city_b().total_members == 2
    # li (course complete in county A1) moves out, then registers in city B
    li = member_record_moved_out(
        member=studied.li, whereabouts="乙市", recorded_by=county_organiser
    )
    assert not rollups_rebuild(check=True).found
    registration = registration_request(member=li, organisation=studied.branch_b1)
    registration_confirm(registration=registration, decided_by=province_organiser)
    assert (city_b().inflow_members, city_b().inflow_completed) == (1, 1)
    assert not rollups_rebuild(check=True).found
    # back home
    member_record_returned(
        member=Member.objects.get(pk=li.pk), recorded_by=county_organiser
    )
    assert city_b().inflow_members == 0
    # a branch moves to the other county of city A
    organisation_move(organisation=studied.branch_a1b, new_parent=studied.county_a2)

    assert not rollups_rebuild(check=True).found
    report = completion_report(
        user=province_organiser, organisation=studied.city_a, unit=unit
    )
    assert _row(report, "甲二县").total_members == 2  # qian, and zhao came along


def test_rebuild_command_recomputes_one_unit_on_request(studied, campaign, capsys):
    # given drift in the course and in the campaign
    for unit in ({"course": studied.course}, {"campaign": campaign}):
        row = ProgressRollup.objects.filter(**unit).first()
        row.completed += 5
        row.save()

    # when only the campaign is recomputed
    call_command("rollups_rebuild", "--campaign", str(campaign.pk))

    # then the course still drifts, the campaign does not
    drift = rollups_rebuild(check=True)
    assert {key[1] for key, _stored, _expected in drift.progress} == {studied.course.pk}
    # and recomputing the course (which also takes its campaigns) repairs it
    call_command("rollups_rebuild", "--course", str(studied.course.pk))
    assert "rows changed" in capsys.readouterr().out
    assert not rollups_rebuild(check=True).found


def test_an_unpublished_course_leaves_its_campaigns_figures_with_its_lessons(
    studied, campaign, django_capture_on_commit_callbacks
):
    # given the course is unpublished, its lessons with it (courses.publishing)
    with django_capture_on_commit_callbacks(execute=True):
        CoursePage.objects.get(pk=studied.course.pk).unpublish()
    assert not LessonPage.objects.get(pk=studied.lessons[1].pk).live
    assert not ProgressRollup.objects.filter(course=studied.course).exclude(
        started=0, completed=0, hours=0
    )

    # when zhang (started lesson 1) completes lesson 2, and li moves out
    complete(studied.zhang, studied.lessons[1])
    complete(studied.zhang, studied.lessons[0])
    member_record_moved_out(
        member=studied.li, whereabouts="外地", recorded_by=studied.li.user
    )

    # then the course, no unit while unpublished, has no figures; nor do its
    # lessons, no longer live, in the campaign holding it; nothing drifts from a
    # rebuild
    assert not ProgressRollup.objects.filter(course=studied.course).exclude(
        started=0, completed=0, hours=0
    )
    assert not WeeklyCompletion.objects.filter(course=studied.course, completed__gt=0)
    completed = dict(
        ProgressRollup.objects.filter(
            campaign=campaign, path=studied.province.path
        ).values_list("bucket", "completed")
    )
    assert completed == {"local": 0, "outflow": 0, "inflow": 0}
    assert not rollups_rebuild(check=True).found
