"""List the msgids of Wagtail, wagtailmedia, DRF, taggit and Django's auth app that a
user still sees untranslated.

Wagtail and wagtailmedia ship zh_Hans catalogues with holes, Wagtail's and DRF's
zh_Hant catalogues lack msgids their zh_Hans ones translate, and wagtailmedia and
taggit have no zh_Hant catalogue at all. site/locale_vendor/zh_Hans fills the
zh_Hans holes by hand; scripts/hant_from_hans.py derives site/locale_vendor/zh_Hant
from it and from the zh_Hans-only entries of its ``DERIVED_PACKAGES``. A msgid is a
zh_Hans gap (English on Simplified screens) when

- its package's zh_Hans catalogue lacks it (or has it untranslated or fuzzy) and
  site/locale_vendor/zh_Hans does not translate it either;

and a zh_Hant gap (Simplified text on Traditional screens) when

- its package has no zh_Hant catalogue, is not one hant_from_hans.py derives from
  (wagtailmedia), and site/locale_vendor/zh_Hans does not translate it, or
- site/locale_vendor/zh_Hans translates it but site/locale_vendor/zh_Hant does not,
  or its package translates it in zh_Hans but neither its zh_Hant catalogue nor
  site/locale_vendor/zh_Hant does (hant_from_hans.py has not been run since).

Run it after upgrading any of them:

    .venv/bin/python scripts/vendor_translation_gaps.py          # list, exit 0
    .venv/bin/python scripts/vendor_translation_gaps.py --check  # exit 1 on gaps
    .venv/bin/python scripts/vendor_translation_gaps.py --write  # add the gaps to
        site/locale_vendor/zh_Hans as empty entries, ready to translate

Override entries that no package uses any more are reported as stale (not gaps).
"""

import argparse
import collections
import sys
from dataclasses import dataclass, field
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The catalogue helpers the derivation uses: one reading of "translated".
from hant_from_hans import (
    DERIVED_PACKAGES,
    VENDOR,
    catalogue_at,
    catalogue_file,
    package_root,
    translated,
)

ROOT = Path(__file__).resolve().parent.parent
# django.contrib.auth: the member's own password screen. Django 5.2's zh_Hans lacks
# its short-password refusal, and its Chinese password texts say 你 where every other
# screen says 您; site/locale_vendor/zh_Hans overrides those.
PACKAGES = (
    "wagtail",
    "wagtailmedia",
    "rest_framework",
    "taggit",
    "django.contrib.auth",
)
DOMAINS = ("django", "djangojs")

Key = tuple[str, str | None, str]  # domain, msgctxt, msgid


NO_HANS = "no zh_Hans translation"
NO_HANT_CATALOGUE = "package has no zh_Hant catalogue"
NOT_DERIVED = "zh_Hant not derived"
ONLY_HANS = "zh_Hans only, zh_Hant not derived"


@dataclass
class Gap:
    key: Key
    reason: str
    source: polib.POEntry
    packages: list[str] = field(default_factory=list)

    @property
    def language(self) -> str:
        """The screens it shows on untranslated: zh_Hans (English) or zh_Hant."""
        return "zh_Hans" if self.reason == NO_HANS else "zh_Hant"


def source_catalogues():
    """Yield (package label, domain, en catalogue, locale folder) for each package:
    its en .po, else the en .mo it ships (DRF's translates every msgid to itself)."""
    for name in PACKAGES:
        root = package_root(name)
        locales = {path.parents[2] for path in root.glob("**/locale/en/LC_MESSAGES/*")}
        for locale in sorted(locales):
            label = locale.parent.relative_to(root.parent).as_posix()
            for domain in DOMAINS:
                en = catalogue_file(locale, "en", domain)
                if en.exists():
                    read = polib.mofile if en.suffix == ".mo" else polib.pofile
                    yield label, domain, read(str(en)), locale


def vendor_path(language: str, domain: str) -> Path:
    return VENDOR / language / "LC_MESSAGES" / f"{domain}.po"


def find_gaps() -> tuple[dict[Key, Gap], list[Key]]:
    hans = {d: translated(vendor_path("zh_Hans", d)) for d in DOMAINS}
    hant = {d: translated(vendor_path("zh_Hant", d)) for d in DOMAINS}
    gaps: dict[Key, Gap] = {}
    used: set[Key] = set()
    for label, domain, source, locale in source_catalogues():
        upstream_hans = translated(catalogue_file(locale, "zh_Hans", domain))
        hant_path = catalogue_file(locale, "zh_Hant", domain)
        upstream_hant = translated(hant_path)
        derived = label.split("/")[0] in DERIVED_PACKAGES
        for entry in source:
            if entry.obsolete or not entry.msgid:
                continue
            pair = (entry.msgctxt, entry.msgid)
            key = (domain, *pair)
            used.add(key)
            if pair in hans[domain]:
                reason = None if pair in hant[domain] else NOT_DERIVED
            elif pair not in upstream_hans:
                reason = NO_HANS
            elif pair in upstream_hant or pair in hant[domain]:
                reason = None
            elif not hant_path.exists() and not derived:
                reason = NO_HANT_CATALOGUE
            else:
                reason = ONLY_HANS
            if reason:
                gap = gaps.setdefault(key, Gap(key, reason, entry))
                gap.packages.append(label)
    stale = sorted(
        (
            (domain, *pair)
            for domain in DOMAINS
            for pair in hans[domain]
            if (domain, *pair) not in used
        ),
        key=lambda key: (key[0], key[1] or "", key[2]),
    )
    return gaps, stale


def source_path(package: str, path: str) -> str:
    """wagtail/admin + views/x.py; wagtailmedia's paths start with src/wagtailmedia/."""
    return f"{package}/{path.removeprefix(f'src/{package}/')}"


def write_stubs(gaps: dict[Key, Gap]) -> int:
    """Add the gaps that need a zh_Hans translation to the override, empty."""
    added = 0
    for domain in DOMAINS:
        path = vendor_path("zh_Hans", domain)
        todo = [
            g
            for g in gaps.values()
            if g.key[0] == domain and g.reason in (NO_HANS, NO_HANT_CATALOGUE)
        ]
        if not todo:
            continue
        catalogue = catalogue_at(path, "zh_Hans")
        for gap in todo:
            _, msgctxt, msgid = gap.key
            if catalogue.find(msgid, msgctxt=msgctxt) is not None:
                continue  # present but empty or fuzzy: translate it there
            source = gap.source
            entry = polib.POEntry(
                msgctxt=msgctxt,
                msgid=msgid,
                comment=source.comment,
                flags=[f for f in source.flags if f != "fuzzy"],
                occurrences=[
                    (source_path(gap.packages[0], path), "")
                    for path, _ in source.occurrences
                ],
            )
            if source.msgid_plural:
                entry.msgid_plural = source.msgid_plural
                entry.msgstr_plural = {0: ""}
            catalogue.append(entry)
            added += 1
        path.parent.mkdir(parents=True, exist_ok=True)
        catalogue.save(str(path))
    return added


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if gaps remain")
    parser.add_argument(
        "--write", action="store_true", help="add the gaps to the zh_Hans override"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the counts")
    args = parser.parse_args(argv)

    gaps, stale = find_gaps()
    if not args.quiet:
        for gap in gaps.values():
            domain, msgctxt, msgid = gap.key
            context = f" [{msgctxt}]" if msgctxt else ""
            print(
                f"{', '.join(gap.packages)} {domain}{context}: {msgid!r} ({gap.reason})"
            )
        for domain, _msgctxt, msgid in stale:
            print(f"stale override {domain}: {msgid!r} (no package uses it any more)")
    per_language = collections.Counter(gap.language for gap in gaps.values())
    print(
        f"{len(gaps)} gaps ({per_language['zh_Hans']} zh_Hans, "
        f"{per_language['zh_Hant']} zh_Hant), {len(stale)} stale override entries"
    )
    if args.write:
        added = write_stubs(gaps)
        print(
            f"{added} empty entries added to {shown(VENDOR)}/zh_Hans: "
            "translate them, then run scripts/hant_from_hans.py and compilemessages"
        )
    return 1 if args.check and gaps else 0


if __name__ == "__main__":
    sys.exit(main())
