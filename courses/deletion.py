"""Lessons and courses that members have studied are kept.

``LessonProgress`` and ``InPersonStudy`` rows hold their lesson with ``PROTECT``:
deleting a lesson page (or the course above it) would erase members' progress,
completions, study hours and the in-person records that are otherwise never
deleted (the audit trail, docs/progress.md), so the database refuses it whatever
the way in (the shell, the admin API: ``config.refused_deletions``). The admin's
own screens ask first and say more: Wagtail's delete screen calls the
``before_delete_page`` hook before it shows or does anything, and its bulk delete
calls ``before_bulk_action`` before it deletes. ``refuse_studied_delete`` and
``refuse_studied_bulk_delete`` answer there with how many members studied the page
and what to do instead (unpublish, which keeps every row). Pages nobody has
studied are deleted as before.
"""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.translation import ngettext
from wagtail.models import Page

from config.refused_deletions import say_why_nothing_was_deleted
from courses.models import InPersonStudy, LessonProgress


def studied_members(page: Page) -> int:
    """How many members have progress or in-person records on a lesson at or under
    ``page`` (one query; the subqueries read only those lessons' rows)."""
    from members.models import Member

    progress = LessonProgress.objects.filter(lesson__path__startswith=page.path).values(
        "member_id"
    )
    in_person = InPersonStudy.objects.filter(lesson__path__startswith=page.path).values(
        "member_id"
    )
    return Member.objects.filter(Q(pk__in=progress) | Q(pk__in=in_person)).count()


def _reason(page: Page, count: int) -> str:
    return ngettext(
        "“%(title)s” cannot be deleted: %(count)s member has studied it, and "
        "deleting it would erase their progress, completions, study hours and "
        "in-person records. Unpublish it instead: members keep what they did.",
        "“%(title)s” cannot be deleted: %(count)s members have studied it, and "
        "deleting it would erase their progress, completions, study hours and "
        "in-person records. Unpublish it instead: members keep what they did.",
        count,
    ) % {"title": page.get_admin_display_title(), "count": count}


def refuse_studied_delete(request, page):
    """``before_delete_page``: back to the page's parent in the explorer, saying
    why, when members have studied it; ``None`` (Wagtail goes on) otherwise."""
    count = studied_members(page)
    if not count:
        return None
    messages.error(request, _reason(page, count))
    parent = page.get_parent()
    return redirect("wagtailadmin_explore", parent.id if parent else page.id)


def refuse_studied_bulk_delete(request, action_type, objects, action):
    """``before_bulk_action``: no page of a bulk delete is deleted if members have
    studied one of them."""
    if action_type != "delete" or not all(isinstance(obj, Page) for obj in objects):
        return None
    counts = {page: studied_members(page) for page in objects}
    refused = {page: count for page, count in counts.items() if count}
    if not refused:
        return None
    say_why_nothing_was_deleted(
        request,
        [_reason(page, count) for page, count in refused.items()],
        selected=len(objects),
    )
    return redirect(action.next_url)
