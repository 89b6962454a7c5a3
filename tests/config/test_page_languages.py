"""Every page a user can reach speaks the language it was asked for.

Each role's pages are rendered with Django's test client in the three interface
languages (``Accept-Language``: ``LocaleMiddleware`` picks the language from it, as
no page sets a cookie or a prefix), and the page's own words are checked on the
visible text, the ``<title>``, button values, ``placeholder``, ``aria-label`` and
``title`` attributes and ``<option>`` texts:

- English pages hold no CJK character or CJK punctuation;
- Traditional pages hold no character OpenCC's s2t would change (Simplified only);
- Chinese pages hold no English word but the few a Chinese interface keeps in Latin
  letters (``LATIN_IN_CHINESE``).

The data is made of numbers (names, titles, question texts, usernames), so user
content can trip no rule and the whole page can be checked. One data set per test;
a test visits all of its role's pages and reports every failure at once.

Each page is asked for in Simplified Chinese first: Wagtail translates some texts
once, when it first builds a form class, view or column, so a text frozen in the
default language shows up on the English and Traditional requests that follow.
"""

import datetime as dt
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import opencc
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Collection, Page, Task, Workflow

from courses.models import CompletedVia, CompletionRule
from courses.reporting.models import Campaign, CampaignCourse
from courses.reporting.rollups import rollups_rebuild
from courses.services import in_person_study_record, lesson_progress_complete
from members import services as members_services
from members.models import ContactRecord, Organisation
from quizzes import services as quiz_services
from quizzes.models import QuestionKind
from tests.courses.conftest import lecture_body, make_lecture
from tests.factories import make_course, make_home, make_lesson, make_user
from tests.quizzes.conftest import make_question, make_quiz

LANGUAGES = ("zh-hans", "zh-hant", "en")

# Words a Chinese interface rightly shows in Latin letters.
LATIN_IN_CHINESE = {
    # names and abbreviations
    "Satchel",
    "Wagtail",
    "JavaScript",
    "HLS",
    "MB",
    "KB",
    "kB",
    "GB",
    "kbps",
    "Mbps",
    "CSV",
    "XLSX",
    "Excel",
    "ID",
    "URL",
    "API",
    "QR",
    "PDF",
    "localhost",
    "UTC",
    # keys, in Wagtail's keyboard shortcuts dialog
    "Ctrl",
    "Shift",
    "Alt",
    "Esc",
    # the example slug of Wagtail's help text for a page's slug
    "my-work",
}

# What the roster and question bank files literally hold (column names and
# values the import accepts), which the import screens name as such.
IMPORT_FORMAT_WORDS = {
    # members/roster.py
    "name",
    "phone",
    "home_organisation_code",
    "host_organisation_code",
    "status",
    "local",
    "outflow",
    "inflow",
    "note",
    # quizzes/bank.py
    "type",
    "question",
    "choices",
    "correct",
    "answers",
    "explanation",
    "tags",
    "single",
    "multiple",
    "true_false",
    "fill_blank",
    "AC",
}
IMPORT_SCREENS = ("/admin/members/members/import/", "/admin/quizzes/tools/bank/")

# Texts Wagtail writes in its templates without marking them for translation
# (the header's actions, the search form's screen-reader button) or translates
# badly in a catalogue the site does not own (site/locale_vendor holds the
# overrides): shown on admin screens only. Listed in the report for the lead.
VENDOR_UNTRANSLATED = {
    "Actions",  # wagtailadmin/shared/headers/_actions.html, aria-label
    "Search",  # wagtailadmin/shared/header.html and home.html, sr-only submit
    # Wagtail's zh_Hant for the help text of "Show in menus".
    "是否需要在自動生成的選單中出現此頁面的Link。",
}

# The language switch names each language in itself.
LANGUAGE_NAMES = {"简体中文", "繁體中文", "English"}
LANGUAGE_NAME = re.compile("|".join(sorted(LANGUAGE_NAMES)))

# CJK characters and punctuation (，。：（） are in U+3000-303F and U+FF00-FFEF);
# not “”, which English text uses too ("choose “Submit anyway” below").
CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’._@/:+-]*")
TO_TRADITIONAL = opencc.OpenCC("s2t")

# The attributes whose text a user reads (or hears).
SHOWN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
SKIPPED = {"script", "style"}
# Elements whose text a script writes: Wagtail's side panel counter holds "None"
# until its script counts the comments or checks.
SCRIPT_FILLED = {"data-side-panel-toggle-counter"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Text(HTMLParser):
    """The strings of a page a user sees or hears, in order: text outside
    ``<script>``, ``<style>`` and the elements a script fills in, and the
    attributes and button values above. ``hidden`` elements count: collapsed
    breadcrumbs and closed menus open at a click."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.strings: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, hides its text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = self.hiding or tag in SKIPPED or bool(SCRIPT_FILLED & set(attrs))
        if not hidden:
            for name in SHOWN_ATTRIBUTES:
                if attrs.get(name):
                    self.strings.append(attrs[name])
            if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
                if attrs.get("value"):
                    self.strings.append(attrs["value"])
        if tag not in VOID:
            self.open.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        # Close up to the matching tag (HTML lets some end tags go unwritten).
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    @property
    def hiding(self) -> bool:
        return bool(self.open) and self.open[-1][1]

    def handle_data(self, data):
        if not self.hiding and data.strip():
            self.strings.append(data)


def shown_strings(html: str) -> list[str]:
    """The page's strings, whitespace collapsed, language names taken out."""
    parser = _Text()
    parser.feed(html)
    strings = []
    for text in parser.strings:
        text = " ".join(text.split())
        if text in LANGUAGE_NAMES:
            continue
        # "Use server language: 简体中文" (Wagtail's account preferences)
        strings.append(LANGUAGE_NAME.sub("", text).strip())
    return [text for text in strings if text]


def english_words(text: str, allowed: set[str]) -> list[str]:
    """The words of ``text`` a Chinese interface should not show in English."""
    found = []
    for token in WORD.findall(text):
        token = token.strip("'’._:/+-")
        if sum(c.isalpha() for c in token) < 2 or token[0].isdigit():
            continue  # a number, a number with its unit, a single letter
        if "@" in token or "/" in token or re.search(r"\.[a-z0-9]{2,4}$", token):
            continue  # an address, a path, a file name
        if token not in allowed:
            found.append(token)
    return found


def simplified_only(text: str) -> str:
    """The characters of ``text`` that s2t changes on their own (a phrase's
    conversion may swap a character Traditional text uses too, 才 for 纔)."""
    return "".join(c for c in text if TO_TRADITIONAL.convert(c) != c)


def problems(html: str, language: str, url: str) -> list[str]:
    allowed = LATIN_IN_CHINESE
    if url in IMPORT_SCREENS:
        allowed = allowed | IMPORT_FORMAT_WORDS
    found = []
    for text in shown_strings(html):
        if url.startswith("/admin/") and text in VENDOR_UNTRANSLATED:
            continue
        if language == "en":
            if CJK.search(text):
                found.append(text)
            continue
        if language == "zh-hant" and (changed := simplified_only(text)):
            found.append(f"{text}  [Simplified: {changed}]")
        if words := english_words(text, allowed):
            found.append(f"{text}  [English: {' '.join(words)}]")
    return found


def crawl(client: Client, pages, *, data=None) -> list[str]:
    """Visit each ``(url, status)`` in every language (a POST of ``data`` if it is
    given); every failure, as lines."""
    failures = []
    for url, status in pages:
        for language in LANGUAGES:
            if data is None:
                response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            else:
                response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
            where = f"{url} [{language}]"
            if response.status_code != status:
                location = response.get("Location", "")
                failures.append(f"{where}: status {response.status_code} {location}")
                continue
            html = response.content.decode()
            failures.extend(
                f"{where}: {text}" for text in problems(html, language, url)
            )
    return failures


def report(failures: list[str]) -> None:
    # The whole list, not the first: one run shows everything to fix.
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


# --- the data: numbers wherever a user types --------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _member(username, home, **fields):
    return members_services.member_create(
        name=username,
        phone=f"1380000{username}",
        home_organisation=home,
        user=make_user(username),
        **fields,
    )


@pytest.fixture
def world(db):
    # Wagtail's migrations name the root page, the root collection and the
    # default workflow and its task in English: data, not the interface.
    Page.objects.filter(depth=1).update(title="1000", draft_title="1000")
    Collection.objects.filter(depth=1).update(name="1000")
    Workflow.objects.update(name="1001")
    Task.objects.update(name="1002")
    org = members_services.organisation_create
    kind = Organisation.Kind
    province = org(name="4100", kind=kind.PROVINCE, code="41")
    city = org(name="4110", kind=kind.CITY, code="411", parent=province)
    county = org(name="4111", kind=kind.COUNTY, code="4111", parent=city)
    branch = org(name="4112", kind=kind.BRANCH, code="4112", parent=county)
    other = org(name="4120", kind=kind.COUNTY, code="412", parent=province)
    branch = Organisation.objects.get(pk=branch.pk)
    other = Organisation.objects.get(pk=other.pk)

    organiser = make_user("2001")
    members_services.organiser_role_grant(user=organiser, organisation=province)
    editor = make_user("2002", is_superuser=True, is_staff=True)
    helper = make_user("2003")

    member = _member("5001", branch)
    hosted = _member("5002", branch)
    registration = members_services.registration_request(
        member=hosted, organisation=other
    )
    members_services.registration_confirm(
        registration=registration, decided_by=organiser
    )
    outflow = _member("5003", branch)
    members_services.member_record_moved_out(
        member=outflow, whereabouts="5300", recorded_by=organiser
    )
    pending_member = _member("5004", branch)
    pending = members_services.registration_request(
        member=pending_member, organisation=other, message="5400"
    )
    pairing = members_services.pairing_create(
        helper=helper, member=member, created_by=organiser
    )
    members_services.contact_record_add(
        pairing=pairing,
        kind=ContactRecord.Kind.values[0],
        note="5500",
        recorded_by=helper,
    )

    home = make_home()
    Page.objects.filter(pk=home.pk).update(title="6000", draft_title="6000")
    course = make_course(home, title="6100", slug="c6100")
    course.summary = "6109"
    course.save_revision().publish()
    lecture = make_lecture(title="9101")
    bank = [
        make_question(
            QuestionKind.SINGLE, "7101", choices=[("71011", True), ("71012", False)]
        ),
        make_question(
            QuestionKind.MULTIPLE,
            "7102",
            choices=[("71021", True), ("71022", True), ("71023", False)],
        ),
        make_question(QuestionKind.TRUE_FALSE, "7103", is_true=True),
        make_question(QuestionKind.FILL_BLANK, "7104 ____", accepted="7105"),
    ]
    for question in bank:
        question.explanation = "7199"
        question.save()
    quiz = make_quiz(bank, title="7000", pass_mark=50)
    lesson = make_lesson(
        course,
        title="6101",
        slug="l6101",
        body=[*lecture_body(lecture, "<p>6191</p>"), ("quiz", quiz)],
    )
    lesson.completion_rule = CompletionRule.QUIZ
    lesson.study_hours = 1
    lesson.save_revision().publish()
    reading = make_lesson(
        course, title="6102", slug="l6102", body=[("text", "<p>6192</p>")]
    )
    reading.read_seconds = 60
    reading.study_hours = 1
    reading.save_revision().publish()

    campaign = Campaign.objects.create(
        name="3101",
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate() + dt.timedelta(days=300),
    )
    campaign.organisations.set([province])
    campaign.save()
    CampaignCourse.objects.create(campaign=campaign, course=course)
    rollups_rebuild()
    lesson_progress_complete(member=member, lesson=reading, via=CompletedVia.ONLINE)
    in_person_study_record(
        recorded_by=organiser,
        member=hosted,
        lesson=reading,
        studied_on=timezone.localdate(),
        note="5600",
    )

    # A submitted attempt (its result) and an open one (the form).
    done, _ = quiz_services.attempt_start(quiz=quiz, member=member, lesson=lesson)
    quiz_services.attempt_submit(attempt=done)
    open_attempt, _ = quiz_services.attempt_start(
        quiz=quiz, member=member, lesson=lesson
    )
    return SimpleNamespace(**locals())


def client_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- the pages, role by role ------------------------------------------------------


def test_member_pages(world):
    w = world
    pages = [
        ("/", 200),
        (w.course.url, 200),
        (w.lesson.url, 200),
        (w.reading.url, 200),
        (reverse("quizzes:attempt", args=[w.open_attempt.pk]), 200),
        (reverse("quizzes:attempt", args=[w.done.pk]), 200),
        (reverse("courses:my-study"), 200),
        (reverse("members:my-organisations"), 200),
        (reverse("members:register"), 200),
        (reverse("members:register-with", args=[w.other.code]), 200),
        (reverse("members:password-change"), 200),
        (reverse("offline"), 200),
        # Error pages: an address that names nothing, organisers' pages, a GET
        # where only POST is answered, a NUL in the path.
        ("/no-such-page/", 404),
        (reverse("quizzes:statistics-index"), 403),
        (reverse("quizzes:start", args=[w.quiz.pk]), 405),
        ("/my-study/%00/", 400),
    ]
    client = client_of(w.member.user)
    failures = crawl(client, pages)
    # Forms sent back with their errors.
    failures += crawl(
        client,
        [(reverse("members:password-change"), 400)],
        data={"old_password": "wrong", "new_password1": "1", "new_password2": "2"},
    )
    failures += crawl(
        client,
        [(reverse("quizzes:attempt", args=[w.open_attempt.pk]), 200)],
        data={"submit": "1"},
    )
    report(failures)


def test_the_server_error_page(world, monkeypatch):
    def broken(user):
        raise RuntimeError("a bug")

    monkeypatch.setattr("courses.views.member_of", broken)
    client = client_of(world.member.user)
    client.raise_request_exception = False
    report(crawl(client, [(reverse("courses:my-study"), 500)]))


def test_visitor_pages(world):
    pages = [
        (reverse("login"), 200),
        ("/accounts/logout/", 405),
        (reverse("wagtailadmin_login"), 200),
        (reverse("wagtailadmin_password_reset"), 200),
        (world.lesson.url, 302),
    ]
    failures = crawl(client_of(None), pages)
    # A wrong password, on the site's and the admin's login forms.
    wrong = {"username": "5001", "password": "wrong"}
    failures += crawl(client_of(None), [(reverse("login"), 200)], data=wrong)
    failures += crawl(
        client_of(None), [(reverse("wagtailadmin_login"), 200)], data=wrong
    )
    # A form refused by the CSRF check.
    failures += crawl(
        Client(enforce_csrf_checks=True), [(reverse("login"), 403)], data=wrong
    )
    report(failures)


def test_helper_pages(world):
    w = world
    pages = [
        (reverse("members:my-pairs"), 200),
        (reverse("members:pair-detail", args=[w.member.pk]), 200),
    ]
    report(crawl(client_of(w.helper), pages))


def test_organiser_site_pages(world):
    w = world
    pages = [
        (reverse("courses:report"), 200),
        (f"{reverse('courses:report')}?campaign={w.campaign.pk}", 200),
        (f"{reverse('courses:report')}?course={w.course.pk}", 200),
        (f"{reverse('courses:report-members')}?campaign={w.campaign.pk}", 200),
        (f"{reverse('courses:report-members')}?course={w.course.pk}", 200),
        (reverse("courses:report-reminders"), 200),
        (reverse("courses:in-person-members"), 200),
        (reverse("courses:in-person", args=[w.hosted.pk]), 200),
        (reverse("quizzes:statistics-index"), 200),
        (reverse("quizzes:statistics", args=[w.quiz.pk]), 200),
    ]
    report(crawl(client_of(w.organiser), pages))


def test_organiser_admin_screens(world):
    w = world
    pages = [
        (reverse("wagtailadmin_home"), 200),
        (reverse("members_member:index"), 200),
        (reverse("members_member:inspect", args=[w.member.pk]), 200),
        (reverse("members_member:edit", args=[w.member.pk]), 200),
        (reverse("members_member:add"), 200),
        (reverse("members_member:moved_out", args=[w.member.pk]), 200),
        (reverse("members_member:returned", args=[w.outflow.pk]), 200),
        (reverse("members_member:password", args=[w.member.pk]), 200),
        (reverse("members_member:import"), 200),
        (reverse("members_organisation:index"), 200),
        (reverse("members_organisation:inspect", args=[w.branch.pk]), 200),
        (reverse("members_organisation:add"), 200),
        (reverse("members_organisation:move", args=[w.branch.pk]), 200),
        (reverse("members_registration:index"), 200),
        (reverse("members_registration:decide", args=[w.pending.pk]), 200),
        (reverse("members_registration:end", args=[w.registration.pk]), 200),
        (reverse("members_pairing:index"), 200),
        (reverse("members_pairing:add"), 200),
        (reverse("members_pairing:unpair", args=[w.pairing.pk]), 200),
        (reverse("members_contactrecord:index"), 200),
        (reverse("members_contactrecord:add"), 200),
        ("/admin/reports/site-history/", 200),
        (reverse("wagtailadmin_account"), 200),
    ]
    client = client_of(w.organiser)
    failures = crawl(client, pages)
    # Forms sent back with their errors.
    failures += crawl(client, [(reverse("members_member:add"), 200)], data={})
    failures += crawl(client, [(reverse("members_pairing:add"), 400)], data={})
    report(failures)


def test_editor_screens(world):
    w = world
    lesson_type = ("courses", "lessonpage", w.course.pk)
    course_type = ("courses", "coursepage", w.home.pk)
    pages = [
        (reverse("wagtailadmin_home"), 200),
        (reverse("wagtailadmin_explore", args=[w.course.pk]), 200),
        (reverse("wagtailadmin_pages:add", args=lesson_type), 200),
        (reverse("wagtailadmin_pages:add", args=course_type), 200),
        (reverse("wagtailadmin_pages:edit", args=[w.lesson.pk]), 200),
        (reverse("wagtailadmin_pages:edit", args=[w.course.pk]), 200),
        (reverse("wagtailmedia:index"), 200),
        (reverse("wagtailmedia:add", args=["video"]), 200),
        (reverse("wagtailmedia:edit", args=[w.lecture.pk]), 200),
        (reverse("lecture_jobs:index"), 200),
        (reverse("wagtailsnippets_quizzes_question:list"), 200),
        (reverse("wagtailsnippets_quizzes_question:add"), 200),
        (reverse("wagtailsnippets_quizzes_question:edit", args=[w.bank[0].pk]), 200),
        (reverse("wagtailsnippets_quizzes_question:edit", args=[w.bank[3].pk]), 200),
        (reverse("wagtailsnippets_quizzes_quiz:list"), 200),
        (reverse("wagtailsnippets_quizzes_quiz:add"), 200),
        (reverse("wagtailsnippets_quizzes_quiz:edit", args=[w.quiz.pk]), 200),
        (reverse("quizzes_admin:bank"), 200),
        (reverse("quizzes_admin:statistics", args=[w.quiz.pk]), 200),
        (reverse("wagtailsnippets_courses_campaign:list"), 200),
        (reverse("wagtailsnippets_courses_campaign:add"), 200),
        (reverse("wagtailsnippets_courses_campaign:edit", args=[w.campaign.pk]), 200),
        (reverse("wagtailadmin_account"), 200),
    ]
    client = client_of(w.editor)
    failures = crawl(client, pages)
    # Forms sent back with their errors.
    no_choices = {f"choices-{name}": "0" for name in ("TOTAL_FORMS", "INITIAL_FORMS")}
    failures += crawl(
        client,
        [(reverse("wagtailsnippets_quizzes_question:add"), 200)],
        data=no_choices,
    )
    failures += crawl(client, [(reverse("quizzes_admin:bank"), 400)], data={})
    report(failures)


def test_an_editor_in_the_editors_group_reaches_the_editor_screens(world):
    # The role editors really have, not only a superuser's view.
    user = make_user("2004", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    pages = [
        (reverse("wagtailadmin_home"), 200),
        (reverse("wagtailmedia:index"), 200),
        (reverse("wagtailsnippets_quizzes_question:list"), 200),
        (reverse("quizzes_admin:bank"), 200),
    ]
    report(crawl(client_of(user), pages))


# --- the checker itself -----------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "language", "found"),
    [
        ("<p>保存</p>", "en", ["保存"]),
        ("<p>Save（draft）</p>", "en", ["Save（draft）"]),
        ("<p>Choose “Submit anyway”</p>", "en", []),
        (
            "<select><option>简体中文</option><option>English</option></select>",
            "en",
            [],
        ),
        ("<p>状态</p>", "zh-hant", ["状态  [Simplified: 状态]"]),
        ("<p>通過後才看到</p>", "zh-hant", []),  # s2t's phrase 纔 is not a rule
        ("<p>保存 Save</p>", "zh-hans", ["保存 Save  [English: Save]"]),
        ("<p>Nothing here</p>", "zh-hant", ["Nothing here  [English: Nothing here]"]),
        ("<p>导出 CSV，720p，2.5 MB，a@b.cn，roster.xlsx，Satchel</p>", "zh-hans", []),
        ("<script>var a = 'Save';</script><style>p {}</style>", "zh-hans", []),
        ('<input type="submit" value="Save">', "zh-hans", ["Save  [English: Save]"]),
        ('<input placeholder="Search">', "zh-hans", ["Search  [English: Search]"]),
        (
            '<a aria-label="Close" title="Close"></a>',
            "zh-hans",
            ["Close  [English: Close]"] * 2,
        ),
        ("<title>Home</title>", "zh-hans", ["Home  [English: Home]"]),
        ("<option>Draft</option>", "zh-hans", ["Draft  [English: Draft]"]),
        # closed menus and collapsed breadcrumbs open at a click: checked
        ("<li hidden>首页</li>", "en", ["首页"]),
    ],
)
def test_the_checker(html, language, found):
    assert problems(html, language, "/") == found


def test_wagtails_untranslated_words_are_let_through_on_admin_screens_only():
    html = '<nav aria-label="Actions"></nav>'
    assert problems(html, "zh-hans", "/admin/members/members/") == []
    assert problems(html, "zh-hans", "/my-study/") == ["Actions  [English: Actions]"]
