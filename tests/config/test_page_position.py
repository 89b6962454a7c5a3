"""Wagtail's page ordering (``/admin/pages/<id>/set_position/?position=<n>``) with
the root page and bad positions (config/page_position.py)."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Page

from tests.factories import make_home, make_user

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NO_PARENT = "This page has no parent page, so it has no place to move to."
BAD_POSITION = "The position must be a whole number: 0 for the first place."


def set_position(client, page_id, position=None):
    query = "" if position is None else f"?position={position}"
    return client.post(f"/admin/pages/{page_id}/set_position/{query}", **EN)


def sibling_titles():
    return [p.title for p in Page.get_first_root_node().get_children()]


@pytest.fixture
def home():
    """Our home page, after the welcome page Wagtail's migration leaves at the root."""
    return make_home()


@pytest.fixture
def superuser(client):
    client.force_login(make_user("admin", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def editor(client):
    """An editor as our editors are: in Wagtail's Editors group, which may edit
    pages but not publish them, nor so reorder them."""
    user = make_user("editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


@pytest.mark.parametrize("position", ["0", None])
@pytest.mark.parametrize("role", ["superuser", "editor"])
def test_the_root_page_is_refused_with_a_message(request, home, role, position):
    # (Wagtail's view asked the root's parent, None, for permissions: a 500)
    client = request.getfixturevalue(role)
    root = Page.get_first_root_node()
    assert root.id == 1  # the tree root, as on every site Wagtail's migration made

    response = set_position(client, root.id, position)

    assert response.status_code == 400
    assert response.content.decode() == NO_PARENT
    assert Page.get_first_root_node().path == root.path


@pytest.mark.parametrize(
    "position",
    [
        "abc",
        "-1",
        "",
        "1e3",
        "%C2%B2",  # a superscript two: a digit to str.isdigit(), not to int()
        "9223372036854775808",  # past 64 bits: a 500 on both databases
        "99999999999999999999999",
    ],
)
@pytest.mark.parametrize("role", ["superuser", "editor"])
def test_a_position_that_is_no_place_is_refused_and_nothing_moves(
    request, home, role, position
):
    # (text and negative numbers moved the page to the end without a word)
    client = request.getfixturevalue(role)
    before = sibling_titles()

    response = set_position(client, home.id, position)

    assert response.status_code == 400
    assert response.content.decode() == BAD_POSITION
    assert sibling_titles() == before


def test_a_superuser_still_orders_pages_through_wagtails_view(superuser, home):
    # given our home after Wagtail's welcome page
    assert sibling_titles()[-1] == home.title

    # when it is dragged to the first place, then past the last one
    first = set_position(superuser, home.id, "0")
    titles_first = sibling_titles()
    last = set_position(superuser, home.id, "9223372036854775807")

    # then Wagtail's view moved it both times (past the end means last)
    assert first.status_code == 200
    assert titles_first[0] == home.title
    assert last.status_code == 200
    assert sibling_titles()[-1] == home.title


def test_an_editor_still_gets_wagtails_refusal_for_a_good_position(editor, home):
    before = sibling_titles()

    response = set_position(editor, home.id, "0")

    # (the admin's usual refusal: back to the dashboard, with a message)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert sibling_titles() == before


@pytest.mark.parametrize("page_id", ["999999", "9223372036854775807", "1" + "0" * 25])
@pytest.mark.parametrize("role", ["superuser", "editor"])
def test_a_page_that_is_not_there_is_a_404(request, home, role, page_id):
    client = request.getfixturevalue(role)

    assert set_position(client, page_id, "0").status_code == 404


def test_the_admin_access_check_comes_first(client, home):
    response = set_position(client, Page.get_first_root_node().id, "0")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_get_is_wagtails_405(superuser):
    response = superuser.get("/admin/pages/1/set_position/?position=0", **EN)

    assert response.status_code == 405
