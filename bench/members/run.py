"""bench/members: "members in my scope" for a branch, a county and a province organiser.

Generates (set-based SQL, ``INSERT ... SELECT generate_series``) a province of
2,000,000 members in about 100,000 organisations into its own PostgreSQL database,
then times, through the same selector the admin screens and the API use:

* the first page of 50 members (ordered by name, as the screens show them), and
* the total count,

for an organiser at each level, and records the EXPLAIN ANALYZE plans.

    .venv/bin/python bench/members/run.py          # 2,000,000 members (minutes)
    .venv/bin/python bench/members/run.py --quick  # ~20,000 members, a smoke run

Data is kept between runs (it is regenerated only when the row counts differ);
``--fresh`` drops the database first. Results go to bench/members/results-*.md.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")

# Fan-out under the province: cities, counties per city, townships per county,
# branches per township. Full: 1 + 14 + 140 + 1,400 + 98,000 = 99,555 organisations.
FULL = {"fanout": [14, 10, 10, 70], "members": 2_000_000, "db": "satchel_bench_members"}
QUICK = {"fanout": [4, 5, 5, 9], "members": 20_000, "db": "satchel_bench_members_quick"}
KINDS = ["city", "county", "township", "branch"]
REPEAT = 7


def psql(database: str, sql: str) -> None:
    subprocess.run(
        ["psql", f"{SERVER}/{database}", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
    )


def ensure_database(name: str, fresh: bool) -> None:
    if fresh:
        psql("postgres", f"DROP DATABASE IF EXISTS {name}")
    exists = subprocess.run(
        [
            "psql",
            f"{SERVER}/postgres",
            "-tAc",
            # name is one of our two constants, never user input
            f"SELECT 1 FROM pg_database WHERE datname='{name}'",  # noqa: S608
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        psql("postgres", f"CREATE DATABASE {name}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True
    )


GENERATE = """
CREATE OR REPLACE FUNCTION pg_temp.b36(n bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  -- treebeard's MP_Node path step: 4 base-36 digits
  SELECT string_agg(substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                           ((n / (36 ^ (3 - i))::bigint) % 36)::int + 1, 1),
                    '' ORDER BY i)
  FROM generate_series(0, 3) AS i
$$;
TRUNCATE members_contactrecord, members_pairing, members_registration,
  members_mobilityrecord, members_organiserrole, members_member, members_organisation
  RESTART IDENTITY CASCADE;
DELETE FROM auth_user WHERE username LIKE 'bench%';
INSERT INTO members_organisation (path, depth, numchild, name, kind, code)
VALUES ('0001', 1, {fanout0}, '基准省', 'province', 'BENCH');
"""

LEVEL = """
INSERT INTO members_organisation (path, depth, numchild, name, kind, code)
SELECT p.path || pg_temp.b36(g), {depth}, {numchild},
       p.name || '{label}' || g, '{kind}', p.code || '-' || g
FROM members_organisation p, generate_series(1, {fanout}) AS g
WHERE p.depth = {parent_depth};
"""

MEMBERS = """
CREATE TEMP TABLE branches AS
  SELECT row_number() OVER (ORDER BY id) AS rn, id, path
  FROM members_organisation WHERE depth = 5;
CREATE UNIQUE INDEX ON branches (rn);
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                       email, is_staff, is_active, date_joined)
SELECT '!', false, 'bench' || g, '', '', '', false, true, now()
FROM generate_series(1, {members}) AS g;
WITH u AS (
  SELECT id, row_number() OVER (ORDER BY id) AS n
  FROM auth_user WHERE username LIKE 'bench%'
), nb AS (SELECT count(*) AS c FROM branches)
INSERT INTO members_member (user_id, name, phone, home_organisation_id, home_path,
  host_organisation_id, host_path, mobility_status, whereabouts, note, created_at)
SELECT u.id,
  ({surnames})[1 + u.n % 20]
  || ({given1})[1 + (u.n / 20) % 20]
  || ({given2})[1 + (u.n / 400) % 20],
  (13000000000 + u.n)::text,
  b.id, b.path,
  h.id, coalesce(h.path, ''),
  CASE WHEN u.n % 100 < 3 THEN 'inflow'
       WHEN u.n % 100 < 8 THEN 'outflow'
       ELSE 'local' END,
  '', '', now()
FROM u CROSS JOIN nb
JOIN branches b ON b.rn = 1 + (u.n * 2654435761) % nb.c
LEFT JOIN branches h ON u.n % 100 < 3 AND h.rn = 1 + (u.n * 40503 + 7) % nb.c;
"""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN1 = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
GIVEN2 = "华英文玉兰红斌鹏飞宇浩凯健俊帆辉刚建国林"


def sql_array(chars: str) -> str:
    return "ARRAY[" + ",".join(f"'{c}'" for c in chars) + "]"


ROLES = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                       email, is_staff, is_active, date_joined)
SELECT '!', false, 'bench_' || level, '', '', '', true, true, now()
FROM unnest(ARRAY['branch', 'county', 'province']) AS level;
INSERT INTO members_organiserrole (user_id, organisation_id, created_at)
SELECT u.id, o.id, now() FROM auth_user u
JOIN members_organisation o ON o.id = (
  SELECT id FROM members_organisation
  WHERE depth = CASE u.username WHEN 'bench_branch' THEN 5
                                WHEN 'bench_county' THEN 3 ELSE 1 END
  ORDER BY path LIMIT 1)
WHERE u.username IN ('bench_branch', 'bench_county', 'bench_province');
"""


def generate(db: str, config: dict) -> float:
    started = time.perf_counter()
    fanout = config["fanout"]
    sql = GENERATE.format(fanout0=fanout[0])
    labels = ["市", "县", "镇", "支部"]
    for level, (count, kind) in enumerate(zip(fanout, KINDS, strict=True)):
        numchild = fanout[level + 1] if level + 1 < len(fanout) else 0
        sql += LEVEL.format(
            depth=level + 2,
            parent_depth=level + 1,
            numchild=numchild,
            fanout=count,
            kind=kind,
            label=labels[level],
        )
    sql += (
        MEMBERS.format(
            members=config["members"],
            surnames=sql_array(SURNAMES),
            given1=sql_array(GIVEN1),
            given2=sql_array(GIVEN2),
        )
        + ROLES
    )
    psql(db, sql)
    psql(db, "VACUUM ANALYZE")
    return time.perf_counter() - started


def measure(config: dict) -> str:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.models import Member, Organisation
    from members.scoping import members_in_scope
    from members.selectors import (
        NARROW_SCOPE,
        member_list_page,
        members_for_organiser,
    )

    User = get_user_model()
    lines = [
        f"members: {Member.objects.count():,}; organisations: "
        f"{Organisation.objects.count():,}; PostgreSQL "
        f"{connection.cursor().connection.info.server_version}",
        "",
        "| organiser | members in scope | page strategy "
        "| first page of 50 (median / max ms) | total count (median / max ms) |",
        "|---|---|---|---|---|",
    ]
    plans = []
    for level in ("branch", "county", "province"):

        def user(level=level):
            # A fresh user per call, as each request has: the scope lookup is
            # part of what we measure.
            return User.objects.get(username=f"bench_{level}")

        def count():
            return members_in_scope(user()).count()

        total = count()

        def first_page(total=total):
            # What the admin list and the API do for page 1 once the paginator
            # has counted (the count is timed separately).
            u = user()
            return member_list_page(
                u, members_for_organiser(u), offset=0, limit=50, total=total
            )

        timings = {}
        for name, fn in (("page", first_page), ("count", count)):
            fn()  # warm the cache and the connection
            runs = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                fn()
                runs.append((time.perf_counter() - started) * 1000)
            timings[name] = (statistics.median(runs), max(runs))
        strategy = "name index" if total > NARROW_SCOPE else "covering indexes"
        lines.append(
            f"| {level} | {total:,} | {strategy} "
            f"| {timings['page'][0]:.1f} / {timings['page'][1]:.1f} "
            f"| {timings['count'][0]:.1f} / {timings['count'][1]:.1f} |"
        )
        with CaptureQueriesContext(connection) as captured:
            first_page()
        for query in captured.captured_queries:
            sql = query["sql"]
            if "members_member" not in sql:
                continue  # the user and role look-ups
            with connection.cursor() as cursor:
                # sql is what Django just ran against our own bench database
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append(
                f"### {level}: first page\n\n```sql\n{sql}\n```\n\n```\n{plan}\n```\n"
            )
        # What .count() runs: SELECT COUNT(*) over the scope filter, no ordering.
        sql, params = (
            members_in_scope(user()).order_by().values("pk").query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                # sql is Django's own compiled query, parameters stay separate
                f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({sql}) AS s",  # noqa: S608
                params,
            )
            count_plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append(f"### {level}: count\n\n```\n{count_plan}\n```\n")
    return "\n".join(lines) + "\n\n## Plans\n\n" + "\n".join(plans)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~20,000 members")
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    args = parser.parse_args()
    os.nice(10)
    config = QUICK if args.quick else FULL
    db = config["db"]
    os.environ["DATABASE_URL"] = f"{SERVER}/{db}"
    os.environ.setdefault(
        "SATCHEL_VAR_DIR", str(Path(tempfile.gettempdir()) / "satchel-bench-members")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    ensure_database(db, args.fresh)
    have = subprocess.run(
        ["psql", f"{SERVER}/{db}", "-tAc", "SELECT count(*) FROM members_member"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    note = f"reused {int(have):,} existing members"
    if int(have) != config["members"]:
        seconds = generate(db, config)
        note = f"generated in {seconds:.0f} s"
    print(f"data: {note}", flush=True)
    report = measure(config)
    print(report.split("## Plans")[0])
    name = "quick" if args.quick else "full"
    (HERE / f"results-{name}.md").write_text(
        f"# bench/members results ({name}; data {note})\n\n{report}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
