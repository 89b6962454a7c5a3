"""Covering indexes for members.scoping.scope_page_ids (PostgreSQL only).

``(home_path varchar_pattern_ops) INCLUDE (name, id)`` and the same on host_path let
PostgreSQL answer "names and ids of the members under this path" from the index
alone (an index-only scan), which is what makes a county's first page fast
(bench/members/README.md). SQLite has no INCLUDE and no need: it skips this.
Kept out of Member.Meta.indexes because Django warns (models.W040) about INCLUDE on
databases without covering indexes.
"""

from django.db import migrations

INDEXES = {
    "members_member_home_cover": "home_path",
    "members_member_host_cover": "host_path",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON members_member "
            f"({column} varchar_pattern_ops) INCLUDE (name, id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("members", "0002_organisers_group")]

    operations = [migrations.RunPython(create, drop)]
