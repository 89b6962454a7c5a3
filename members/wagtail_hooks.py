from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from members.services import LOGIN_RESET_ACTION
from members.viewsets import MembersViewSetGroup


@hooks.register("register_admin_viewset")
def register_members_viewsets():
    return MembersViewSetGroup()


@hooks.register("register_log_actions")
def register_member_log_actions(actions):
    # Shown on the member's History screen and in Wagtail's site history.
    actions.register_action(
        LOGIN_RESET_ACTION, _("Set the login password"), _("Login password set")
    )
