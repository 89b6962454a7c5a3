"""Demo members (grown into a whole organisation tree by the members issue)."""

from config.demo import DEMO_PASSWORD, DemoLogin, demo_user


def seed() -> list[DemoLogin]:
    demo_user("member", first_name="学员", last_name="王")
    return [DemoLogin("member", "member", DEMO_PASSWORD)]
