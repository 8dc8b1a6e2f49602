#!/usr/bin/env python
"""Keep the two catalogues complete.

Source strings are written in Chinese (the regulation's wording); `locale/zh_Hans` repeats them
and `locale/en` carries the English. Usage, from the checkout with the virtualenv active:

    python scripts/i18n.py update           # extract strings, fill zh_Hans, list what English lacks
    python scripts/i18n.py missing > t.json # the untranslated English entries as a JSON template
    python scripts/i18n.py apply t.json     # merge {"msgid": "English", ...} (plurals: [one, many])
    python scripts/i18n.py check            # exit 1 when a catalogue is incomplete (used by tests)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
IGNORE = [".venv/*", "staticfiles/*", "static/vendor/*", "tests/*", "bench/*", "node_modules/*", "media/*"]


def catalogue(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def update() -> None:
    args = [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-l", "en", "--no-location", "--no-obsolete"]
    for pattern in IGNORE:
        args += ["--ignore", pattern]
    env = {**os.environ, "DEBUG": "1"}
    subprocess.run(args, cwd=ROOT, check=True, env=env)
    fill_chinese()
    for language in ("zh_Hans", "en"):
        tidy_header(language)
    for entry in untranslated(polib.pofile(str(catalogue("en")))):
        print("missing English:", entry.msgid)


def tidy_header(language: str) -> None:
    """A stable header: no creation date and no fuzzy flag, so branches merge without conflicts."""
    po = polib.pofile(str(catalogue(language)))
    po.metadata_is_fuzzy = False
    po.header = "Catalogue of the supervision portal. Source strings are Chinese; see scripts/i18n.py."
    po.metadata.pop("POT-Creation-Date", None)
    po.metadata["Project-Id-Version"] = "supervision-portal"
    po.metadata["PO-Revision-Date"] = "2026-01-01 00:00+0800"
    po.metadata["Last-Translator"] = "portal team"
    po.metadata["Language-Team"] = language
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;" if language == "zh_Hans" else "nplurals=2; plural=(n != 1);"
    po.save()


def fill_chinese() -> None:
    po = polib.pofile(str(catalogue("zh_Hans")))
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "zh_Hans"
    for entry in po:
        entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid}
        else:
            entry.msgstr = entry.msgid
    po.save()


def untranslated(po: polib.POFile) -> list[polib.POEntry]:
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            missing.append(entry)
        elif entry.msgid_plural:
            forms = int(po.metadata.get("Plural-Forms", "nplurals=2").split("nplurals=")[1].split(";")[0])
            if not all(entry.msgstr_plural.get(index) for index in range(forms)):
                missing.append(entry)
        elif not entry.msgstr:
            missing.append(entry)
    return missing


def missing() -> None:
    template = {}
    for entry in untranslated(polib.pofile(str(catalogue("en")))):
        template[entry.msgid] = ["", ""] if entry.msgid_plural else ""
    json.dump(template, sys.stdout, ensure_ascii=False, indent=1)
    print()


def apply(path: str) -> None:
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    po = polib.pofile(str(catalogue("en")))
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    po.metadata["Language"] = "en"
    applied = 0
    for entry in po:
        english = translations.get(entry.msgid)
        if not english:
            continue
        entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
        entry.previous_msgid = None
        if entry.msgid_plural:
            one, many = english if isinstance(english, list) else (english, english)
            entry.msgstr_plural = {0: one, 1: many}
        else:
            entry.msgstr = english
        applied += 1
    po.save()
    left = untranslated(po)
    print(f"applied {applied}; still missing {len(left)}")
    for entry in left:
        print("missing English:", entry.msgid)


def check() -> int:
    problems = 0
    for language in ("zh_Hans", "en"):
        for entry in untranslated(polib.pofile(str(catalogue(language)))):
            print(f"{language}: untranslated {entry.msgid!r}")
            problems += 1
    return 1 if problems else 0


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    if command == "update":
        update()
    elif command == "missing":
        missing()
    elif command == "apply":
        apply(sys.argv[2])
    elif command == "check":
        return check()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
