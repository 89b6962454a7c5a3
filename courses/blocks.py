"""StreamField blocks of a lesson's body."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtailmedia.blocks import AbstractMediaChooserBlock

from config.snippets import SnippetChooserBlock

# Lesson text stays simple: it is read on small screens and must print cleanly.
TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr", "blockquote"]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(required=False, max_length=255, label=_("Caption"))

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        required=False,
        max_length=255,
        label=_("Link text"),
        help_text=_("Leave empty to use the document's own title."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Document to download")
        template = "courses/blocks/document.html"


class LectureChooserBlock(AbstractMediaChooserBlock):
    """Chooses a lecture (the WAGTAILMEDIA media model, media_pipeline's Lecture)."""

    def render_basic(self, value, context=None):
        # The lecture block's own template renders the player.
        return ""


class LectureBlock(blocks.StructBlock):
    lecture = LectureChooserBlock(label=_("Lecture"))

    class Meta:
        icon = "media"
        label = _("Lecture")
        # The player needs the member's playback URLs and progress, which
        # LessonPage.get_context puts in the page context as ``player``.
        template = "courses/blocks/lecture.html"


class LessonBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(
        features=TEXT_FEATURES,
        label=_("Text"),
        icon="pilcrow",
        template="courses/blocks/text.html",
        preview_value="<p>Lesson text as members will read it.</p>",
    )
    image = ImageBlock()
    document = DocumentBlock()
    lecture = LectureBlock()
    # String reference: courses never imports quizzes (shared/DESIGN.md section 2).
    quiz = SnippetChooserBlock(
        "quizzes.Quiz",
        template="quizzes/blocks/quiz.html",
        icon="help",
        label=_("Quiz"),
    )

    class Meta:
        # One lecture per lesson: its progress is what the completion rule measures.
        block_counts = {"lecture": {"max_num": 1}}
