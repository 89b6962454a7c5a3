"""``python manage.py refresh_lectures``: transcode again the ready lectures that an
older pipeline made (they lack files newer lectures have; ``ladder.OUTPUTS_VERSION``).

Run it after an upgrade whose release notes say the outputs changed. The lectures are
queued for the workers; members keep playing the published ladders meanwhile.
"""

from django.core.management.base import BaseCommand, CommandError

from media_pipeline.ladder import OUTPUTS_VERSION
from media_pipeline.selectors import lectures_outdated
from media_pipeline.services import lectures_refresh_outdated


class Command(BaseCommand):
    help = (
        "Queue every ready lecture made by an older version of the pipeline to be "
        "transcoded again (members keep playing the published files meanwhile)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="queue at most this many (the oldest first), to pace the workers",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="list the outdated lectures without queueing them",
        )

    def handle(self, *args, **options):
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number")
        outdated = lectures_outdated()
        total = outdated.count()
        if options["dry_run"]:
            for lecture in outdated.only("pk", "title", "outputs_version")[:limit]:
                self.stdout.write(
                    f"{lecture.pk}\tversion {lecture.outputs_version}\t{lecture.title}"
                )
            self.stdout.write(
                f"{total} lecture(s) made before outputs version {OUTPUTS_VERSION}"
            )
            return
        queued = lectures_refresh_outdated(limit=limit)
        self.stdout.write(
            f"queued {len(queued)} of {total} lecture(s) made before outputs "
            f"version {OUTPUTS_VERSION}"
        )
