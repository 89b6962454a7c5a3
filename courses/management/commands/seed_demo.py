"""``python manage.py seed_demo``: idempotent demo data, then the demo logins.

Each app that has demo data owns it in ``<app>/demo.py`` with a ``seed()`` function
returning the logins it created. They run in INSTALLED_APPS order, which follows the
dependency order of the apps, so each app can rely on the ones before it.
"""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create or refresh the demo organisation tree, users and course."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even in production mode (the demo passwords are public).",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "Refusing to create demo users with public passwords in production; "
                "pass --allow-production if you really mean it."
            )
        logins = []
        with transaction.atomic():
            for config in apps.get_app_configs():
                try:
                    demo = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as error:
                    if error.name != f"{config.name}.demo":
                        raise
                    continue
                logins.extend(demo.seed())
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Logins:"))
        for login in logins:
            self.stdout.write(
                f"  {login.role:<28} {login.username:<20} {login.password}"
            )
