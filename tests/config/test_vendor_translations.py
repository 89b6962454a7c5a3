"""Editors see Wagtail's and wagtailmedia's admin in Chinese (site/locale_vendor).

Wagtail and wagtailmedia leave msgids untranslated in their zh_Hans catalogues,
Wagtail's and DRF's zh_Hant catalogues lack msgids their zh_Hans ones translate, and
wagtailmedia and taggit have no zh_Hant one, so those strings fell back to
Simplified Chinese on Traditional screens (and API errors). site/locale_vendor
fills them all; site/locale, listed first in
LOCALE_PATHS, still wins. Unlike the other tests, these assert the Chinese text:
the translation is what is under test.
"""

import collections
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, npgettext, pgettext

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "site" / "locale_vendor"
SITE = ROOT / "site" / "locale"
GAPS_SCRIPT = ROOT / "scripts" / "vendor_translation_gaps.py"
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0 +]*\d*(?:\.\d+)?[sdif]|%%"
    r"|\{[a-z_0-9]*\}|</?[a-zA-Z][^>]*>"
)


def catalogue(path: Path) -> polib.POFile:
    return polib.pofile(str(path))


def vendor(language: str, domain: str = "django") -> polib.POFile:
    return catalogue(VENDOR / language / "LC_MESSAGES" / f"{domain}.po")


def wagtailmedia_source() -> polib.POFile:
    spec = importlib.util.find_spec("wagtailmedia")
    locale = Path(spec.origin).parent / "locale" / "en" / "LC_MESSAGES"
    return catalogue(locale / "django.po")


def translated(path: Path) -> dict[tuple[str | None, str], polib.POEntry]:
    if not path.exists():
        return {}
    if path.suffix == ".mo":  # DRF ships no .po; a .mo holds translations only
        return {(e.msgctxt, e.msgid): e for e in polib.mofile(str(path)) if e.msgid}
    return {
        (e.msgctxt, e.msgid): e
        for e in catalogue(path)
        if e.translated() and not e.obsolete
    }


def package_catalogues(name: str, language: str, domain: str) -> list[Path]:
    """A package's catalogues of ``language``: each folder's .po, else its .mo."""
    root = Path(importlib.util.find_spec(name).origin).parent
    found = []
    for folder in root.glob(f"**/locale/{language}/LC_MESSAGES"):
        source = folder / f"{domain}.po"
        compiled = folder / f"{domain}.mo"
        if source.exists() or compiled.exists():
            found.append(source if source.exists() else compiled)
    return found


# The packages whose zh_Hans-only msgids the override derives (hant_from_hans.py).
DERIVED_PACKAGES = ("wagtail", "rest_framework", "taggit")


def upstream_hans_only(domain: str) -> dict[tuple[str | None, str], list[str]]:
    """Every zh_Hans text a derived package gives a msgid its own zh_Hant lacks."""
    found = collections.defaultdict(list)
    for name in DERIVED_PACKAGES:
        for hans in package_catalogues(name, "zh_Hans", domain):
            locale = hans.parents[2]
            hant = translated(locale / "zh_Hant" / "LC_MESSAGES" / hans.name)
            for key, entry in translated(hans).items():
                if key not in hant:
                    found[key].append(entry.msgstr_plural.get(0) or entry.msgstr)
    return found


def hant_converter():
    """The converter ``scripts/hant_from_hans.py`` derives zh_Hant with."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "hant_from_hans.py"
    spec = importlib.util.spec_from_file_location("hant_from_hans", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script.HantConverter()


def load_gaps_script(vendor: Path):
    spec = importlib.util.spec_from_file_location("vendor_gaps", GAPS_SCRIPT)
    gaps = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gaps)
    gaps.VENDOR = vendor
    return gaps


def shown(entry: polib.POEntry) -> str:
    """The text gettext gives for an entry (ngettext with 2 for a plural one)."""
    if entry.msgctxt:
        if entry.msgid_plural:
            return npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 2)
        return pgettext(entry.msgctxt, entry.msgid)
    if entry.msgid_plural:
        return ngettext(entry.msgid, entry.msgid_plural, 2)
    return gettext(entry.msgid)


@pytest.mark.parametrize(
    ("msgid", "chinese"),
    [
        ("Go to the first error", "转到第一个错误"),
        ("Autosave is paused", "自动保存已暂停"),
        ("Save your changes before leaving", "离开前请保存修改"),
        ("Content metrics", "内容指标"),
        ("Locked by another user", "已被其他用户锁定"),
    ],
)
def test_wagtail_strings_that_were_english_are_simplified_chinese(msgid, chinese):
    with translation.override("zh-hans"):
        assert gettext(msgid) == chinese


def test_plural_and_placeholders_come_out_whole():
    with translation.override("zh-hans"):
        moved = ngettext("Moved up 1 place.", "Moved up %(counter)s places.", 3)
        language = gettext("Use server language: %(language_name)s")

    assert moved % {"counter": 3} == "上移了 3 位。"
    assert language % {"language_name": "简体中文"} == "使用服务器语言：简体中文"


@pytest.mark.parametrize(
    ("msgid", "simplified", "traditional"),
    [
        (
            "You do not have permission to access the admin.",
            "您没有权限访问管理后台",
            "您沒有權限訪問管理後臺",
        ),
        ("Copied to clipboard", "已复制到剪贴板", "已複製到剪貼板"),
        ("Last published by", "最后发布者", "最後發佈者"),
        ("Keyboard shortcuts", "键盘快捷键", "鍵盤快捷鍵"),
    ],
)
def test_wagtail_strings_only_in_its_zh_hans_are_traditional_on_traditional_screens(
    msgid, simplified, traditional
):
    # Wagtail's zh_Hans translates these and its zh_Hant does not, so zh-hant fell
    # back to the Simplified text until the override's zh_Hant derived them.
    with translation.override("zh-hans"):
        assert gettext(msgid) == simplified
    with translation.override("zh-hant"):
        assert gettext(msgid) == traditional


def test_wagtail_plural_only_in_its_zh_hans_is_traditional_on_traditional_screens():
    with translation.override("zh-hant"):
        deleted = ngettext(
            "%(num_parent_objects)d image has been deleted",
            "%(num_parent_objects)d images have been deleted",
            3,
        )

    assert deleted % {"num_parent_objects": 3} == "已刪除3個圖片"  # 已删除3个图片


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "msgid", "chinese"),
    [
        ("zh-hans", "Autosave in progress…", "正在自动保存…"),
        ("zh-hant", "Autosave in progress…", "正在自動保存…"),
        # Wagtail's own zh_Hans says 全部展开; its zh_Hant lacks the msgid.
        ("zh-hant", "Expand all", "全部展開"),
    ],
)
def test_wagtail_admin_javascript_catalogue_has_the_filled_strings(
    client, language, msgid, chinese
):
    response = client.get(
        reverse("wagtailadmin_javascript_catalog"), HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 200
    body = response.content.decode()
    # JavaScriptCatalog writes the catalogue with json.dumps (\u escapes).
    assert f"{json.dumps(msgid)}: {json.dumps(chinese)}" in body


@pytest.mark.parametrize(
    ("msgid", "traditional"),
    [
        # DRF's zh_Hant lacks 71 of its 125 msgids, these among them.
        ("A valid integer is required.", "請輸入有效的整數值。"),
        # taggit has no zh_Hant catalogue: the admin's tag field.
        ("A comma-separated list of tags.", "逗號分隔的標籤列表。"),
    ],
)
def test_drf_and_taggit_are_traditional_on_traditional_screens(msgid, traditional):
    with translation.override("zh-hant"):
        assert gettext(msgid) == traditional


@pytest.mark.django_db
def test_an_api_refusal_is_traditional_for_a_traditional_client(client):
    response = client.get("/api/v1/members/me/", HTTP_ACCEPT_LANGUAGE="zh-hant")

    assert response.status_code == 403
    # DRF's zh_Hans says 身份认证信息未提供。, its zh_Hant nothing.
    assert response.json()["detail"] == "身份認證信息未提供。"


def test_wagtailmedia_is_traditional_on_traditional_screens():
    with translation.override("zh-hant"):
        video = gettext("Your browser does not support the video element.")
        latest = gettext("Latest media")

    assert video == "您的瀏覽器不支持視頻播放。"
    assert latest == "最新媒體文件"  # wagtailmedia's zh_Hans said 最新媒体文件


def test_every_wagtailmedia_string_is_the_traditional_form_of_the_simplified_one():
    converter = hant_converter()
    wrong = []
    for entry in wagtailmedia_source():
        with translation.override("zh-hans"):
            simplified = shown(entry)
        with translation.override("zh-hant"):
            traditional = shown(entry)
        if simplified == entry.msgid or traditional != converter.convert(simplified):
            wrong.append((entry.msgid, simplified, traditional))

    assert wrong == []


def test_site_locale_wins_over_the_vendor_override():
    ours = {
        (e.msgctxt, e.msgid): e.msgstr
        for e in catalogue(SITE / "zh_Hans" / "LC_MESSAGES" / "django.po")
        if e.translated() and not e.msgid_plural
    }
    both = [
        (e.msgid, ours[(e.msgctxt, e.msgid)])
        for e in vendor("zh_Hans")
        if not e.msgctxt
        and not e.msgid_plural
        and ours.get((e.msgctxt, e.msgid), e.msgstr) != e.msgstr
    ]
    if not both:
        pytest.skip("site/locale and the override translate no msgid differently")

    with translation.override("zh-hans"):
        assert [(msgid, gettext(msgid)) for msgid, _ in both] == both
    # Caption: ours says 图片说明, the override (Wagtail's table block) 表格标题.
    assert ("Caption", "图片说明") in both


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_override_keeps_every_placeholder_and_tag(domain):
    changed = []
    for entry in vendor("zh_Hans", domain):
        source = collections.Counter(
            PLACEHOLDER.findall(entry.msgid_plural or entry.msgid)
        )
        text = entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr
        target = collections.Counter(PLACEHOLDER.findall(text))
        # The one no-python-format entry drops an argument that is always 0 there.
        keeps = target <= source if "no-python-format" in entry.flags else None
        if not text or (target != source and not keeps):
            changed.append((entry.msgid, text))

    assert changed == []


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_compiled_catalogues_match_their_sources(language, domain):
    po = VENDOR / language / "LC_MESSAGES" / f"{domain}.po"

    def texts(entries):
        return {
            (e.msgctxt, e.msgid): e.msgstr_plural.get(0) or e.msgstr
            for e in entries
            if e.msgid
        }

    assert texts(polib.mofile(str(po.with_suffix(".mo")))) == texts(
        e for e in catalogue(po) if e.translated()
    )


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_zh_hant_override_is_derived_from_zh_hans(domain):
    converter = hant_converter()
    hans = {
        (e.msgctxt, e.msgid): e.msgstr_plural.get(0) or e.msgstr
        for e in vendor("zh_Hans", domain)
    }
    hant = {
        (e.msgctxt, e.msgid): e.msgstr_plural.get(0) or e.msgstr
        for e in vendor("zh_Hant", domain)
    }
    upstream = upstream_hans_only(domain)

    ours = {key: text for key, text in hant.items() if key in hans}
    assert ours == {key: converter.convert(text) for key, text in hans.items()}
    # The rest: the packages' zh_Hans-only msgids, converted from one of their texts.
    rest = {key: text for key, text in hant.items() if key not in hans}
    assert rest.keys() == upstream.keys() - hans.keys()
    assert [
        key
        for key, text in rest.items()
        if text not in {converter.convert(t) for t in upstream[key]}
    ] == []


def test_packages_zh_hans_only_strings_read_as_the_zh_hans_text_converted():
    """Every derived entry (Wagtail, DRF, taggit) that zh-hans screens translate
    (its app is installed) shows on zh-hant screens as exactly that text in s2tw."""
    converter = hant_converter()
    wrong, checked = [], 0
    for domain in ("django",):  # djangojs is served by the JavaScriptCatalog view
        for entry in vendor("zh_Hant", domain):
            if not entry.tcomment.startswith("From the zh_Hans of"):
                continue
            with translation.override("zh-hans"):
                simplified = shown(entry)
            with translation.override("zh-hant"):
                traditional = shown(entry)
            if simplified in (entry.msgid, entry.msgid_plural):
                continue  # wagtail.locales, simple_translation: not installed
            checked += 1
            if traditional != converter.convert(simplified):
                wrong.append((entry.msgid, simplified, traditional))

    assert wrong == []
    assert checked > 300


def test_gap_script_reports_no_gaps():
    result = subprocess.run(
        [sys.executable, str(GAPS_SCRIPT), "--check", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("0 gaps (0 zh_Hans, 0 zh_Hant)")


def test_gap_script_finds_a_missing_translation(tmp_path):
    shutil.copytree(VENDOR, tmp_path / "locale_vendor")
    gaps = load_gaps_script(tmp_path / "locale_vendor")
    hans = tmp_path / "locale_vendor" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    edited = catalogue(hans)
    edited.remove(edited.find("Go to the first error"))
    edited.save(str(hans))

    found, _ = gaps.find_gaps()

    assert [gap.key[2] for gap in found.values()] == ["Go to the first error"]
    assert gaps.main(["--check", "--quiet"]) == 1


def test_gap_script_finds_a_wagtail_string_left_simplified(tmp_path, capsys):
    shutil.copytree(VENDOR, tmp_path / "locale_vendor")
    gaps = load_gaps_script(tmp_path / "locale_vendor")
    hant = tmp_path / "locale_vendor" / "zh_Hant" / "LC_MESSAGES" / "django.po"
    edited = catalogue(hant)
    edited.remove(edited.find("Copied to clipboard"))
    edited.save(str(hant))

    found, _ = gaps.find_gaps()

    assert [(gap.key[2], gap.language) for gap in found.values()] == [
        ("Copied to clipboard", "zh_Hant")
    ]
    # wagtail/images and wagtail/users translate it in zh_Hans only.
    assert found[("django", None, "Copied to clipboard")].packages == [
        "wagtail/images",
        "wagtail/users",
    ]
    assert gaps.main(["--check", "--quiet"]) == 1
    assert (
        capsys.readouterr().out
        == "1 gaps (0 zh_Hans, 1 zh_Hant), 0 stale override entries\n"
    )


# Our site/locale comes first in LOCALE_PATHS, so a msgid we translate without a
# context is translated our way on Wagtail's, wagtailmedia's, Django's and DRF's
# screens too. These msgids mean the same there and read better our way (and
# config/translations.py corrects some of Django's on purpose); any other msgid
# those packages translate differently needs a context in our code
# ({% translate "History" context "member moves" %}, pgettext_lazy): "History"
# as 流动记录 once titled every page's revision history in the admin.
CORRECTIONS = "config/translations.py"
SAME_MEANING = {
    "Image",
    "Summary",
    "name",
    "Name",
    "Search",
    "Previous",
    "Next",
    "Download CSV",
    "Download XLSX",
    "All",
    "Actions",
    "Uploading…",
    "Delete %(title)s",
    "Are you sure you want to delete this media file?",
    "Yes, delete",
    "Add",
    "Format",
    "Updated",
    "Page not found",
    "Admin",
    "Log out",
    "Used %(usage_count)s time",
}
PACKAGES_WE_OVERRIDE = ("wagtail", "wagtailmedia", "django", "rest_framework", "taggit")


def package_translations() -> dict[str, dict[str, set[str]]]:
    """msgid (no context) -> {package: its zh_Hans texts}."""
    found = collections.defaultdict(lambda: collections.defaultdict(set))
    for name in PACKAGES_WE_OVERRIDE:
        for path in package_catalogues(name, "zh_Hans", "django"):
            for (msgctxt, msgid), entry in translated(path).items():
                if msgctxt is None:
                    found[msgid][name].add(entry.msgstr_plural.get(0) or entry.msgstr)
    return found


def test_our_catalogue_changes_no_packages_wording_but_where_the_meaning_is_ours():
    theirs = package_translations()
    ours = translated(SITE / "zh_Hans" / "LC_MESSAGES" / "django.po")

    overridden = {
        msgid: {name: sorted(texts) for name, texts in theirs[msgid].items()}
        for (msgctxt, msgid), entry in ours.items()
        if msgctxt is None
        and msgid in theirs
        and {path for path, _line in entry.occurrences} != {CORRECTIONS}
        and any(
            (entry.msgstr_plural.get(0) or entry.msgstr) not in texts
            for texts in theirs[msgid].values()
        )
        and msgid not in SAME_MEANING
    }

    assert overridden == {}


@pytest.mark.parametrize(
    ("simplified", "traditional"),
    [
        (
            "超过 %(max)s 个字符（%(length)s 个）。",
            "超過 %(max)s 個字元（%(length)s 個）。",
        ),
        ("不是有效的字符串。", "不是有效的字串。"),
        ("由字母、数字、下划线或连字符组成", "由字母、數字、下劃線或連字號組成"),
        ("您登录或退出登录过", "您登入或登出過"),
        ("如只是重新制作同一视频", "如只是重新製作同一視頻"),
    ],
)
def test_traditional_screens_use_the_words_of_djangos_own_zh_hant(
    simplified, traditional
):
    # Django's own zh_Hant says "至少 8 個字元" on the password screens; ours said
    # 個字符 beside it.
    assert hant_converter().convert(simplified) == traditional


def test_a_too_short_password_and_our_length_errors_count_the_same_characters():
    with translation.override("zh-hant"):
        django_words = ngettext(
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.",
            8,
        )
        ours = gettext("Answers are at most %(max)d characters long.")

    assert "字元" in django_words
    assert "字元" in ours and "字符" not in ours
