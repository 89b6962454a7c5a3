"""``python manage.py sweep_lectures``: re-queue lectures whose worker died.

Run it every few minutes (cron or a systemd timer; docs/media-pipeline.md), or with
``--every SECONDS`` as a long-running loop beside the workers.
"""

import time

from django.core.management.base import BaseCommand

from media_pipeline.services import lecture_sweep_stale


class Command(BaseCommand):
    help = "Re-queue lectures left in processing (or queued) by a dead worker."

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
            if not options["every"]:
                return
            time.sleep(options["every"])
