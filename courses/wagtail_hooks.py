from wagtail import hooks
from wagtail.snippets.models import register_snippet

from config.reserved_paths import refuse_bulk_move, refuse_move
from courses.reporting.viewsets import CampaignViewSet

register_snippet(CampaignViewSet)
# A page moved to where one of Satchel's own URLs answers could not be reached.
hooks.register("before_move_page", refuse_move)
hooks.register("before_bulk_action", refuse_bulk_move)
