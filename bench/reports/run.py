"""bench/reports: the completion report, drill-down and county export at scale.

Builds (set-based SQL; the organisation tree, members and organiser roles come from
bench/members' generator, imported, not copied) a province of 2,000,000 members in
about 100,000 organisations, a course of 10 lessons, a campaign over it targeting
the province, and realistic progress (about 30% not started, 25% complete, the rest
part-way), then runs ``rollups_rebuild`` and times, through the real site views
(Django test client, PostgreSQL):

* the report page and the drill-down member list (first page) for a province,
  city, county and branch organiser, with their query counts;
* the XLSX export of a county (streamed), with its peak RSS.

    .venv/bin/python bench/reports/run.py          # 2,000,000 members (long)
    .venv/bin/python bench/reports/run.py --quick  # ~20,000 members, a smoke run
    .venv/bin/python bench/reports/run.py --members 200000  # growth point

Results are written to bench/reports/results-<members>-<export>-export.md.
"""

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
REPEAT = 5

_spec = importlib.util.spec_from_file_location(
    "bench_members", ROOT / "bench" / "members" / "run.py"
)
members_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(members_bench)

# What the member list's search columns look for: one of the generator's 8,000
# names, and the last digits of one member's phone.
SEARCH_NAME = "".join(
    (members_bench.SURNAMES[3], members_bench.GIVEN1[5], members_bench.GIVEN2[7])
)
SEARCH_DIGITS = "1234567"

PROGRESS = """
-- Per member n: k = lessons touched (0..10), every touched lesson complete except
-- the last when the member is part-way. Roughly 30% untouched, 25% complete.
CREATE TEMP TABLE lessons AS
  SELECT row_number() OVER (ORDER BY path) AS i, page_ptr_id AS id
  FROM courses_lessonpage JOIN wagtailcore_page p ON p.id = page_ptr_id
  WHERE p.path LIKE '{course_path}%';
CREATE TEMP TABLE plan AS
  SELECT m.id AS member_id,
         CASE WHEN h % 100 < 30 THEN 0 WHEN h % 100 < 55 THEN 10
              ELSE 1 + h % 9 END AS k,
         h % 100 >= 30 AND h % 100 < 55 AS full
  FROM (SELECT id, (id * 2654435761) % 1000003 AS h FROM members_member) m;
INSERT INTO courses_lessonprogress (member_id, lesson_id, watched, sessions,
  seconds_watched, position, position_at, position_event, status, started_at,
  completed_at, completed_via, hours_credited, updated_at, version)
SELECT p.member_id, l.id, '[]', '{{}}', 600, 600, NULL, '',
  CASE WHEN l.i < p.k OR p.full THEN 'completed' ELSE 'in_progress' END,
  now() - ((p.member_id % 80) || ' days')::interval,
  CASE WHEN l.i < p.k OR p.full
       THEN now() - ((p.member_id % 80) || ' days')::interval
            + (l.i || ' hours')::interval END,
  CASE WHEN l.i < p.k OR p.full
       THEN (CASE WHEN p.member_id % 17 = 0 THEN 'in_person' ELSE 'online' END)
       ELSE '' END,
  CASE WHEN l.i < p.k OR p.full THEN 0.5 ELSE 0 END,
  now() - ((p.member_id % 80) || ' days')::interval, 0
FROM plan p JOIN lessons l ON l.i <= p.k;
"""

ROLES = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                       email, is_staff, is_active, date_joined)
VALUES ('!', false, 'bench_city', '', '', '', true, true, now())
ON CONFLICT (username) DO NOTHING;
INSERT INTO members_organiserrole (user_id, organisation_id, created_at)
SELECT u.id, (SELECT id FROM members_organisation WHERE depth = 2 ORDER BY path
              LIMIT 1), now()
FROM auth_user u WHERE u.username = 'bench_city'
ON CONFLICT DO NOTHING;
"""


def build(db: str, config: dict, *, keep_members: bool = False) -> dict:
    timings = {}
    if not keep_members:
        started = time.perf_counter()
        members_bench.generate(db, config)
        members_bench.psql(db, ROLES)
        timings["members and tree (s)"] = time.perf_counter() - started
    import django

    django.setup()
    from wagtail.models import Page

    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from courses.reporting.models import Campaign, CampaignCourse
    from members.models import Organisation

    Campaign.objects.all().delete()
    CoursePage.objects.all().delete()
    home = CourseIndexPage.objects.first()
    if home is None:
        home = Page.get_first_root_node().add_child(
            instance=CourseIndexPage(title="学习园地", slug="bench-home")
        )
    course = home.add_child(instance=CoursePage(title="主题教育课程", slug="bench"))
    for i in range(10):
        course.add_child(
            instance=LessonPage(
                title=f"第{i + 1}课", slug=f"l{i + 1}", body=[], study_hours=0.5
            )
        )
    campaign = Campaign.objects.create(
        name="主题教育", starts_on="2026-01-01", ends_on="2026-12-31"
    )
    campaign.organisations.set([Organisation.get_root_nodes().first()])
    campaign.save()  # a ParentalManyToManyField is written on save
    CampaignCourse.objects.create(campaign=campaign, course=course)
    started = time.perf_counter()
    members_bench.psql(db, PROGRESS.format(course_path=course.path))
    members_bench.psql(db, "VACUUM ANALYZE")
    timings["progress rows (s)"] = time.perf_counter() - started
    from courses.reporting.rollups import rollups_rebuild

    started = time.perf_counter()
    rollups_rebuild()
    members_bench.psql(db, "VACUUM ANALYZE")
    timings["rollups_rebuild (s)"] = time.perf_counter() - started
    return timings


def measure(export_levels: list[str]) -> list[str]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from courses.models import LessonProgress
    from courses.reporting.models import Campaign, ProgressRollup
    from members.models import Member, Organisation

    setup_test_environment()  # the test client's "testserver" host
    # Hashed static names need collectstatic; the pages only link the stylesheet.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        }
    ).enable()
    campaign = Campaign.objects.get()
    user_model = get_user_model()
    lines = [
        f"members: {Member.objects.count():,}; organisations: "
        f"{Organisation.objects.count():,}; progress rows: "
        f"{LessonProgress.objects.count():,}; roll-up rows: "
        f"{ProgressRollup.objects.count():,}",
        "",
        "| organiser | report page | member list, first page "
        "| member list, 20th page | member list, in progress, first page "
        "| outflow ledger, first page | inflow ledger, first page "
        "| search, a full name | search, one character | search, phone digits |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for level in ("province", "city", "county", "branch"):
        client = Client()
        client.force_login(user_model.objects.get(username=f"bench_{level}"))
        row = [level]
        members_url = f"/reports/members/?campaign={campaign.pk}"
        for url in (
            f"/reports/?campaign={campaign.pk}",
            members_url,
            later_page(client, members_url, 20),
            members_url + "&status=in_progress",
            # The ledgers: the members app's rule (selectors.members.on_ledger).
            members_url + "&mobility=outflow",
            members_url + "&mobility=inflow",
            # Searches (selectors.members.related_members): a name held by 1 in
            # 8,000 members, a character in 1 in 20 names, a phone's last digits
            # (bench/members' generator: 13000000000 + n).
            members_url + "&q=" + quote(SEARCH_NAME),
            members_url + "&q=" + quote(SEARCH_NAME[1]),
            members_url + "&q=" + SEARCH_DIGITS,
        ):
            client.get(url, HTTP_ACCEPT_LANGUAGE="en")
            runs = []
            for _ in range(REPEAT):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
                    runs.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            row.append(
                f"{statistics.median(runs):.0f} / {max(runs):.0f}, "
                f"{len(queries.captured_queries)}"
            )
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "Cells: median / max ms of 5 runs after a warm-up, queries. The 20th page "
        "is reached through the pager's next links (keyset cursor).",
        "",
    ]
    for level in export_levels:
        lines += [export(level, campaign.pk), ""]
    return lines


def later_page(client, url: str, page: int) -> str:
    """The URL of the ``page``-th page, following the pager's next links."""
    import re

    for _ in range(page - 1):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        found = re.search(r'<a href="([^"]+)" rel="next">', response.content.decode())
        if found is None:
            break
        url = "/reports/members/" + found.group(1).replace("&amp;", "&")
    return url


def export(level: str, campaign_id: int) -> str:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from courses.reporting.models import Campaign
    from courses.reporting.selectors import members_for_report, study_unit

    user = get_user_model().objects.get(username=f"bench_{level}")
    unit = study_unit(campaign=Campaign.objects.get(pk=campaign_id))
    rows = members_for_report(user=user, unit=unit).count()
    client = Client()
    client.force_login(user)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get(
        f"/reports/members/?campaign={campaign_id}&export=xlsx",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (
        f"XLSX export for the {level} organiser: {rows:,} rows, {size / 1e6:.1f} MB "
        f"in {seconds:.1f} s; peak RSS {peak / 1024:.0f} MB "
        f"(before the export {before / 1024:.0f} MB)."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~20,000 members")
    parser.add_argument("--members", type=int, help="members (full tree)")
    parser.add_argument("--fresh", action="store_true", help="drop the database")
    parser.add_argument("--measure-only", action="store_true")
    parser.add_argument(
        "--export", default="county", help="organisers to export, e.g. county,city"
    )
    parser.add_argument(
        "--keep-members",
        action="store_true",
        help="reuse the members and tree already built; redo course, progress, "
        "roll-ups",
    )
    args = parser.parse_args()
    os.nice(10)
    config = dict(members_bench.QUICK if args.quick else members_bench.FULL)
    config["db"] = "satchel_bench_reports" + ("_quick" if args.quick else "")
    if args.members:
        config["members"] = args.members
        # Its own database, so a growth point does not replace the full build.
        config["db"] += f"_{args.members}"
    os.environ["DATABASE_URL"] = f"{members_bench.SERVER}/{config['db']}"
    os.environ.setdefault(
        "SATCHEL_VAR_DIR", str(Path(tempfile.gettempdir()) / "satchel-bench-reports")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.chdir(ROOT)
    lines = [f"# bench/reports, {config['members']:,} members", ""]
    if not args.measure_only:
        if args.keep_members:
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True
            )
        else:
            members_bench.ensure_database(config["db"], args.fresh)
        timings = build(config["db"], config, keep_members=args.keep_members)
        lines += [f"- {name}: {value:.1f}" for name, value in timings.items()]
        lines.append("")
    else:
        import django

        django.setup()
    lines.append(f"load average before measuring: {os.getloadavg()}")
    lines.append("")
    lines += measure(args.export.split(","))
    text = "\n".join(lines) + "\n"
    print(text)
    name = args.export.replace(",", "-")
    (HERE / f"results-{config['members']}-{name}-export.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
