"""Progress ingestion benchmark: POST /api/v1/progress/ (a batch of 4 events) under
gunicorn on PostgreSQL, side by side with a trivial authenticated JSON view on the
same server in the same run; then checks that no event was lost or counted twice.

    .venv/bin/python bench/progress/run.py            # full run
    .venv/bin/python bench/progress/run.py --quick    # smoke run

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); uses (and recreates)
the database satchel_bench_progress. Load goes to 127.0.0.1 only, bounded in count.
"""

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DB_NAME = "satchel_bench_progress"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
CSRF = "benchcsrftokenbenchcsrftoken1234"  # 32 characters: a valid CSRF secret
EVENTS_PER_BATCH = 4


def environment(var_dir: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "CONN_MAX_AGE": "600",
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}",
        "SATCHEL_VAR_DIR": var_dir,
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        connection.execute(f"CREATE DATABASE {DB_NAME}")


def seed(clients: int) -> tuple[int, list[str]]:
    """A lesson with a one-hour lecture and one logged-in member per client."""
    import django

    django.setup()
    from django.test import Client
    from wagtail.models import Page

    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from media_pipeline.models import Lecture, LectureStatus
    from members.services import member_create, organisation_create
    from tests.factories import make_user

    root = Page.get_first_root_node()
    home = root.add_child(instance=CourseIndexPage(title="学习园地", slug="bench"))
    course = home.add_child(instance=CoursePage(title="课程", slug="course"))
    lecture = Lecture.objects.create(
        title="讲座",
        file="media/x.mp4",
        type="video",
        duration=3600,
        status=LectureStatus.READY,
    )
    lesson = course.add_child(
        instance=LessonPage(
            title="第一课", slug="one", body=[("lecture", {"lecture": lecture})]
        )
    )
    branch = organisation_create(name="支部", kind="branch", code="BENCH")
    sessions = []
    for n in range(clients):
        user = make_user(f"bench{n}")
        member_create(
            name=f"成员{n}", phone=f"139{n:08d}", home_organisation=branch, user=user
        )
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    return lesson.pk, sessions


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def client_run(args) -> tuple[int, float, list[int]]:
    """One keep-alive connection sending ``count`` requests; returns (events sent,
    seconds, status codes)."""
    port, target, session, lesson, count, offset = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Content-Type": "application/json",
        "Cookie": f"sessionid={session}; csrftoken={CSRF}",
        "X-CSRFToken": CSRF,
    }
    start_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    statuses = []
    sent = 0
    began = time.perf_counter()
    for k in range(count):
        events = []
        for j in range(EVENTS_PER_BATCH):
            step = offset + k * EVENTS_PER_BATCH + j
            events.append(
                {
                    "id": str(uuid.uuid4()),
                    "lesson": lesson,
                    "session": "bench",
                    "at": (start_at + dt.timedelta(seconds=step)).isoformat(),
                    "position": step * 0.5,
                    "played": [[0, step * 0.5]],
                    "rate": 1,
                }
            )
        path = "/api/v1/progress/" if target == "progress" else "/bench/trivial/"
        connection.request("POST", path, json.dumps({"events": events}), headers)
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
        if target == "progress" and response.status == 200:
            sent += EVENTS_PER_BATCH
    seconds = time.perf_counter() - began
    connection.close()
    return sent, seconds, statuses


def measure(pool, port, target, sessions, lesson, count, offsets):
    began = time.perf_counter()
    results = pool.map(
        client_run,
        [
            (port, target, session, lesson, count, offsets[i])
            for i, session in enumerate(sessions)
        ],
    )
    wall = time.perf_counter() - began
    statuses = [code for _, _, codes in results for code in codes]
    return len(statuses) / wall, statuses, [sent for sent, _, _ in results]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, help="per client and round")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    per_client = args.requests or (50 if args.quick else 300)
    rounds = args.rounds or (1 if args.quick else 3)

    var_dir = tempfile.mkdtemp(prefix="bench-progress-")
    env = environment(var_dir)
    os.environ.update(env)
    sys.path[:0] = [str(HERE), str(ROOT)]
    recreate_database()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    lesson, sessions = seed(args.clients)
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        rates = {"trivial": [], "progress": []}
        sent = [0] * len(sessions)
        with multiprocessing.Pool(len(sessions)) as pool:
            # warm-up: connections, imports, caches
            measure(pool, port, "trivial", sessions, lesson, 5, [0] * len(sessions))
            for _ in range(rounds):
                for target in ("trivial", "progress"):
                    rate, statuses, counts = measure(
                        pool, port, target, sessions, lesson, per_client, sent
                    )
                    bad = [code for code in statuses if code != 200]
                    if bad:
                        print(f"{target}: {len(bad)} non-200 responses: {set(bad)}")
                        return 1
                    rates[target].append(rate)
                    if target == "progress":
                        sent = [a + b for a, b in zip(sent, counts, strict=True)]
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)  # a loaded machine takes a while
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    from courses.models import LessonProgress, ProgressEvent

    problems = []
    for n, count in enumerate(sent):
        progress = LessonProgress.objects.get(member__user__username=f"bench{n}")
        stored = ProgressEvent.objects.filter(progress=progress).count()
        last = (count - 1) * 0.5
        if stored != count:
            problems.append(f"bench{n}: sent {count} events, stored {stored}")
        if progress.watched != [[0, last]]:
            problems.append(f"bench{n}: watched {progress.watched}, not [[0, {last}]]")
    trivial = sorted(rates["trivial"])[len(rates["trivial"]) // 2]
    ingest = sorted(rates["progress"])[len(rates["progress"]) // 2]
    result = {
        "clients": args.clients,
        "gunicorn_workers": args.workers,
        "requests_per_client_per_round": per_client,
        "rounds": rounds,
        "trivial_rps": [round(r, 1) for r in rates["trivial"]],
        "progress_rps": [round(r, 1) for r in rates["progress"]],
        "median_ratio": round(ingest / trivial, 3),
        "events_sent": sum(sent),
        "problems": problems,
    }
    print(json.dumps(result, indent=2))
    name = "results-quick.json" if args.quick else "results.json"
    (HERE / name).write_text(json.dumps(result, indent=2) + "\n")
    ok = not problems and ingest >= 0.5 * trivial
    print(
        f"progress {ingest:.0f} req/s vs trivial {trivial:.0f} req/s "
        f"= {ingest / trivial:.0%} (target >= 50%); "
        f"{'no event lost or double-counted' if not problems else 'PROBLEMS'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
