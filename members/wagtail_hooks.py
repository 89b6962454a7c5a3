from wagtail import hooks

from members.viewsets import MembersViewSetGroup


@hooks.register("register_admin_viewset")
def register_members_viewsets():
    return MembersViewSetGroup()
