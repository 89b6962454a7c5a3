from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from config.reserved_paths import refuse_bulk_move, refuse_move
from courses.deletion import refuse_studied_bulk_delete, refuse_studied_delete
from courses.publishing import (
    refuse_bulk_publish,
    say_subpages_were_unpublished,
    warn_of_draft_quizzes,
    warn_of_hidden_lesson,
)
from courses.reporting.selectors import subtree_headcount
from courses.reporting.viewsets import CampaignViewSet
from members.tree_columns import HOOK as TREE_COLUMNS
from members.tree_columns import TreeColumn

register_snippet(CampaignViewSet)
# A page moved to where one of Satchel's own URLs answers could not be reached.
hooks.register("before_move_page", refuse_move)
hooks.register("before_bulk_action", refuse_bulk_move)
# Members' progress and in-person records go with a deleted lesson: refuse.
hooks.register("before_delete_page", refuse_studied_delete)
hooks.register("before_bulk_action", refuse_studied_bulk_delete)
# A quiz-rule lesson going live while its quiz is a draft: nobody could complete it.
hooks.register("before_bulk_action", refuse_bulk_publish)
# Any other lesson going live with a draft quiz: members see nothing there yet.
hooks.register("after_publish_page", warn_of_draft_quizzes)
# A course's lessons go with it (courses.publishing.unpublish_subpages): say so; and
# a lesson published under a course that is not live is hidden: say that.
hooks.register("after_unpublish_page", say_subpages_were_unpublished)
hooks.register("after_publish_page", warn_of_hidden_lesson)


@hooks.register(TREE_COLUMNS)
def subtree_members() -> TreeColumn:
    # The reports' total (counted once: at the host where registered, else at
    # home), so the tree and the completion report agree.
    return TreeColumn(
        "subtree_members", _("Members, whole subtree"), subtree_headcount()
    )
