"""The database side of the progress hot path: one read and one write per lesson.

``POST /api/v1/progress/`` is the busiest endpoint (every playing phone, every 15 s),
so a heartbeat on a lesson already started costs, beyond the session and the user,
one SELECT (the lessons, their lecture, the member and the member's progress rows)
and one write statement (store the events, save the merged row if nobody wrote it in
between). courses.services decides *what* is written; this module only says how, in
as few round trips as the database allows. docs/progress.md explains the design and
bench/progress measures it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from wagtail.models import Page

from courses.models import LessonPage, LessonProgress, ProgressEvent
from members.models import Member

# The columns a batch changes on a row it merges into without the row lock.
MERGED_FIELDS = (
    "watched",
    "sessions",
    "position",
    "position_at",
    "position_event",
    "seconds_watched",
    "started_at",
    "status",
)


@dataclass
class BatchTarget:
    """What merging one batch needs, read in one query (batch_target)."""

    member_id: int | None
    lessons: dict[int, LessonPage]
    progress: dict[int, LessonProgress]  # by lesson id; lessons never studied absent


class _Columns:
    """A model's columns in one SELECT: the select list, and rows back to instances
    (with the database's converters applied, as the ORM's compiler does)."""

    def __init__(self, model, alias_of, names=None):
        self.model = model
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if names is None or field.attname in names
        ]
        self.attnames = [field.attname for field in self.fields]
        self.sql = ", ".join(
            f"{alias_of(field)}.{connection.ops.quote_name(field.column)}"
            for field in self.fields
        )
        self.columns = [field.get_col(alias_of(field)) for field in self.fields]
        self.converters = [
            connection.ops.get_db_converters(column)
            + column.field.get_db_converters(connection)
            for column in self.columns
        ]

    def instance(self, values):
        converted = []
        for column, value, converters in zip(
            self.columns, values, self.converters, strict=True
        ):
            for converter in converters:
                value = converter(value, column, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.attnames, converted)


# What merging progress reads of a lesson: the rule's fields, the tree position
# (roll-ups) and the lecture. Not the body: a lesson's StreamField JSON can be larger
# than everything else together.
_LESSON_FIELDS = {
    "id",
    "path",
    "depth",
    "live",
    "page_ptr_id",
    "completion_rule",
    "watch_percent",
    "read_seconds",
    "study_hours",
    "body_lecture_id",
}


@functools.cache
def _batch_sql(lesson_count: int, *, by_user: bool, vendor: str):
    """Built once per shape (batches name 1 to a few lessons)."""
    lesson_columns = _Columns(
        LessonPage,
        lambda field: "p" if field.model is Page else "l",
        _LESSON_FIELDS,
    )
    lecture_columns = _Columns(
        LessonPage._meta.get_field("body_lecture").related_model,
        lambda field: "lec",
        {"id", "duration"},
    )
    progress_columns = _Columns(LessonProgress, lambda field: "pr")
    quote = connection.ops.quote_name
    table = lambda model: quote(model._meta.db_table)  # noqa: E731
    ids = ", ".join(["%s"] * lesson_count)
    member_match = "m.user_id = %s" if by_user else "m.id = %s"
    sql = (
        f"SELECT {lesson_columns.sql}, {lecture_columns.sql}, m.id, "  # noqa: S608
        f"{progress_columns.sql} "
        f"FROM {table(LessonPage)} l "
        f"JOIN {table(Page)} p ON p.id = l.page_ptr_id "
        f"LEFT JOIN {table(lecture_columns.model)} lec ON lec.id = l.body_lecture_id "
        f"LEFT JOIN {table(Member)} m ON {member_match} "
        f"LEFT JOIN {table(LessonProgress)} pr "
        f"ON pr.lesson_id = l.page_ptr_id AND pr.member_id = m.id "
        f"WHERE p.live AND l.page_ptr_id IN ({ids})"
    )
    return sql, lesson_columns, lecture_columns, progress_columns


def batch_target(
    *, lesson_ids, user_id: int | None = None, member_id: int | None = None
) -> BatchTarget:
    """The live lessons among ``lesson_ids`` with their lectures, the member (by
    ``member_id``, or the member of ``user_id``) and that member's progress row on
    each lesson, in one SELECT.

    Written in SQL (the columns come from the models): the same query through the
    ORM (a FilteredRelation and an annotation per progress column) cost more to
    build than to run, on every heartbeat (bench/progress)."""
    lesson_ids = sorted(lesson_ids)
    by_user = member_id is None
    sql, lessons_in, lecture_in, progress_in = _batch_sql(
        len(lesson_ids), by_user=by_user, vendor=connection.vendor
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id if by_user else member_id, *lesson_ids])
        rows = cursor.fetchall()
    target = BatchTarget(member_id=member_id, lessons={}, progress={})
    split = (len(lessons_in.fields), len(lecture_in.fields))
    for row in rows:
        lesson = lessons_in.instance(row[: split[0]])
        lecture_values = row[split[0] : split[0] + split[1]]
        lesson.body_lecture = (
            lecture_in.instance(lecture_values) if lecture_values[0] else None
        )
        target.member_id = row[sum(split)]
        progress_values = row[sum(split) + 1 :]
        if progress_values[0] is not None:
            target.progress[lesson.pk] = progress_in.instance(progress_values)
        target.lessons[lesson.pk] = lesson
    return target


def _prepared(model, names, obj) -> list:
    return [
        model._meta.get_field(name).get_db_prep_save(getattr(obj, name), connection)
        for name in names
    ]


def _insert_events_sql(progress_id: int, events, *, now: dt.datetime):
    """``INSERT ... ON CONFLICT DO NOTHING`` of the events (PostgreSQL and SQLite
    both have it): the unique (progress, client id) constraint stores each once."""
    meta = ProgressEvent._meta
    names = [f.attname for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(names)) + ")"
    params = []
    for event in events:
        params += _prepared(
            ProgressEvent,
            names,
            ProgressEvent(
                progress_id=progress_id,
                client_id=event.id,
                session=event.session,
                at=event.at,
                position=event.position,
                played=[list(pair) for pair in event.played],
                rate=event.rate,
                offline=event.offline,
                received_at=now,
            ),
        )
    # Only the model's quoted names and placeholders are formatted in; values are
    # parameters.
    sql = "INSERT INTO {} ({}) VALUES {} ON CONFLICT DO NOTHING".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(quote(meta.get_field(name).column) for name in names),
        ", ".join([row] * len(events)),
    )
    return sql, params


def _update_sql(
    progress: LessonProgress, *, version: int, now: dt.datetime, source: str = ""
):
    """Save the merged columns only if the row is still at ``version``
    (``source``: a ``FROM`` clause to join, see save_if_unchanged)."""
    meta = LessonProgress._meta
    quote = connection.ops.quote_name
    assignments = ", ".join(
        f"{quote(meta.get_field(name).column)} = %s" for name in MERGED_FIELDS
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments}, "  # noqa: S608
        f"{quote('version')} = %s, {quote('updated_at')} = %s "
        f"{source}WHERE {quote('id')} = %s AND {quote('version')} = %s"
    )
    params = [
        *_prepared(LessonProgress, MERGED_FIELDS, progress),
        version + 1,
        meta.get_field("updated_at").get_db_prep_save(now, connection),
        progress.pk,
        version,
    ]
    return sql, params


def insert_events(progress_id: int, events, *, now: dt.datetime) -> None:
    """Store events of one progress row; those already stored are skipped."""
    if events:
        with connection.cursor() as cursor:
            cursor.execute(*_insert_events_sql(progress_id, events, now=now))


def save_if_unchanged(
    progress: LessonProgress, events, *, version: int, now: dt.datetime
) -> bool:
    """Store ``events`` and save the merged ``progress`` if nobody wrote the row
    since it was read at ``version``; False (events stored, row untouched) if
    somebody did. No transaction: the events are stored either way, which is
    harmless (a retried batch skips them) and is the record a merge is built from.

    On PostgreSQL both go in one statement (a data-modifying WITH), elsewhere in
    two; bulk_create and QuerySet.update would add a BEGIN/COMMIT and a statement.
    With SATCHEL_PROGRESS_ASYNC_HEARTBEATS the statement also turns
    ``synchronous_commit`` off for its own transaction (``set_config(..., true)``):
    waiting for the disk was two thirds of a heartbeat's time, and what a crash of
    the database could lose in that fraction of a second, the next heartbeat of the
    session sends again (played ranges are cumulative). Starts and completions are
    not written here, so they are always durable.
    """
    postgres = connection.vendor == "postgresql"
    asynchronous = postgres and settings.SATCHEL_PROGRESS_ASYNC_HEARTBEATS
    insert_sql, insert_params = _insert_events_sql(progress.pk, events, now=now)
    update_sql, update_params = _update_sql(
        progress,
        version=version,
        now=now,
        source="FROM heartbeat " if asynchronous else "",
    )
    with connection.cursor() as cursor:
        if postgres:
            heartbeat = (
                "heartbeat AS (SELECT set_config('synchronous_commit', 'off', true)), "
                if asynchronous
                else ""
            )
            cursor.execute(
                f"WITH {heartbeat}stored AS ({insert_sql}) {update_sql}",
                insert_params + update_params,
            )
        else:
            cursor.execute(insert_sql, insert_params)
            cursor.execute(update_sql, update_params)
        saved = cursor.rowcount == 1
    if saved:
        progress.version = version + 1
    return saved
