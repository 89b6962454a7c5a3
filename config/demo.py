"""What every app's ``demo.seed()`` returns.

See courses/management/commands/seed_demo.py.
"""

from typing import NamedTuple

from django.contrib.auth import get_user_model

DEMO_PASSWORD = "satchel-demo"  # noqa: S105 -- public by design, refused in production.


class DemoLogin(NamedTuple):
    role: str
    username: str
    password: str


def demo_user(username: str, *, first_name: str = "", last_name: str = "", **fields):
    """Create the demo user once; later runs leave it (and its password) alone."""
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, **fields},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user
