"""Removing a deleted lecture's transcoded files.

A signal, like wagtailmedia's own handler that deletes the original file: deletion
happens through wagtailmedia's views, which call no service of ours.
"""

from django.db import transaction
from django.db.models.signals import post_delete

from media_pipeline import storage


def _delete_lecture_files(sender, instance, **kwargs):
    prefix = f"lectures/{instance.uuid}"
    transaction.on_commit(lambda: storage.delete_tree(prefix))


def register_signal_handlers() -> None:
    from media_pipeline.models import Lecture

    post_delete.connect(
        _delete_lecture_files, sender=Lecture, dispatch_uid="lecture_files"
    )
