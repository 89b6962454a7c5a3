"""Wagtail admin views of lecture jobs: live status, retry (wired in viewsets.py)."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin.auth import permission_denied
from wagtail.permissions import policy_registry

from media_pipeline import selectors, services
from media_pipeline.models import Lecture, LectureStatus

PAGE_SIZE = 100


def _policy():
    return policy_registry.get_by_type(Lecture)


def can_see_jobs(user) -> bool:
    return _policy().user_has_any_permission(user, ["change"])


def _visible(user):
    return _policy().instances_user_has_any_permission_for(user, ["change"])


def _row(lecture: Lecture) -> dict:
    return {
        "id": lecture.pk,
        "status": lecture.status,
        "status_label": str(lecture.get_status_display()),
        "progress": lecture.progress,
        # Translated now, in the reader's language (stored as a key).
        "error": lecture.error_message,
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
        },
    )


def jobs_status(request):
    """JSON polled by the jobs screen (and the edit screen) while work is under way."""
    if not can_see_jobs(request.user):
        return JsonResponse({"error": _("Permission denied.")}, status=403)
    try:
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i][:PAGE_SIZE]
    except ValueError:
        return JsonResponse({"error": _("ids must be numbers.")}, status=400)
    lectures = selectors.lecture_status_list(queryset=_visible(request.user), ids=ids)
    return JsonResponse({"lectures": [_row(lecture) for lecture in lectures]})


@require_POST
def retry(request, lecture_id: int):
    lecture = get_object_or_404(Lecture, pk=lecture_id)
    if not _policy().user_has_permission_for_instance(request.user, "change", lecture):
        return permission_denied(request)
    if services.lecture_retry(lecture=lecture):
        messages.success(
            request, _("'%(title)s' is queued again.") % {"title": lecture.title}
        )
    else:
        messages.warning(
            request,
            _("'%(title)s' has not failed; nothing to retry.")
            % {"title": lecture.title},
        )
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("lecture_jobs:index")
