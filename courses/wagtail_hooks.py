from wagtail.snippets.models import register_snippet

from courses.reporting.viewsets import CampaignViewSet

register_snippet(CampaignViewSet)
