"""The lecture form of wagtailmedia's add and edit views (MEDIA_FORM_BASE).

It probes the uploaded file before anything is stored, so an editor sees why a file
cannot be a lecture as a form error, and queues transcoding once a new file is saved.
"""

import tempfile
from pathlib import Path

from django import forms
from wagtailmedia.forms import BaseMediaForm

from config.tags import TagsFormMixin
from media_pipeline import services
from media_pipeline.probe import ProbeError


class LectureForm(TagsFormMixin, BaseMediaForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._probe = None
        if "file" in self.fields:
            # The probe decides audio or video; accept either on both add screens.
            self.fields["file"].widget.attrs["accept"] = "video/*,audio/*"

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload or "file" not in self.changed_data:
            return upload
        try:
            if hasattr(upload, "temporary_file_path"):
                self._probe = services.probe_upload(path=upload.temporary_file_path())
            else:
                suffix = Path(upload.name).suffix
                with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
                    for chunk in upload.chunks():
                        copy.write(chunk)
                    copy.flush()
                    self._probe = services.probe_upload(path=copy.name)
        except ProbeError as error:
            raise forms.ValidationError(error.message, code="not_a_lecture") from error
        finally:
            upload.seek(0)
        # Audio-only uploads become audio lectures, whichever screen they came from.
        self.instance.type = "video" if self._probe.has_video else "audio"
        return upload

    def save(self, commit=True):
        lecture = super().save(commit=commit)
        if commit and self._probe is not None:
            services.lecture_upload_accept(lecture=lecture, probe=self._probe)
        return lecture
