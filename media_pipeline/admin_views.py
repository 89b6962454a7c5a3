"""Wagtail admin views of lecture jobs: live status, retry, transcode again (wired in
viewsets.py)."""

import mimetypes

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe
from wagtail.admin.auth import permission_denied
from wagtail.permissions import policy_registry

from config.ids import parse_id
from media_pipeline import selectors, services, storage
from media_pipeline.models import Lecture, LectureStatus

PAGE_SIZE = 100


def _policy():
    return policy_registry.get_by_type(Lecture)


def can_see_jobs(user) -> bool:
    return _policy().user_has_any_permission(user, ["change"])


def _visible(user):
    return _policy().instances_user_has_any_permission_for(user, ["change"])


ACTIONS_TEMPLATE = "media_pipeline/admin/job_actions.html"


def _row(request, lecture: Lecture) -> dict:
    return {
        "id": lecture.pk,
        "status": lecture.status,
        "status_label": str(lecture.get_status_display()),
        "progress": lecture.progress,
        # Translated now, in the reader's language (stored as a key).
        "error": lecture.error_message,
        # The jobs screen's Actions cell for the new state (Retry once it failed,
        # say), from the template the screen itself uses.
        "actions_html": render_to_string(
            ACTIONS_TEMPLATE, {"lecture": lecture}, request=request
        ),
    }


def jobs_index(request):
    if not can_see_jobs(request.user):
        return permission_denied(request)
    status = request.GET.get("status")
    lectures = selectors.lecture_status_list(queryset=_visible(request.user))
    if status in LectureStatus.values:
        lectures = lectures.filter(status=status)
    return TemplateResponse(
        request,
        "media_pipeline/admin/jobs.html",
        {
            "lectures": lectures[:PAGE_SIZE],
            "statuses": LectureStatus.choices,
            "current_status": status,
            "active": [LectureStatus.QUEUED, LectureStatus.PROCESSING],
            "outdated_count": selectors.lectures_outdated(
                queryset=_visible(request.user)
            ).count(),
        },
    )


def jobs_status(request):
    """JSON polled by the jobs screen (and the edit screen) while work is under way."""
    if not can_see_jobs(request.user):
        return JsonResponse({"error": _("Permission denied.")}, status=403)
    ids = [parse_id(i) for i in request.GET.get("ids", "").split(",") if i][:PAGE_SIZE]
    if None in ids:
        return JsonResponse({"error": _("ids must be lecture ids.")}, status=400)
    lectures = selectors.lecture_status_list(queryset=_visible(request.user), ids=ids)
    return JsonResponse({"lectures": [_row(request, lecture) for lecture in lectures]})


@require_safe
def original(request, lecture_id: int):
    """The uploaded original, as an attachment, to editors who may change the
    lecture (wagtailmedia links it as ``Lecture.url``); 404 for other editors
    (as if it did not exist: Wagtail would turn a 403 into a redirect) and when
    the file is gone. Streamed from storage, never loaded whole."""
    lecture = get_object_or_404(Lecture, pk=lecture_id)
    if not _policy().user_has_permission_for_instance(request.user, "change", lecture):
        raise Http404
    try:
        source = storage.open_source(lecture.file)
    except FileNotFoundError as error:
        raise Http404("no such file") from error
    content_type = mimetypes.guess_type(lecture.filename)[0]
    response = FileResponse(
        source,
        as_attachment=True,
        filename=lecture.filename,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _back(request):
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("lecture_jobs:index")


def _queue_one(request, lecture_id: int, queue, *, done: str, refused: str):
    lecture = get_object_or_404(Lecture, pk=lecture_id)
    if not _policy().user_has_permission_for_instance(request.user, "change", lecture):
        return permission_denied(request)
    if queue(lecture=lecture):
        messages.success(request, done % {"title": lecture.title})
    else:
        messages.warning(request, refused % {"title": lecture.title})
    return _back(request)


@require_POST
def retry(request, lecture_id: int):
    return _queue_one(
        request,
        lecture_id,
        services.lecture_retry,
        done=_("'%(title)s' is queued again."),
        refused=_("'%(title)s' has not failed; nothing to retry."),
    )


@require_POST
def refresh(request, lecture_id: int):
    return _queue_one(
        request,
        lecture_id,
        services.lecture_refresh,
        done=_(
            "'%(title)s' is queued to be transcoded again. Members keep playing the "
            "published version until the new one is ready."
        ),
        refused=_(
            "'%(title)s' is not ready, so it cannot be transcoded again now; retry "
            "it if it failed."
        ),
    )


@require_POST
def refresh_outdated(request):
    """Transcode again every outdated lecture this editor may change."""
    if not can_see_jobs(request.user):
        return permission_denied(request)
    queued = services.lectures_refresh_outdated(queryset=_visible(request.user))
    if queued:
        messages.success(
            request,
            ngettext(
                "%(count)d lecture is queued to be transcoded again.",
                "%(count)d lectures are queued to be transcoded again.",
                len(queued),
            )
            % {"count": len(queued)},
        )
    else:
        messages.info(request, _("Every lecture is up to date; nothing was queued."))
    return _back(request)
