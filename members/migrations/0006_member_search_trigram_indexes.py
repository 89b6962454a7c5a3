"""Trigram indexes for the member search (PostgreSQL only).

``members.selectors.member_search`` matches anywhere in the name
(``UPPER(name::text) LIKE '%x%'``, Django's icontains) and in the phone
(``phone::text LIKE '%x%'``). No B-tree serves that: a province's search walked
its whole name index, reading every member row (2,000,000 members: 4.2 s).
pg_trgm's GIN indexes on exactly these expressions answer it from the
trigrams of the text (3 ms; bench/reports/README.md). Searches shorter than
three characters have no trigram and go the way they went before.

pg_trgm ships with PostgreSQL and is a trusted extension (13+): the owner of
the database may create it. Where the database user may not, the migration
says so and leaves the indexes out; search still works, slower on large areas
(docs/deployment.md). SQLite skips this.
"""

import sys

from django.db import DatabaseError, migrations, transaction

INDEXES = {
    "members_member_name_trgm": "upper(name::text) gin_trgm_ops",
    "members_member_phone_trgm": "phone gin_trgm_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        first_line = str(error).strip().splitlines()[0]
        sys.stderr.write(
            f"  members: pg_trgm could not be created ({first_line}); member "
            "search works without its indexes, slower on large areas. See "
            "docs/deployment.md.\n"
        )
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON members_member "
            f"USING gin ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("members", "0005_field_verbose_names")]

    operations = [migrations.RunPython(create, drop)]
