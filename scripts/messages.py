"""Translation catalogues: ``update`` regenerates and compiles them (``make messages``);
``check`` fails when a catalogue is stale, has an untranslated or fuzzy message, or its compiled
``.mo`` does not match its ``.po`` (part of ``make lint``, so of ``make test``).

For translators: ``todo LOCALE`` prints the untranslated and fuzzy messages as JSON
(``{"msgid": ""}``; a plural message maps to a list, one string per plural form of the locale;
a message with a context is keyed ``"context\u0004msgid"``); ``fill LOCALE FILE.json`` writes
such a file back (clearing the fuzzy flags) and compiles; ``union LOCALE OTHER.po ...`` fills the
untranslated messages from other copies of the catalogue (e.g. both sides of a merge).

The catalogues carry no source locations (``--no-location``): a moved line changes nothing, and
two branches that add strings merge without touching each other's lines.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "rubrica"
LOCALES = ("it", "zh_Hans", "fa")
DOMAINS = ("django",)
IGNORE = ["tests/*", "*/static/*/vendor/*", "node_modules/*", "migrations/*"]


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
    import django

    django.setup()


def _extract(package: Path) -> None:
    """Run makemessages in ``package`` (the real one or a copy), writing to its ``locale``."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    here = Path.cwd()
    os.chdir(package)
    try:
        with override_settings(LOCALE_PATHS=[str(package / "locale")]):
            for domain in DOMAINS:
                call_command(
                    "makemessages",
                    locale=list(LOCALES),
                    domain=domain,
                    no_location=True,
                    no_obsolete=True,
                    ignore_patterns=IGNORE,
                    verbosity=0,
                )
    finally:
        os.chdir(here)


def _po(locale: str, domain: str, package: Path = PACKAGE) -> Path:
    return package / "locale" / locale / "LC_MESSAGES" / f"{domain}.po"


def update() -> int:
    from django.core.management import call_command

    _extract(PACKAGE)
    here = Path.cwd()
    os.chdir(PACKAGE)
    try:
        call_command("compilemessages", locale=list(LOCALES), verbosity=0)
    finally:
        os.chdir(here)
    return check()


def _key(entry) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def check() -> int:
    import polib

    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "rubrica"
        shutil.copytree(
            PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "vendor")
        )
        _extract(copy)
        for locale in LOCALES:
            for domain in DOMAINS:
                po_path = _po(locale, domain)
                if not po_path.exists():
                    problems.append(f"{po_path.relative_to(ROOT)}: missing (run `make messages`)")
                    continue
                shipped = polib.pofile(str(po_path))
                fresh = polib.pofile(str(_po(locale, domain, copy)))
                have = {_key(e) for e in shipped if not e.obsolete}
                want = {_key(e) for e in fresh if not e.obsolete}
                name = po_path.relative_to(ROOT)
                for key in sorted(want - have)[:10]:
                    problems.append(f"{name}: stale, new message {key[1]!r} (run `make messages`)")
                for key in sorted(have - want)[:10]:
                    problems.append(f"{name}: stale, message {key[1]!r} no longer used")
                for entry in shipped:
                    if entry.obsolete:
                        continue
                    if "fuzzy" in entry.flags:
                        problems.append(f"{name}: fuzzy translation of {entry.msgid!r}")
                    elif not entry.translated():
                        problems.append(f"{name}: untranslated {entry.msgid!r}")
                mo_path = po_path.with_suffix(".mo")
                if not mo_path.exists():
                    problems.append(f"{mo_path.relative_to(ROOT)}: missing (run `make messages`)")
                    continue
                compiled = {
                    _key(e): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                    for e in polib.mofile(str(mo_path))
                    if e.msgid
                }
                written = {
                    _key(e): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                    for e in shipped
                    if e.translated() and "fuzzy" not in e.flags and not e.obsolete
                }
                if compiled != written:
                    problems.append(
                        f"{mo_path.relative_to(ROOT)}: out of date (run `make messages`)"
                    )
    for problem in problems[:60]:
        print(problem, file=sys.stderr)
    if len(problems) > 60:
        print(f"... and {len(problems) - 60} more", file=sys.stderr)
    return 1 if problems else 0


def _json_key(entry) -> str:  # type: ignore[no-untyped-def]
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def _plural_count(catalogue) -> int:  # type: ignore[no-untyped-def]
    header = catalogue.metadata.get("Plural-Forms", "nplurals=2;")
    return int(header.split("nplurals=")[1].split(";")[0])


def _compile(locale: str) -> None:
    from django.core.management import call_command

    here = Path.cwd()
    os.chdir(PACKAGE)
    try:
        call_command("compilemessages", locale=[locale], verbosity=0)
    finally:
        os.chdir(here)


def todo(locale: str) -> int:
    import json

    import polib

    catalogue = polib.pofile(str(_po(locale, "django")))
    forms = _plural_count(catalogue)
    pending: dict[str, object] = {}
    for entry in catalogue:
        if entry.obsolete or (entry.translated() and "fuzzy" not in entry.flags):
            continue
        pending[_json_key(entry)] = [""] * forms if entry.msgid_plural else ""
    print(json.dumps(pending, ensure_ascii=False, indent=1))
    return 0


def fill(locale: str, source: str) -> int:
    import json

    import polib

    path = _po(locale, "django")
    catalogue = polib.pofile(str(path))
    given = json.loads(Path(source).read_text(encoding="utf-8"))
    used = 0
    for entry in catalogue:
        value = given.get(_json_key(entry))
        if not value:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = dict(enumerate(value))
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        used += 1
    catalogue.save(str(path))
    _compile(locale)
    print(f"{locale}: {used} of {len(given)} messages written", file=sys.stderr)
    return 0 if used == len([v for v in given.values() if v]) else 1


def union(locale: str, others: list[str]) -> int:
    import polib

    path = _po(locale, "django")
    catalogue = polib.pofile(str(path))
    known: dict[tuple[str, str, str], object] = {}
    for other in others:
        for entry in polib.pofile(other):
            if entry.translated() and "fuzzy" not in entry.flags and not entry.obsolete:
                known.setdefault(_key(entry), entry)
    used = 0
    for entry in catalogue:
        if entry.obsolete or (entry.translated() and "fuzzy" not in entry.flags):
            continue
        found = known.get(_key(entry))
        if found is None:
            continue
        entry.msgstr = found.msgstr  # type: ignore[attr-defined]
        entry.msgstr_plural = dict(found.msgstr_plural)  # type: ignore[attr-defined]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        used += 1
    catalogue.save(str(path))
    _compile(locale)
    print(f"{locale}: {used} messages filled from {len(others)} catalogue(s)", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    _setup()
    args = argv[1:]
    if args == ["update"]:
        return update()
    if args == ["check"]:
        return check()
    if len(args) == 2 and args[0] == "todo":
        return todo(args[1])
    if len(args) == 3 and args[0] == "fill":
        return fill(args[1], args[2])
    if len(args) >= 3 and args[0] == "union":
        return union(args[1], args[2:])
    print(
        "usage: messages.py update|check|todo LOCALE|fill LOCALE FILE.json|union LOCALE PO...",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
