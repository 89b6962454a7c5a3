from wagtail import hooks

from media_pipeline.viewsets import lecture_jobs_viewset


@hooks.register("register_admin_viewset")
def register_lecture_jobs():
    return lecture_jobs_viewset
