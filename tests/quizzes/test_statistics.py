import pytest

from quizzes.models import Quiz
from quizzes.services import attempt_start, attempt_submit
from tests.quizzes.conftest import choice_id, make_member, right_answers

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def take(quiz, member, answers):
    attempt, _ = attempt_start(quiz=quiz, member=member)
    return attempt_submit(attempt=attempt, answers=answers)


@pytest.fixture
def results(quiz, bank, member, other_member):
    """In branch 1: a pass (100%) and a fail (25%); in branch 2: a fail (50%)."""
    right = right_answers(bank)
    take(quiz, member, right)
    wrong_single = choice_id(bank["single"], "中央委员会")
    take(
        quiz,
        member,
        {
            bank["single"].pk: wrong_single,
            bank["true_false"].pk: False,
            bank["fill_blank"].pk: "群众",
            bank["multiple"].pk: right[bank["multiple"].pk],
        },
    )
    take(
        quiz,
        other_member,
        {
            bank["single"].pk: wrong_single,
            bank["true_false"].pk: True,
            bank["fill_blank"].pk: "ＱＵＮＺＨＯＮＧ",
            bank["multiple"].pk: right[bank["multiple"].pk],
        },
    )
    return quiz


def stats(client, quiz):
    return client.get(f"/api/v1/quizzes/{quiz.pk}/statistics/", **EN)


def test_editors_see_every_members_results(client, editor, results, bank):
    client.force_login(editor)

    body = stats(client, results).json()

    assert body["attempts"] == 3
    assert body["members"] == 2
    assert body["passed"] == 1
    assert body["members_passed"] == 1
    assert body["pass_rate"] == "33.3"
    assert body["average_score"] == "58.3"
    rows = {row["id"]: row for row in body["questions"]}
    single = rows[bank["single"].pk]
    assert (single["answered"], single["correct"]) == (3, 1)
    assert single["correct_share"] == "33.3"
    assert single["most_common_wrong_answer"] == "中央委员会"
    assert single["most_common_wrong_count"] == 2
    assert rows[bank["multiple"].pk]["most_common_wrong_answer"] is None
    assert rows[bank["true_false"].pk]["most_common_wrong_answer"] == "False"
    assert rows[bank["fill_blank"].pk]["correct"] == 1


def test_organisers_see_only_members_in_their_scope(client, organiser, results):
    client.force_login(organiser)

    body = stats(client, results).json()

    assert body["attempts"] == 2
    assert body["members"] == 1
    assert body["average_score"] == "62.5"


def test_members_and_helpers_are_refused_statistics(client, member, results):
    client.force_login(member.user)

    response = stats(client, results)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_organiser_statistics_page_is_scoped(client, organiser, results):
    client.force_login(organiser)

    page = client.get(f"/quizzes/{results.pk}/statistics/", **EN)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-stat="attempts">2<' in html
    assert "Members in your organisations only" in html


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Only editors and organisers may see quiz statistics."),
        ("zh-hans", "只有编辑和组织管理员可以查看测验统计。"),
    ],
)
@pytest.mark.parametrize("path", ["/quizzes/statistics/", "/quizzes/{}/statistics/"])
def test_a_member_is_refused_statistics_on_the_sites_page_in_their_language(
    client, member, results, path, language, message
):
    client.force_login(member.user)

    response = client.get(path.format(results.pk), HTTP_ACCEPT_LANGUAGE=language)

    # the site's own page (viewport, navigation) saying why, not a bare "403 Forbidden"
    html = response.content.decode()
    assert response.status_code == 403
    assert f'<html lang="{language}">' in html
    assert '<meta name="viewport"' in html
    assert 'class="top"' in html
    assert message in html
    assert "403 Forbidden" not in html


def test_editors_statistics_in_the_admin(client, editor, results):
    client.force_login(editor)

    page = client.get(f"/admin/quizzes/tools/{results.pk}/statistics/", **EN)

    assert page.status_code == 200
    assert 'data-stat="attempts">3<' in page.content.decode()


def test_statistics_query_count_is_flat(
    client, editor, quiz, bank, branch, django_assert_max_num_queries
):
    # given many members and attempts
    for n in range(15):
        take(quiz, make_member(f"m{n}", branch), right_answers(bank) if n % 2 else {})
    client.force_login(editor)

    # when / then: the same small number of queries as for three attempts
    with django_assert_max_num_queries(12):
        api = stats(client, quiz)
    with django_assert_max_num_queries(14):
        page = client.get(f"/quizzes/{quiz.pk}/statistics/")
    assert api.json()["attempts"] == 15
    assert page.status_code == 200


def test_unknown_quiz_statistics_are_not_found(client, editor):
    client.force_login(editor)

    assert stats(client, Quiz(pk=999)).status_code == 404


def test_members_passed_follows_the_attempt_that_counts(client, editor, results):
    # wang passed then failed; li failed: under "last" nobody's counted attempt passed
    client.force_login(editor)
    results.counting = "last"
    results.save()

    body = stats(client, results).json()

    assert body["passed"] == 1
    assert body["members_passed"] == 0


def test_organisers_list_quizzes_with_attempts_in_their_scope(
    client, organiser, results, django_assert_max_num_queries
):
    client.force_login(organiser)

    with django_assert_max_num_queries(8):
        page = client.get("/quizzes/statistics/", **EN)

    html = page.content.decode()
    assert page.status_code == 200
    assert "第一课测验" in html
    assert "2 submitted attempts" in html
    assert f"/quizzes/{results.pk}/statistics/" in html


def test_members_cannot_list_quiz_statistics(client, member, results):
    client.force_login(member.user)

    assert client.get("/quizzes/statistics/").status_code == 403


def test_the_statistics_link_is_offered_to_editors_and_organisers_only(
    rf, editor, organiser, member
):
    from django.template import Context, Template

    template = Template("{% load quizzes_tags %}{% quiz_statistics_allowed %}")

    def allowed(user):
        request = rf.get("/")
        request.user = user
        return template.render(Context({"request": request}))

    assert [allowed(editor), allowed(organiser), allowed(member.user)] == [
        "True",
        "True",
        "False",
    ]
