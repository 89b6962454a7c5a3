"""Derive the Traditional Chinese catalogues from the Simplified Chinese ones.

Translators maintain site/locale/zh_Hans; zh_Hant is generated from it with OpenCC
(``s2tw``: the Traditional glyphs readers expect, e.g. 才 and 為, without
regional vocabulary changes such as 视频 -> 影片), so the two
never drift apart. ``make messages`` runs this after makemessages.
"""

import sys
from pathlib import Path

import opencc
import polib

LOCALE = Path(__file__).resolve().parent.parent / "site" / "locale"


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


def main() -> int:
    converter = opencc.OpenCC("s2tw")
    for domain in ("django", "djangojs"):
        count = convert(domain, converter)
        sys.stdout.write(f"zh_Hant {domain}: {count} entries derived from zh_Hans\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
