"""Quizzes benchmark (issue 6): what a member waits for, and statistics at scale.

    .venv/bin/python bench/quizzes/run.py            # 10,000 attempts of 20 questions
    .venv/bin/python bench/quizzes/run.py --quick    # 500 attempts

Set DATABASE_URL to run on PostgreSQL (a database the run may fill); the default is a
fresh SQLite file in a temporary folder.

1. Member requests through Django's test client with session auth, medians of
   ``--repeat`` runs: start an attempt (20 questions drawn at random from a tagged
   pool of 200), save one answer, submit all 20 answers (grading).
2. ``GET /api/v1/quizzes/<id>/statistics/`` as an editor over N submitted attempts
   (N x 20 answer rows): wall time and the number of queries.

Targets: start, save and submit each under 100 ms; statistics over 10,000 attempts
(200,000 answers) under 1 s, with the same number of queries as over 10.
"""

import argparse
import json
import os
import random
import statistics as stats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SATCHEL_VAR_DIR", tempfile.mkdtemp(prefix="bench-quizzes-"))
os.environ.setdefault(
    "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

POOL = 200
DRAWN = 20


def setup():
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from members.models import Organisation
    from members.services import member_create, organisation_create
    from quizzes.models import Choice, Question, Quiz

    suffix = random.randrange(10**8)
    branch = organisation_create(
        name="基准支部", kind=Organisation.Kind.BRANCH, code=f"b{suffix}"
    )
    users = get_user_model().objects
    member_user = users.create_user(username=f"bench-member-{suffix}")
    member = member_create(
        name="基准",
        phone=f"137{suffix:08d}",
        home_organisation=branch,
        user=member_user,
    )
    editor = users.create_user(username=f"bench-editor-{suffix}", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    tag = f"基准{suffix}"
    for n in range(POOL):
        question = Question.objects.create(kind="single", text=f"基准题{n}")
        Choice.objects.bulk_create(
            Choice(question=question, text=f"选项{i}", is_correct=i == 0, sort_order=i)
            for i in range(4)
        )
        question.tags.add(tag)
        question.save()
    quiz = Quiz.objects.create(title=f"基准测验{suffix}", draw_count=DRAWN, live=False)
    quiz.draw_tags.add(tag)
    quiz.save()
    quiz.save_revision().publish()
    return quiz, member, editor


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def member_requests(quiz, member, repeat):
    client = Client()
    client.force_login(member.user)
    timings = {"start": [], "save one answer": [], "submit 20 answers": []}
    for _ in range(repeat):
        ms, response = timed(client.post, f"/api/v1/quizzes/{quiz.pk}/attempts/")
        assert response.status_code == 201, response.content
        timings["start"].append(ms)
        attempt = response.json()
        first = attempt["questions"][0]
        one = [{"question": first["id"], "response": first["choices"][0]["key"]}]
        ms, response = timed(
            client.put,
            f"/api/v1/quizzes/attempts/{attempt['id']}/answers/",
            {"answers": one},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        timings["save one answer"].append(ms)
        answers = [
            {"question": q["id"], "response": random.choice(q["choices"])["key"]}
            for q in attempt["questions"]
        ]
        ms, response = timed(
            client.post,
            f"/api/v1/quizzes/attempts/{attempt['id']}/submit/",
            {"answers": answers},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        timings["submit 20 answers"].append(ms)
    return {name: round(stats.median(values), 1) for name, values in timings.items()}


def fill_attempts(quiz, count):
    """Submitted attempts written in bulk (as grading leaves them), one per member."""
    from members.models import Member
    from quizzes.models import Answer, Attempt, Choice, QuizQuestion  # noqa: F401
    from quizzes.services import quiz_pool

    pool = quiz_pool(quiz=quiz)
    choices = {}
    for question_id, pk, correct in Choice.objects.filter(
        question__in=pool
    ).values_list("question_id", "pk", "is_correct"):
        choices.setdefault(question_id, []).append((pk, correct))
    template = Member.objects.first()
    phones = random.randrange(10**7)
    members = Member.objects.bulk_create(
        Member(
            user=_user(n),
            name=f"m{n}",
            phone=f"135{phones + n:08d}",
            home_organisation_id=template.home_organisation_id,
            home_path=template.home_path,
        )
        for n in range(count)
    )
    now = timezone.now()
    for start in range(0, count, 1000):
        attempts, answers = [], []
        for member in members[start : start + 1000]:
            drawn = random.sample(pool, DRAWN)
            picked = [random.choice(choices[q.pk]) for q in drawn]
            correct = sum(ok for _, ok in picked)
            attempts.append(
                Attempt(
                    quiz=quiz,
                    member=member,
                    number=1,
                    started_at=now,
                    submitted_at=now,
                    question_count=DRAWN,
                    correct_count=correct,
                    score=100 * correct / DRAWN,
                    passed=correct * 100 / DRAWN >= 60,
                    draw=[{"question": q.pk, "choices": []} for q in drawn],
                )
            )
            answers.append(list(zip(drawn, picked, strict=True)))
        Attempt.objects.bulk_create(attempts)
        Answer.objects.bulk_create(
            Answer(
                attempt=attempt,
                question=question,
                position=i,
                response=pk,
                response_key=str(pk),
                is_correct=ok,
                answered_at=now,
            )
            for attempt, rows in zip(attempts, answers, strict=True)
            for i, (question, (pk, ok)) in enumerate(rows)
        )


_users = []


def _user(n):
    from django.contrib.auth import get_user_model

    if not _users:
        suffix = random.randrange(10**8)
        _users.extend(
            get_user_model().objects.bulk_create(
                get_user_model()(username=f"bench-{suffix}-{i}")
                for i in range(_user.count)
            )
        )
    return _users[n]


def statistics_request(quiz, editor, repeat):
    client = Client()
    client.force_login(editor)
    url = f"/api/v1/quizzes/{quiz.pk}/statistics/"
    client.get(url)  # warm caches
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            ms, response = timed(client.get, url)
        assert response.status_code == 200
        timings.append(ms)
    return round(stats.median(timings), 1), len(queries), response.json()["attempts"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    attempts = 500 if args.quick else 10_000
    repeat = 3 if args.quick else 15
    quiz, member, editor = setup()
    results = {"database": connection.vendor}
    results["member requests (median ms)"] = member_requests(quiz, member, repeat)
    _user.count = attempts
    fill_attempts(quiz, attempts)
    ms, queries, counted = statistics_request(quiz, editor, repeat=3)
    results[f"statistics over {counted} attempts"] = {"ms": ms, "queries": queries}
    print(json.dumps(results, ensure_ascii=False, indent=2))
    out = Path(__file__).with_name(f"results-{connection.vendor}.json")
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
