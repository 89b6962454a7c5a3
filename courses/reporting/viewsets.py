"""Wagtail admin for campaigns (registered in courses/wagtail_hooks.py)."""

from django.utils.translation import gettext_lazy as _

from config.snippets import SnippetViewSet
from courses.reporting.models import Campaign


class CampaignViewSet(SnippetViewSet):
    model = Campaign
    icon = "date"
    menu_label = _("Campaigns")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["name", "category", "starts_on", "ends_on"]
    list_filter = ["category"]
