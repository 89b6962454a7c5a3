"""Two requests at the same moment (a double tap on a phone) on PostgreSQL: the row
locks in quizzes.services let exactly one of them through."""

import threading

import pytest
from django.db import connection
from django.test import Client

from quizzes.models import Attempt
from tests.quizzes.conftest import as_items, keyed, make_quiz, right_answers

pytestmark = pytest.mark.django_db(transaction=True)


def together(requests):
    """Run the callables at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(index, request):
        from django.db import connections

        barrier.wait()
        try:
            results[index] = request()
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises writes)")


def clients_for(member, count):
    clients = []
    for _ in range(count):
        client = Client()
        client.force_login(member.user)
        clients.append(client)
    return clients


def test_a_double_submit_grades_once(postgres_only, member, bank):
    quiz = make_quiz(list(bank.values()))
    first, second = clients_for(member, 2)
    attempt_id = first.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    url = f"/api/v1/quizzes/attempts/{attempt_id}/submit/"
    right = {"answers": as_items(keyed(attempt_id, right_answers(bank)))}

    responses = together(
        [
            lambda: first.post(url, right, content_type="application/json"),
            lambda: second.post(url, {}, content_type="application/json"),
        ]
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).json()
    assert Attempt.objects.get(pk=attempt_id).score == float(winner["score"])


def test_simultaneous_starts_never_exceed_the_maximum(postgres_only, member, bank):
    quiz = make_quiz(list(bank.values()), max_attempts=1)
    clients = clients_for(member, 4)

    responses = together(
        [lambda c=c: c.post(f"/api/v1/quizzes/{quiz.pk}/attempts/") for c in clients]
    )

    assert Attempt.objects.filter(quiz=quiz).count() == 1
    ids = {r.json()["id"] for r in responses if r.status_code in (200, 201)}
    assert len(ids) == 1
    assert all(r.status_code in (200, 201, 409) for r in responses)
