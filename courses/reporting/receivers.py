"""Keep the roll-ups in step with changes made elsewhere (connected in CoursesConfig).

* members.services' signals: members and organisations moving, applied in the
  same transaction (``rollup_member_placed`` / ``rollup_organisation_moved``).
* Wagtail's page signals and campaign edits: what a unit means changed, so the
  affected courses and campaigns are recomputed by a background task after the
  commit (``rollups_refresh_on_commit``). Publishing an edit of a page that was
  already live (or unpublishing one that was not) changes no unit's lesson set
  and refreshes nothing. Receivers only say which units; the counting is in
  courses.reporting.rollups.
"""

import threading

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from wagtail.models import Page

from courses.models import CoursePage, LessonPage
from courses.reporting.models import Campaign, CampaignCourse
from courses.reporting.rollups import (
    prefixes,
    rollup_member_placed,
    rollup_organisation_moved,
)
from courses.reporting.tasks import rollups_refresh_on_commit


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
    # A campaign targeting an old ancestor but not a new one (or the reverse) gains
    # or loses the whole subtree: recompute it. Targets inside the subtree moved
    # with it and still count the same members.
    changed = set(prefixes(old_path)[:-1]) ^ set(prefixes(new_path)[:-1])
    if changed:
        rollups_refresh_on_commit(
            campaign_ids=Campaign.objects.filter(organisations__path__in=changed)
            .values_list("pk", flat=True)
            .distinct()
        )


def _course_of(lesson) -> list[int]:
    # A lesson's parent is always a course (LessonPage.parent_page_types).
    parent = lesson.path[: -LessonPage.steplen]
    return list(Page.objects.filter(path=parent).values_list("pk", flat=True))


# Wagtail sends page signals with the specific class as the sender; the
# instance may be a plain Page (post_page_move).


# Whether a lesson or course was live before the save that publishes or
# unpublishes it, per page id (this thread), recorded by ``on_page_pre_save``:
# publishing an edit of a page that was already live (or unpublishing a draft)
# leaves every unit's lesson set as it was, so nothing is refreshed.
_live_before = threading.local()


def on_page_pre_save(sender, *, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return  # a new page: no entry, so its publication refreshes
    seen = getattr(_live_before, "pages", None)
    if seen is None:
        seen = _live_before.pages = {}
    seen[instance.pk] = Page.objects.filter(pk=instance.pk, live=True).exists()


def _lesson_set_unchanged(instance, *, live_now: bool) -> bool:
    seen = getattr(_live_before, "pages", None) or {}
    was_live = seen.pop(instance.pk, None)
    return was_live is not None and was_live == live_now


def on_page_published_or_unpublished(sender, *, instance, **kwargs):
    if not issubclass(sender, (LessonPage, CoursePage)):
        return
    if _lesson_set_unchanged(instance, live_now=instance.live):
        return
    if issubclass(sender, LessonPage):
        rollups_refresh_on_commit(course_ids=_course_of(instance))
    else:
        rollups_refresh_on_commit(course_ids=[instance.pk])


def on_lesson_deleted(sender, *, instance, **kwargs):
    rollups_refresh_on_commit(course_ids=_course_of(instance))


def on_page_moved(sender, *, instance, parent_page_before, parent_page_after, **kw):
    if issubclass(sender, LessonPage):
        rollups_refresh_on_commit(
            course_ids={parent_page_before.pk, parent_page_after.pk}
        )


def on_campaign_saved(sender, *, instance, **kwargs):
    rollups_refresh_on_commit(campaign_ids=[instance.pk])


def on_campaign_course_changed(sender, *, instance, **kwargs):
    rollups_refresh_on_commit(campaign_ids=[instance.campaign_id])


def on_campaign_targets_changed(sender, *, instance, action, reverse, pk_set, **kw):
    if not reverse:
        if action in {"post_add", "post_remove", "post_clear"}:
            rollups_refresh_on_commit(campaign_ids=[instance.pk])
    elif action in {"post_add", "post_remove"}:
        # From the organisation's side: pk_set holds campaign ids.
        rollups_refresh_on_commit(campaign_ids=pk_set)
    elif action == "pre_clear":
        # post_clear gives no ids: read the campaigns before they are gone.
        rollups_refresh_on_commit(
            campaign_ids=instance.campaigns.values_list("pk", flat=True)
        )


def connect() -> None:
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from members.signals import member_placement_changed, organisation_moved

    member_placement_changed.connect(
        on_member_placement_changed, dispatch_uid="courses_rollup_member_placed"
    )
    organisation_moved.connect(
        on_organisation_moved, dispatch_uid="courses_rollup_organisation_moved"
    )
    for model in (LessonPage, CoursePage):
        pre_save.connect(
            on_page_pre_save,
            sender=model,
            dispatch_uid=f"courses_rollup_pre_save_{model.__name__}",
        )
    for signal, name in ((page_published, "published"), (page_unpublished, "unpub")):
        signal.connect(
            on_page_published_or_unpublished, dispatch_uid=f"courses_rollup_{name}"
        )
    post_delete.connect(
        on_lesson_deleted, sender=LessonPage, dispatch_uid="courses_rollup_deleted"
    )
    post_page_move.connect(on_page_moved, dispatch_uid="courses_rollup_moved")
    post_save.connect(
        on_campaign_saved, sender=Campaign, dispatch_uid="courses_rollup_campaign"
    )
    for signal in (post_save, post_delete):
        signal.connect(
            on_campaign_course_changed,
            sender=CampaignCourse,
            dispatch_uid=f"courses_rollup_campaign_course_{signal is post_save}",
        )
    m2m_changed.connect(
        on_campaign_targets_changed,
        sender=Campaign.organisations.through,
        dispatch_uid="courses_rollup_campaign_targets",
    )
