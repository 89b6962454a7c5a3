"""Text people type is refused when it holds characters no keyboard types
(config/typed_text.py): on every form and API field where organisers, helpers and
members write free text. Stored, they showed as boxes ("a□b") on every screen."""

import pytest
from django.utils import translation

from config.typed_text import holds_untypable
from courses.forms import InPersonStudyForm
from courses.reporting.forms import ReminderForm
from members.forms import (
    ContactForm,
    DecisionForm,
    EndRegistrationForm,
    MovedOutForm,
    RegistrationRequestForm,
    ReturnedForm,
)
from members.models import Member

REFUSED = "The text contains characters that are not allowed."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("上海\n浦东\t工地", False),
        ("a\x01b", True),
        ("a\x7fb", True),
        ("a\x00b", True),
        ("a\ud800b", True),
        ("全角　空格", False),
    ],
)
def test_only_what_a_keyboard_types_is_kept(text, refused):
    assert holds_untypable(text) is refused


@pytest.mark.parametrize(
    ("form_class", "data", "field"),
    [
        (RegistrationRequestForm, {}, "message"),
        (DecisionForm, {"decision": "decline"}, "reason"),
        (EndRegistrationForm, {}, "reason"),
        (MovedOutForm, {}, "whereabouts"),
        (MovedOutForm, {"whereabouts": "深圳"}, "note"),
        (ReturnedForm, {}, "note"),
        (ContactForm, {"kind": "call"}, "note"),
    ],
)
def test_the_members_forms_refuse_it_on_the_field(form_class, data, field):
    form = form_class(data={**data, field: "上\x01海"})

    assert not form.is_valid()
    assert form.errors[field] == [REFUSED]


@pytest.mark.django_db
def test_the_in_person_and_reminder_forms_refuse_it_on_the_field():
    in_person = InPersonStudyForm(data={"note": "送\x02学"})
    reminder = ReminderForm(
        data={"message": "请\x03学习"}, members=Member.objects.none()
    )

    assert not in_person.is_valid() and in_person.errors["note"] == [REFUSED]
    assert not reminder.is_valid() and reminder.errors["message"] == [REFUSED]
