"""``python manage.py transcode INPUT --output DIR`` (shared/DESIGN.md section 7).

The whole pipeline on one file, synchronously, without the database: the renditions,
``master.m3u8`` and ``manifest.json`` in DIR. Bad input exits non-zero with one line.
"""

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from media_pipeline.ffmpeg import FfmpegError
from media_pipeline.probe import ProbeError
from media_pipeline.renditions import transcode_to_directory
from media_pipeline.services import probe_upload


class Command(BaseCommand):
    help = "Transcode one file into the lecture ladder in a folder (no database)."

    def add_arguments(self, parser):
        parser.add_argument("input", help="the source video or audio file")
        parser.add_argument(
            "--output", required=True, help="folder to write (created if needed)"
        )

    def handle(self, *args, **options):
        source = Path(options["input"])
        output = Path(options["output"])
        if not source.is_file():
            raise CommandError(f"{source}: no such file")
        if output.exists() and any(output.iterdir()):
            raise CommandError(f"{output}: folder exists and is not empty")
        verbose = options["verbosity"] >= 1 and sys.stderr.isatty()

        def progress(fraction: float) -> None:
            if verbose:
                self.stderr.write(f"\r{fraction * 100:5.1f}%", ending="")

        try:
            probe = probe_upload(path=source)
            manifest = transcode_to_directory(
                source,
                output,
                probe=probe,
                on_progress=progress,
                stall_seconds=settings.SATCHEL_FFMPEG_STALL_SECONDS,
            )
        except ProbeError as error:
            raise CommandError(f"{source}: {error.message}") from error
        except FfmpegError as error:
            raise CommandError(f"{source}: {error}") from error
        if verbose:
            self.stderr.write("")
        if options["verbosity"] >= 1:
            summary = {r["profile"]: r["bytes"] for r in manifest["renditions"]}
            self.stdout.write(
                f"{output / 'master.m3u8'} "
                f"({manifest['timings']['total']:.1f} s): {json.dumps(summary)}"
            )
