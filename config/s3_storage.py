"""django-storages' S3Storage, with stable URLs for Wagtail's image files.

Loaded only when ``SATCHEL_S3_BUCKET`` is set (``config.settings.s3_storage``), so the
embedded default never imports boto3. Objects stay private: with
``SATCHEL_SERVE_MEDIA`` on, pictures are read through ``config.public_media`` at
``/media/...`` (one URL per picture, which phones cache and revalidate); without it,
they get the store's own signed URLs like every other file.
"""

from storages.backends.s3 import S3Storage as BaseS3Storage

from config.public_media import public_image_url


class S3Storage(BaseS3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None):
        return public_image_url(name) or super().url(
            name, parameters=parameters, expire=expire, http_method=http_method
        )
