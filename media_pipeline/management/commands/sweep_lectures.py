"""``python manage.py sweep_lectures``: re-queue lectures whose worker died, and
delete retired ladders whose signed URLs have all expired.

Run it every few minutes (cron or a systemd timer; docs/media-pipeline.md), or with
``--every SECONDS`` as a long-running loop beside the workers.
"""

import time

from django.core.management.base import BaseCommand

from media_pipeline.services import lecture_sweep_stale, retired_outputs_delete


class Command(BaseCommand):
    help = (
        "Re-queue lectures left in processing (or queued) by a dead worker; delete "
        "replaced ladders once their links have expired."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            help="keep running, sweeping every this many seconds",
        )

    def handle(self, *args, **options):
        while True:
            requeued = lecture_sweep_stale()
            if requeued or options["verbosity"] >= 2:
                self.stdout.write(f"re-queued {len(requeued)} lecture(s): {requeued}")
            deleted = retired_outputs_delete()
            if deleted or options["verbosity"] >= 2:
                self.stdout.write(f"deleted {len(deleted)} retired ladder(s)")
            if not options["every"]:
                return
            time.sleep(options["every"])
