"""Translation catalogues: ``update`` regenerates and compiles them (``make messages``);
``check`` fails when a catalogue is stale, has an untranslated or fuzzy message, or its compiled
``.mo`` does not match its ``.po`` (part of ``make lint``, so of ``make test``).

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


def main(argv: list[str]) -> int:
    _setup()
    if argv[1:] == ["update"]:
        return update()
    if argv[1:] == ["check"]:
        return check()
    print("usage: messages.py update|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
