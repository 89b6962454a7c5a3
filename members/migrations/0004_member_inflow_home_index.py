"""A partial index of inflow members' home paths (PostgreSQL only).

The member list's total counts for real the inflow members related to a subtree
(courses.reporting.selectors.members.member_list_total): hosted in it, or at home
in it and registered elsewhere. Without this index PostgreSQL read every member
row under the subtree's home path to find the 3% that are inflow (a county:
14,700 heap pages, 73 ms on the bench's busy cores); with it the condition
``mobility_status = 'inflow' AND (home_path LIKE 'p%' OR host_path LIKE 'p%')``
is a BitmapOr of this index and the host path index, which visits only the inflow
members (15 ms; bench/reports/README.md). Like 0003, kept out of Member.Meta.
"""

from django.db import migrations

NAME = "members_member_inflow_home"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON members_member "
        "(home_path varchar_pattern_ops) WHERE mobility_status = 'inflow'"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("members", "0003_member_scope_covering_indexes")]

    operations = [migrations.RunPython(create, drop)]
