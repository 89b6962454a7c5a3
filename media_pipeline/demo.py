"""Demo data: one ready lecture, generated and transcoded on the spot.

``seed()`` is run by ``manage.py seed_demo`` (before the courses app's, which puts
``demo_lecture()`` in the demo course). Idempotent: a ready demo lecture is left alone,
unless an older pipeline made it (then it is transcoded again, from its stored file).
"""

import tempfile
import uuid
from pathlib import Path

from django.core.files import File

from config.demo import DemoLogin
from media_pipeline import services
from media_pipeline.models import Lecture
from media_pipeline.samples import make_clip

DEMO_LECTURE_UUID = uuid.UUID("5a7c4e1e-0000-4000-8000-000000000001")
DEMO_TITLE = "第一讲：学习党章 做合格党员"
DEMO_SPEECH = (
    "同志们好。欢迎参加本次学习。今天我们学习党章的基本内容，"
    "理解党员的权利和义务。请大家认真收听，做好学习笔记。谢谢大家。"
)


def demo_lecture() -> Lecture | None:
    return Lecture.objects.filter(uuid=DEMO_LECTURE_UUID).first()


def seed() -> list[DemoLogin]:
    lecture = demo_lecture()
    if lecture is not None and lecture.is_ready:
        if lecture.is_outdated and services.lecture_refresh(
            lecture=lecture, enqueue=False
        ):
            services.lecture_transcode(lecture_id=lecture.pk)
        return []
    with tempfile.TemporaryDirectory() as scratch:
        # 480p slides-like picture at 15 fps and a spoken voice (espeak-ng when
        # installed, a tone otherwise): a few seconds of CPU to transcode.
        clip = make_clip(
            Path(scratch) / "demo-lecture.mp4",
            seconds=30,
            width=854,
            height=480,
            fps=15,
            speech=DEMO_SPEECH,
        )
        probe = services.probe_upload(path=clip)
        if lecture is None:
            lecture = Lecture(uuid=DEMO_LECTURE_UUID, title=DEMO_TITLE)
        lecture.type = "video"
        with clip.open("rb") as handle:
            lecture.file.save("demo-lecture.mp4", File(handle), save=False)
        lecture.save()
    # Synchronously, so the demo course shows a ready lecture straight away.
    services.lecture_upload_accept(lecture=lecture, probe=probe, enqueue=False)
    services.lecture_transcode(lecture_id=lecture.pk)
    return []
