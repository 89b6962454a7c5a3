"""``{{ user|user_display_name }}``: a user as other users see them (members.people)."""

from django import template

from members.people import user_display_name

register = template.Library()
register.filter("user_display_name", user_display_name)
