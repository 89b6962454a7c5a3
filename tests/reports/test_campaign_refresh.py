"""Fresh roll-ups: publishing, unpublishing, deleting or moving lessons and editing
campaigns recompute the affected units in a background task after the commit."""

from types import SimpleNamespace

from courses.models import LessonPage
from courses.reporting.models import CampaignCourse, ProgressRollup
from courses.reporting.rollups import rollup_units_rebuild, rollups_rebuild
from courses.reporting.rollups.common import Unit
from courses.reporting.rollups.units import unit_apply, unit_plan
from courses.reporting.selectors import completion_report, study_unit
from tests.factories import make_course, make_lesson
from tests.reports.conftest import complete


def _course_total(studied, user):
    report = completion_report(
        user=user,
        organisation=studied.province,
        unit=study_unit(course=studied.course),
    )
    return report.total.total_started, report.total.total_completed


def _draft_lesson(course, slug):
    lesson = LessonPage(title="第三课", slug=slug, body=[("text", "<p>读</p>")])
    lesson.live = False
    course.add_child(instance=lesson)
    return lesson


def test_publishing_a_lesson_refreshes_the_course_and_unpublishing_restores_it(
    studied, province_organiser, django_capture_on_commit_callbacks
):
    # given three members have completed the course's two lessons
    assert _course_total(studied, province_organiser) == (5, 3)
    lesson = _draft_lesson(studied.course, "l3")
    assert _course_total(studied, province_organiser) == (5, 3)  # a draft: nothing

    # when a third lesson is published
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()

    # then nobody has completed the course any more, without a rebuild
    assert _course_total(studied, province_organiser) == (5, 0)
    assert not rollups_rebuild(check=True).found

    # when it is unpublished again
    with django_capture_on_commit_callbacks(execute=True):
        LessonPage.objects.get(pk=lesson.pk).unpublish()

    # then the figures are back
    assert _course_total(studied, province_organiser) == (5, 3)
    assert not rollups_rebuild(check=True).found


def test_completing_the_new_lesson_after_publication_counts_again(
    studied, province_organiser, django_capture_on_commit_callbacks
):
    lesson = _draft_lesson(studied.course, "l3")
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()

    complete(studied.li, LessonPage.objects.get(pk=lesson.pk))

    assert _course_total(studied, province_organiser) == (5, 1)
    assert not rollups_rebuild(check=True).found


def test_deleting_or_moving_a_lesson_refreshes_both_courses(
    studied, province_organiser, django_capture_on_commit_callbacks
):
    # given a second course with one lesson nobody studied
    other = make_course(studied.course.get_parent().specific, title="党章", slug="c2")
    make_lesson(other, title="党章一", slug="o1")
    with django_capture_on_commit_callbacks(execute=True):
        rollups_rebuild()
    extra = _draft_lesson(studied.course, "l3")
    with django_capture_on_commit_callbacks(execute=True):
        extra.save_revision().publish()
    assert _course_total(studied, province_organiser) == (5, 0)

    # when the new lesson moves to the other course
    with django_capture_on_commit_callbacks(execute=True):
        LessonPage.objects.get(pk=extra.pk).move(other, pos="last-child")

    # then the first course is complete again for its three members
    assert _course_total(studied, province_organiser) == (5, 3)
    assert not rollups_rebuild(check=True).found

    # when a third lesson nobody studied is published in the first course
    unstudied = _draft_lesson(studied.course, "l4")
    with django_capture_on_commit_callbacks(execute=True):
        unstudied.save_revision().publish()
    assert _course_total(studied, province_organiser) == (5, 0)

    # and deleted again (a lesson members studied cannot be: courses.deletion)
    with django_capture_on_commit_callbacks(execute=True):
        LessonPage.objects.get(pk=unstudied.pk).delete()

    # then the course is complete again for its three members, nothing drifts
    assert _course_total(studied, province_organiser) == (5, 3)
    assert not rollups_rebuild(check=True).found


def test_changing_a_campaigns_targets_moves_its_rows(
    studied, campaign, django_capture_on_commit_callbacks
):
    # given the campaign targets city A
    city_a, city_b = studied.city_a.path, studied.city_b.path
    rows = ProgressRollup.objects.filter(campaign=campaign)
    assert rows.get(path=city_a, bucket="local").members == 3
    assert not rows.filter(path=city_b).exists()

    # when it targets city B instead (as the snippet editor saves it)
    with django_capture_on_commit_callbacks(execute=True):
        campaign.organisations.set([studied.city_b])
        campaign.save()

    # then its rows moved: sun (started) in city B; nothing left in city A
    local_b = rows.get(path=city_b, bucket="local")
    assert (local_b.members, local_b.started, local_b.completed) == (1, 1, 0)
    assert not any(
        row.members or row.started or row.completed for row in rows.filter(path=city_a)
    )
    assert not rollups_rebuild(check=True).found


def test_changing_a_campaigns_category_or_courses_keeps_it_exact(
    studied, campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign.category = campaign.Category.MOBILE
        campaign.save()
    assert not rollups_rebuild(check=True).found
    assert not ProgressRollup.objects.filter(
        campaign=campaign, bucket="local", members__gt=0
    ).exists()

    # a second course joins the campaign: nobody has completed it yet
    other = make_course(studied.course.get_parent().specific, title="党章", slug="c2")
    make_lesson(other, title="党章一", slug="o1")
    with django_capture_on_commit_callbacks(execute=True):
        CampaignCourse.objects.create(campaign=campaign, course=other)
    province_row = ProgressRollup.objects.get(
        campaign=campaign, path=studied.province.path, bucket="outflow"
    )
    assert (province_row.members, province_row.completed) == (1, 0)
    assert not rollups_rebuild(check=True).found

    # and leaves it again
    with django_capture_on_commit_callbacks(execute=True):
        CampaignCourse.objects.filter(course=other).delete()
    province_row.refresh_from_db()
    assert province_row.completed == 1
    assert not rollups_rebuild(check=True).found


def test_a_refresh_recomputes_only_the_units_it_was_given(studied, campaign):
    # given a drifted row of the campaign
    row = ProgressRollup.objects.get(
        campaign=campaign, path=studied.province.path, bucket="local"
    )
    row.completed += 7
    row.save()

    # and a drifted row of its course
    course_row = ProgressRollup.objects.get(
        course=studied.course, path=studied.province.path, bucket="local"
    )
    course_row.started += 4
    course_row.save()

    # when only the campaign is refreshed
    refreshed = rollup_units_rebuild(campaign_ids=[campaign.pk])

    # then
    assert refreshed.courses == [] and refreshed.campaigns == [campaign.pk]
    row.refresh_from_db()
    course_row.refresh_from_db()
    assert row.completed == 1
    assert course_row.started == 3 + 4  # li, zhang, sun + the drift
    drift = rollups_rebuild(check=True)
    assert [key[1] for key, _stored, _expected in drift.progress] == [studied.course.pk]


def test_a_branch_moving_out_of_a_campaigns_targets_leaves_it(
    studied, campaign, django_capture_on_commit_callbacks
):
    from members.services import organisation_move

    # given zhao's branch is in city A, the campaign's target
    rows = ProgressRollup.objects.filter(campaign=campaign, bucket="local")
    assert rows.get(path=studied.city_a.path).members == 3

    # when the branch moves to city B's county
    with django_capture_on_commit_callbacks(execute=True):
        organisation_move(organisation=studied.branch_a1b, new_parent=studied.county_b1)

    # then the campaign no longer counts zhao, and nothing drifts
    assert rows.get(path=studied.city_a.path).members == 2
    assert not rows.filter(path__startswith=studied.city_b.path, members__gt=0).exists()
    assert not rollups_rebuild(check=True).found


def test_a_progress_write_made_while_a_refresh_computes_is_kept(
    studied, campaign, province_organiser, django_capture_on_commit_callbacks
):
    # given a third lesson is published and its refresh has not run yet
    lesson = _draft_lesson(studied.course, "l3")
    with django_capture_on_commit_callbacks(execute=False):
        lesson.save_revision().publish()
    assert _course_total(studied, province_organiser) == (5, 3)  # stale

    # when the refresh computes its differences (li, qian, wu no longer complete)
    plans = [
        unit_plan(Unit(studied.course.pk, None, [])),
        unit_plan(Unit(None, campaign.pk, [])),
    ]
    assert all(plan.rows for plan in plans)
    # and li completes the new lesson before the refresh writes
    complete(studied.li, LessonPage.objects.get(pk=lesson.pk))
    for plan in plans:
        unit_apply(plan)

    # then li's completion is kept: the refresh added its differences to the rows
    assert _course_total(studied, province_organiser) == (5, 1)
    assert not rollups_rebuild(check=True).found


def test_a_refresh_with_nothing_to_change_writes_nothing(studied, campaign):
    refreshed = rollup_units_rebuild(course_ids=[studied.course.pk])

    assert refreshed.campaigns == [campaign.pk]
    assert refreshed.rows_changed == 0


def test_republishing_an_edit_of_a_live_lesson_enqueues_no_refresh(
    studied, monkeypatch, django_capture_on_commit_callbacks
):
    from courses.reporting import tasks

    enqueued = []
    monkeypatch.setattr(
        tasks,
        "rollups_refresh",
        SimpleNamespace(enqueue=lambda **ids: enqueued.append(ids)),
    )
    lesson = LessonPage.objects.get(pk=studied.lessons[0].pk)

    # when an edit of the live lesson is published
    with django_capture_on_commit_callbacks(execute=True):
        lesson.title = "第一课（修订）"
        lesson.save_revision().publish()

    # then no unit's lesson set changed: nothing is enqueued
    assert enqueued == []

    # while unpublishing it (the lesson set changes) still is
    with django_capture_on_commit_callbacks(execute=True):
        LessonPage.objects.get(pk=lesson.pk).unpublish()
    # (ids of earlier rolled-back test transactions may ride along: see tasks.py)
    assert len(enqueued) == 1 and studied.course.pk in enqueued[0]["course_ids"]
