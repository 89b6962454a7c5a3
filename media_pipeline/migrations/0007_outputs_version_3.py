"""Version 3 of what the pipeline writes: every video rung declares the H.264 level its
frame size needs (``ladder.h264_level``, 2026-11-30).

Data only. Ladders published at version 2 whose rungs already declare enough (every
lecture whose picture is no wider than about 2.8:1) become version 3; the few whose
360p rung claims level 3.0 for frames that need 3.1 stay at 2, so
``refresh_lectures`` transcodes them again and nothing else."""

import math

from django.db import migrations

# ITU-T H.264 Table A-1, frozen here as ``ladder.H264_LEVELS`` stood at version 3:
# level_idc (ten times the level), most macroblocks in a frame, most a second.
LEVELS = ((30, 1_620, 40_500), (31, 3_600, 108_000), (32, 5_120, 216_000))
VIDEO_PROFILES = ("240p", "360p", "480p")


def level_needed(width: int, height: int, fps: float) -> int:
    across, down = math.ceil(width / 16), math.ceil(height / 16)
    per_frame = across * down
    for level_idc, max_frame, max_rate in LEVELS:
        if (
            per_frame <= max_frame
            and per_frame * fps <= max_rate
            and max(across, down) ** 2 <= 8 * max_frame
        ):
            return level_idc
    return LEVELS[-1][0]


def level_declared(codecs: str) -> int | None:
    """level_idc of an RFC 6381 ``avc1.PPCCLL`` string; None if it is not one."""
    prefix, _, digits = codecs.partition(".")
    if prefix != "avc1" or len(digits) != 6:
        return None
    try:
        return int(digits[4:], 16)
    except ValueError:
        return None


def lecture_ids_claiming_too_low_a_level(Rendition) -> set[int]:
    rungs = Rendition.objects.filter(
        profile__in=VIDEO_PROFILES,
        lecture__outputs_version=2,
        width__isnull=False,
        height__isnull=False,
    ).values_list("lecture_id", "width", "height", "frame_rate", "codecs")
    short = set()
    for lecture_id, width, height, fps, codecs in rungs.iterator():
        declared = level_declared(codecs)
        if declared is None or declared < level_needed(width, height, fps or 30):
            short.add(lecture_id)
    return short


def version_3_where_the_levels_hold(apps, schema_editor):
    Lecture = apps.get_model("media_pipeline", "Lecture")
    Rendition = apps.get_model("media_pipeline", "Rendition")
    short = lecture_ids_claiming_too_low_a_level(Rendition)
    Lecture.objects.filter(outputs_version=2).exclude(pk__in=short).update(
        outputs_version=3
    )


def back_to_version_2(apps, schema_editor):
    Lecture = apps.get_model("media_pipeline", "Lecture")
    Lecture.objects.filter(outputs_version=3).update(outputs_version=2)


class Migration(migrations.Migration):
    dependencies = [
        ("media_pipeline", "0006_lecture_task_id"),
    ]

    operations = [
        migrations.RunPython(version_3_where_the_levels_hold, back_to_version_2),
    ]
