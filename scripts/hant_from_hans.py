"""Derive the Traditional Chinese catalogues from the Simplified Chinese ones.

Translators maintain site/locale/zh_Hans; zh_Hant is generated from it with OpenCC
(``s2tw``: the Traditional glyphs readers expect, e.g. 才 and 為, without
regional vocabulary changes such as 视频 -> 影片, except the sign-in words, which
follow Django's and Wagtail's zh_Hant: ``HantConverter``), so the two
never drift apart. ``make messages`` runs this after makemessages.

site/locale_vendor holds our translations of Wagtail's and wagtailmedia's own
strings (docs/development.md, "Translations"). makemessages never writes there, so
its zh_Hant catalogues are generated whole: every zh_Hans entry, converted, plus
every msgid that a package of ``DERIVED_PACKAGES`` translates in its zh_Hans
catalogue but not in its zh_Hant one (those showed Simplified text on Traditional
screens), converted from that package's zh_Hans. Our zh_Hans entry wins when both
exist.
"""

import importlib.util
import sys
from pathlib import Path

import opencc
import polib

SITE = Path(__file__).resolve().parent.parent / "site"
LOCALE = SITE / "locale"
VENDOR = SITE / "locale_vendor"

Key = tuple[str | None, str]  # msgctxt, msgid

# Packages whose zh_Hant catalogues lack msgids their zh_Hans ones translate:
# Wagtail's (hundreds), DRF's (71 of 125: API errors such as "Authentication
# credentials were not provided." came back in Simplified to Traditional clients),
# taggit's (it has no zh_Hant at all: the admin's tag field). DRF ships .mo
# catalogues only; ``catalogue_file`` reads either.
DERIVED_PACKAGES = ("wagtail", "rest_framework", "taggit")


def package_root(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{name} is not installed in this environment")
    return Path(spec.origin).parent


def vendor_path(language: str, domain: str) -> Path:
    return VENDOR / language / "LC_MESSAGES" / f"{domain}.po"


def catalogue_at(path: Path, language: str) -> polib.POFile:
    """The catalogue at ``path`` as it is on disk, or a new, empty one."""
    if path.exists():
        return polib.pofile(str(path))
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    return catalogue


def catalogue_file(locale: Path, language: str, domain: str) -> Path:
    """A package's catalogue: its .po, else the .mo it ships (DRF ships no .po)."""
    folder = locale / language / "LC_MESSAGES"
    source = folder / f"{domain}.po"
    return source if source.exists() else folder / f"{domain}.mo"


def translated(path: Path) -> dict[Key, polib.POEntry]:
    """The entries of a catalogue that gettext uses: translated, not fuzzy/obsolete
    (a .mo holds nothing else)."""
    if not path.exists():
        return {}
    if path.suffix == ".mo":
        return {(e.msgctxt, e.msgid): e for e in polib.mofile(str(path)) if e.msgid}
    return {
        (entry.msgctxt, entry.msgid): entry
        for entry in polib.pofile(str(path))
        if entry.translated() and not entry.obsolete
    }


def upstream_hans_only(domain: str) -> dict[Key, tuple[polib.POEntry, list[str]]]:
    """The zh_Hans entries of ``DERIVED_PACKAGES`` whose own zh_Hant lacks them,
    and the packages (a Wagtail package is named by its folder: wagtail/admin).

    Packages are visited in order, their folders in path order; when two translate
    a msgid differently in zh_Hans, the first one's text is used.
    """
    found: dict[Key, tuple[polib.POEntry, list[str]]] = {}
    for name in DERIVED_PACKAGES:
        root = package_root(name)
        for locale in sorted(
            {path.parents[2] for path in root.glob("**/locale/zh_Hans/LC_MESSAGES/*")}
        ):
            package = locale.parent.relative_to(root.parent).as_posix()
            hant = translated(catalogue_file(locale, "zh_Hant", domain))
            hans = translated(catalogue_file(locale, "zh_Hans", domain))
            for key, entry in hans.items():
                if key not in hant:
                    found.setdefault(key, (entry, []))[1].append(package)
    return found


def convert(domain: str, converter: opencc.OpenCC) -> int:
    hans_path = LOCALE / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
    hant_path = LOCALE / "zh_Hant" / "LC_MESSAGES" / f"{domain}.po"
    if not hans_path.exists() or not hant_path.exists():
        return 0
    hans = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(hans_path))}
    hant = polib.pofile(str(hant_path))
    changed = 0
    for entry in hant:
        source = hans.get((entry.msgctxt, entry.msgid))
        if source is None:
            continue
        entry.msgstr = converter.convert(source.msgstr)
        if source.msgstr_plural:
            entry.msgstr_plural = {
                index: converter.convert(text)
                for index, text in source.msgstr_plural.items()
            }
        entry.flags = list(source.flags)
        changed += 1
    hant.save()
    return changed


def derive_vendor(domain: str, converter: opencc.OpenCC) -> tuple[int, int]:
    """Write locale_vendor/zh_Hant/<domain>.po: the zh_Hans catalogue, converted, and
    the packages' zh_Hans-only entries, converted. Returns (entries, from packages)."""
    hant_path = vendor_path("zh_Hant", domain)
    upstream = upstream_hans_only(domain)
    if not vendor_path("zh_Hans", domain).exists() and not upstream:
        return 0, 0
    catalogue = catalogue_at(vendor_path("zh_Hans", domain), "zh_Hans")
    catalogue.header = (
        f"Generated from site/locale_vendor/zh_Hans/LC_MESSAGES/{domain}.po and, for\n"
        "the msgids a package (Wagtail, DRF, taggit) translates in zh_Hans but not\n"
        "in zh_Hant, from its zh_Hans, by scripts/hant_from_hans.py (OpenCC s2tw).\n"
        "Do not edit: edit site/locale_vendor/zh_Hans and rerun."
    )
    catalogue.metadata["Language"] = "zh_Hant"
    catalogue.metadata["Language-Team"] = "zh_Hant"
    ours = {(entry.msgctxt, entry.msgid) for entry in catalogue}
    from_packages = 0
    for key, (source, packages) in upstream.items():
        if key in ours:
            continue
        catalogue.append(
            polib.POEntry(
                msgctxt=source.msgctxt,
                msgid=source.msgid,
                msgid_plural=source.msgid_plural,
                msgstr=source.msgstr,
                msgstr_plural=dict(source.msgstr_plural),
                flags=[flag for flag in source.flags if flag != "fuzzy"],
                tcomment=f"From the zh_Hans of {', '.join(packages)}",
            )
        )
        from_packages += 1
    for entry in catalogue:
        entry.msgstr = converter.convert(entry.msgstr)
        entry.msgstr_plural = {
            index: converter.convert(text)
            for index, text in entry.msgstr_plural.items()
        }
    hant_path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(hant_path))
    return len(catalogue), from_packages


class HantConverter:
    """OpenCC's ``s2tw``, then the words that Django's and Wagtail's own zh_Hant
    catalogues say differently on the same screens: the sign-in words (登入, 登出;
    ``s2tw`` keeps the mainland 登錄) and characters (字元, as in Django's "at
    least 8 characters"; a string is 字串, a hyphen 連字號)."""

    TERMS = (
        ("退出登錄", "登出"),
        ("登錄", "登入"),
        ("字符串", "字串"),
        ("連字符", "連字號"),
        ("字符", "字元"),
        # s2tw reads 重新制作 as 重 + 新制 (a new system) and keeps 制.
        ("制作", "製作"),
    )

    def __init__(self):
        self.opencc = opencc.OpenCC("s2tw")

    def convert(self, text: str) -> str:
        text = self.opencc.convert(text)
        for mainland, traditional in self.TERMS:
            text = text.replace(mainland, traditional)
        return text


def main() -> int:
    converter = HantConverter()
    for domain in ("django", "djangojs"):
        count = convert(domain, converter)
        sys.stdout.write(f"zh_Hant {domain}: {count} entries derived from zh_Hans\n")
    for domain in ("django", "djangojs"):
        count, from_packages = derive_vendor(domain, converter)
        sys.stdout.write(
            f"locale_vendor zh_Hant {domain}: {count} entries derived from zh_Hans "
            f"({from_packages} from the packages' own)\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
