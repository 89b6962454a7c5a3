"""Recompute the report roll-ups from scratch and report any drift."""

from django.core.management.base import BaseCommand, CommandError

from courses.reporting.rollups import rollup_units_rebuild, rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the completion-report roll-ups (progress, weekly completions, "
        "headcounts) from LessonProgress and Member; print the drift found. With "
        "--course/--campaign, recompute only those units (what the rollups_refresh "
        "task does after edits)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only report drift; exit 1 when any is found.",
        )
        parser.add_argument(
            "--show", type=int, default=10, help="Drifting rows to print per table."
        )
        parser.add_argument(
            "--course",
            type=int,
            action="append",
            default=[],
            help="Recompute this course (and the campaigns holding it); repeatable.",
        )
        parser.add_argument(
            "--campaign",
            type=int,
            action="append",
            default=[],
            help="Recompute this campaign; repeatable.",
        )

    def handle(self, *args, check=False, show=10, course=(), campaign=(), **options):
        if course or campaign:
            if check:
                raise CommandError("--check reads every unit: no --course/--campaign.")
            result = rollup_units_rebuild(course_ids=course, campaign_ids=campaign)
            self.stdout.write(
                f"courses {result.courses}, campaigns {result.campaigns}: "
                f"{result.rows_changed} rows changed"
            )
            return
        drift = rollups_rebuild(check=check)
        for name in ("progress", "weekly", "headcount"):
            rows = getattr(drift, name)
            self.stdout.write(f"{name}: {len(rows)} drifting rows")
            for key, stored, expected in rows[:show]:
                self.stdout.write(f"  {key}: stored {stored}, expected {expected}")
        if not drift.found:
            self.stdout.write(self.style.SUCCESS("No drift."))
        elif check:
            raise CommandError("Roll-ups drifted; run rollups_rebuild to repair.")
        else:
            self.stdout.write(self.style.SUCCESS("Roll-ups rebuilt."))
