"""Members and organisations moving (members.signals, via
courses.reporting.receivers): counts move from the old place to the new one."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import CharField, F, Value
from django.db.models.functions import Concat, Substr

from courses.models import LessonProgress, ProgressStatus
from courses.reporting.models import Headcount, ProgressRollup, WeeklyCompletion
from courses.reporting.rollups.common import (
    STEP,
    ZERO,
    all_units,
    bump,
    campaign_counts_member,
    member_location,
    prefixes,
    week_of,
)
from members.models import Member


def moves_between(
    old: tuple[str, str] | None, new: tuple[str, str] | None
) -> list[tuple[int, str, list[str]]]:
    """(sign, bucket, paths) groups taking a count from ``old`` to ``new``;
    ancestors shared with the same bucket cancel out."""
    changes: dict[tuple[str, str], int] = defaultdict(int)
    if old is not None:
        for path in prefixes(old[0]):
            changes[(path, old[1])] -= 1
    if new is not None:
        for path in prefixes(new[0]):
            changes[(path, new[1])] += 1
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for (path, bucket), sign in changes.items():
        if sign:
            groups[(sign, bucket)].append(path)
    return [(sign, bucket, paths) for (sign, bucket), paths in groups.items()]


def rollup_member_placed(
    *,
    member: Member,
    old_home_path: str,
    old_host_path: str,
    old_mobility_status: str,
) -> None:
    """Move the member's headcount and study from where they were counted to where
    they are now. Call inside the members service's transaction."""
    new = member_location(member)
    old_path = old_host_path or old_home_path
    # The bucket is the mobility status (member_location), so the old one is exact.
    old = (old_path, old_mobility_status)
    old = old if old_path else None
    if old == new:
        return
    for sign, bucket, paths in moves_between(old, new):
        bump(Headcount, paths=paths, lookup={"bucket": bucket}, members=sign)
    progress = {
        row["lesson_id"]: row
        for row in LessonProgress.objects.filter(member=member).values(
            "lesson_id", "status", "hours_credited", "completed_at"
        )
    }
    for unit, campaign in all_units():
        if campaign is None and not progress:
            continue

        def eligible(place, campaign=campaign):
            if place is None or campaign is None:
                return place
            counts = campaign_counts_member(campaign, path=place[0], bucket=place[1])
            return place if counts else None

        moves = moves_between(eligible(old), eligible(new))
        if not moves:
            continue
        rows = [progress[pk] for pk in unit.lesson_ids if pk in progress]
        started = any(row["status"] != ProgressStatus.NOT_STARTED for row in rows)
        done = [row for row in rows if row["status"] == ProgressStatus.COMPLETED]
        completed = bool(unit.lesson_ids) and len(done) == len(unit.lesson_ids)
        hours = sum((Decimal(row["hours_credited"]) for row in rows), ZERO)
        last = max((row["completed_at"] for row in done), default=None)
        for sign, bucket, paths in moves:
            bump(
                ProgressRollup,
                paths=paths,
                lookup={**unit.lookup, "bucket": bucket},
                members=sign if campaign is not None else 0,
                started=sign * int(started),
                completed=sign * int(completed),
                hours=sign * hours if started else 0,
            )
            if completed and last is not None:
                bump(
                    WeeklyCompletion,
                    paths=paths,
                    lookup={**unit.lookup, "week": week_of(last)},
                    completed=sign,
                )


def rollup_organisation_moved(*, old_path: str, new_path: str) -> None:
    """A subtree moved: rewrite its rows' paths, and move its totals from the old
    ancestors to the new ones."""
    shift = (len(new_path) - len(old_path)) // STEP
    old_ancestors = set(prefixes(old_path)[:-1])
    new_ancestors = set(prefixes(new_path)[:-1])
    leaving = sorted(old_ancestors - new_ancestors)
    joining = sorted(new_ancestors - old_ancestors)
    specs = (
        (
            ProgressRollup,
            ("course_id", "campaign_id", "bucket"),
            ("members", "started", "completed", "hours"),
        ),
        (WeeklyCompletion, ("course_id", "campaign_id", "week"), ("completed",)),
        (Headcount, ("bucket",), ("members",)),
    )
    for model, keys, counters in specs:
        totals = list(model.objects.filter(path=old_path).values(*keys, *counters))
        model.objects.filter(path__startswith=old_path).update(
            path=Concat(
                Value(new_path),
                Substr("path", len(old_path) + 1),
                output_field=CharField(),
            ),
            depth=F("depth") + shift,
        )
        for total in totals:
            lookup = {key: total[key] for key in keys}
            for sign, paths in ((-1, leaving), (1, joining)):
                bump(
                    model,
                    paths=paths,
                    lookup=lookup,
                    **{name: sign * total[name] for name in counters},
                )
