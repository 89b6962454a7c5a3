"""The "Organisers" group: Wagtail admin access plus the members screens.

What each organiser sees on those screens is narrowed by members.scoping, never by
these permissions alone.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Organisers"
PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin"),
    ("members", "organisation", "view_organisation"),
    ("members", "member", "view_member"),
    ("members", "member", "add_member"),
    ("members", "member", "change_member"),
    ("members", "registration", "view_registration"),
    ("members", "registration", "change_registration"),
    ("members", "pairing", "view_pairing"),
    ("members", "pairing", "add_pairing"),
    ("members", "pairing", "delete_pairing"),
    ("members", "contactrecord", "view_contactrecord"),
    ("members", "contactrecord", "add_contactrecord"),
    ("members", "mobilityrecord", "view_mobilityrecord"),
]


def create_group(apps, schema_editor):
    # Model permissions are normally created after all migrations; make sure they
    # exist now so the group can hold them.
    app_config = apps.get_app_config("members")
    # The migration state's app config has no models module; Django's own
    # create_permissions only checks that it is set.
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    for app_label, model, codename in PERMISSIONS:
        permission = Permission.objects.get(
            content_type__app_label=app_label,
            content_type__model=model,
            codename=codename,
        )
        group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
