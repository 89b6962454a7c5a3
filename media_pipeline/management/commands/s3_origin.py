"""``python manage.py s3_origin``: the origin that nginx's internal location proxies
lecture files to on an object store (docs/nginx/lecture-files-s3.conf's
``@S3_ORIGIN@``), from the site's own storage settings. Computed locally; the store
is not contacted."""

from django.core.management.base import BaseCommand, CommandError

from media_pipeline import storage


class Command(BaseCommand):
    help = (
        "Print the object store's origin for docs/nginx/lecture-files-s3.conf "
        "(SATCHEL_S3_BUCKET)."
    )

    def handle(self, *args, **options):
        origin = storage.s3_origin()
        if origin is None:
            raise CommandError(
                "Lecture files are in the local media folder (no SATCHEL_S3_BUCKET): "
                "use docs/nginx/lecture-files.conf."
            )
        self.stdout.write(origin)
