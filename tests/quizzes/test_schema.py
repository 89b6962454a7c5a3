import pytest

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    ("/api/v1/quizzes/{quiz_id}/", "get"): {"200", "403", "404"},
    ("/api/v1/quizzes/{quiz_id}/attempts/", "post"): {
        "200",
        "201",
        "400",
        "403",
        "404",
        "409",
    },
    ("/api/v1/quizzes/{quiz_id}/statistics/", "get"): {"200", "403", "404"},
    ("/api/v1/quizzes/attempts/{attempt_id}/", "get"): {"200", "403", "404"},
    ("/api/v1/quizzes/attempts/{attempt_id}/answers/", "put"): {
        "200",
        "400",
        "403",
        "404",
        "409",
    },
    ("/api/v1/quizzes/attempts/{attempt_id}/submit/", "post"): {
        "200",
        "400",
        "403",
        "404",
        "409",
    },
}


def test_every_quiz_endpoint_is_in_the_schema_with_its_errors(client, member):
    client.force_login(member.user)

    schema = client.get("/api/v1/schema/?format=json").json()

    for (path, method), statuses in ENDPOINTS.items():
        assert set(schema["paths"][path][method]["responses"]) == statuses, path


def test_the_schema_documents_no_answer_fields_as_required(client, member):
    client.force_login(member.user)

    schema = client.get("/api/v1/schema/?format=json").json()

    question = schema["components"]["schemas"]["QuestionOutput"]
    assert set(question["required"]) == {
        "id",
        "position",
        "kind",
        "text",
        "choices",
        "response",
    }
