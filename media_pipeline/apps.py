from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaPipelineConfig(AppConfig):
    name = "media_pipeline"
    verbose_name = _("Lectures")

    def ready(self):
        from media_pipeline.signals import register_signal_handlers

        register_signal_handlers()
