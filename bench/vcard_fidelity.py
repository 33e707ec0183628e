"""vCard round-trip fidelity: real exports imported and exported back, property by property.

Run it with ``make bench BENCH_ARGS="--only fidelity"`` (or ``bench/vcard_fidelity.py``) and
``--help``. For every ``.vcf`` file of the ``--corpus`` folders (default ``../shared/corpus/vcard``
beside the repository, when it exists: the project does not depend on it; and the project's own
tricky 3.0 and 4.0 cards in ``tests/dataio/fixtures/vcard``) it imports the file through the
real import job (``store_upload``, ``import_start``, ``job_run``) into a fresh SQLite database
under ``var/bench/``, exports the people it created through the real export job as vCard 4.0 and
3.0, parses the source and both exports with the codec and compares them card by card, property
by property, semantically (``compare_card``). Each source property is *identical*, *changed form*
(kept, written otherwise: a version's own form, a parameter Rubrica does not model, a file
property such as PRODID; every one with its reason) or *lost* (nothing in the export carries it:
a bug). Parameters are counted too (``parameter_units``: each TYPE value, the preference, each
value of any other parameter, a group's tie to its companions), and each one the export does not
carry is reported. Cards the import refused are listed with the reason from the job's report
rows. The figures replace the "vCard round-trip fidelity" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
if str(REPO) not in sys.path:  # run as a script: ``bench.run`` is imported from the repository
    sys.path.insert(0, str(REPO))

from rubrica.dataio.vcard import values as v  # noqa: E402  (after the path above)
from rubrica.dataio.vcard.lines import content_line  # noqa: E402
from rubrica.dataio.vcard.mapping import ONLY_30, TO_30  # noqa: E402
from rubrica.dataio.vcard.model import BARE_ENCODINGS, Card, Property  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "vcard"
#: The project's own tricky 3.0 and 4.0 cards (written for it, also used by its tests).
OWN_CARDS = REPO / "tests" / "dataio" / "fixtures" / "vcard"
VERSIONS = ("4.0", "3.0")
DOCS_BEGIN = "<!-- bench:vcard-fidelity:begin -->"
DOCS_END = "<!-- bench:vcard-fidelity:end -->"

# How values are compared: inline binaries as bytes, structured values as tuples of unescaped
# components, comma lists as tuples of items, everything else as unescaped text.
BINARY = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
STRUCTURED = frozenset({"N", "ADR", "ORG", "GENDER", "X-GENDER", "CLIENTPIDMAP"})
LISTS = frozenset({"NICKNAME", "CATEGORIES"})
DATES = frozenset({"BDAY", "ANNIVERSARY", "X-ANNIVERSARY"})
#: Parameters that only say how the value travels: ignored.
TRANSPORT = frozenset({"ENCODING", "CHARSET"})
#: Names a version writes differently (compared under the 4.0 name, or the 3.0 name of a
#: property 4.0 has not): the X- forms of ``mapping.version_form``.
RENAMED = {x: name for name, x in TO_30.items()} | {x: name for name, x in ONLY_30.items()}
#: Properties of the file rather than of the person (ADR 0005): the export writes its own.
FILE_PROPERTIES = {
    "VERSION": "the export writes its own version",
    "PRODID": "describes the program that wrote the file: the export names Rubrica",
    "REV": "describes the file, not the person (ADR 0005): the export writes none",
}


_GEO = re.compile(r"(?:geo:)?\s*([-+]?[\d.]+)\s*[;,]\s*([-+]?[\d.]+)", re.IGNORECASE)


# --- comparison (no database) -----------------------------------------------------------------


@dataclass(frozen=True)
class Norm:
    """A property reduced to what it means: equal norms are the same property, however written.

    ``companions`` are the names of the other properties of its group (Apple ties an ``X-ABLabel``
    to its ``TEL`` that way): the group's name itself is free to change."""

    name: str
    value: str | tuple[str, ...] | bytes
    types: frozenset[str]
    pref: bool
    params: tuple[tuple[str, tuple[str, ...]], ...]
    companions: tuple[str, ...]


def normalise(prop: Property, companions: tuple[str, ...] = ()) -> Norm:
    """TYPE values (and 2.1 bare parameters) as a case-folded set; ``TYPE=pref`` and ``PREF=1``
    as the preference flag; ENCODING and CHARSET dropped after decoding; other parameters by
    upper-cased name, in any order (VALUE's value case-folded)."""
    name = prop.key
    found = v.binary(prop) if name in BINARY else None
    types: set[str] = set()
    pref = False
    params: dict[str, list[str]] = {}
    for param in prop.params:
        if param.name is None and param.values and param.values[0].upper() in BARE_ENCODINGS:
            continue
        pname = "TYPE" if param.name is None else param.name.upper()
        if pname in TRANSPORT or (found is not None and pname in ("TYPE", "MEDIATYPE", "VALUE")):
            continue
        if pname == "TYPE":
            for item in param.values:
                for word in item.split(","):
                    word = word.strip().casefold()
                    if word == "pref":
                        pref = True
                    elif word:
                        types.add(word)
        elif pname == "PREF" and [x.strip() for x in param.values] == ["1"]:
            pref = True
        else:
            fold = str.casefold if pname == "VALUE" else str.strip
            params.setdefault(pname, []).extend(fold(x.strip()) for x in param.values)
    value: str | tuple[str, ...] | bytes
    if found is not None:
        value = found[0]
        params["MEDIATYPE"] = [found[1]]
    elif name in STRUCTURED:
        parts = v.split_components(v.decoded_text(prop))
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        value = tuple(parts)
    elif name in LISTS:
        value = tuple(v.split_list(v.decoded_text(prop)))
    elif name == "GEO" and (geo := _GEO.fullmatch(v.text(prop).strip())):
        value = (geo.group(1), geo.group(2))  # ``lat;lon`` (3.0) or ``geo:lat,lon`` (4.0)
    else:
        value = v.text(prop)
    return Norm(
        name=name,
        value=value,
        types=frozenset(types),
        pref=pref,
        params=tuple(sorted((k, tuple(vs)) for k, vs in params.items())),
        companions=companions,
    )


def normalise_card(card: Card) -> list[Norm]:
    groups: dict[str, list[str]] = {}
    for prop in card.properties:
        if prop.group:
            groups.setdefault(prop.group.upper(), []).append(prop.key)
    out = []
    for prop in card.properties:
        mates: tuple[str, ...] = ()
        if prop.group:
            names = list(groups[prop.group.upper()])
            names.remove(prop.key)
            mates = tuple(sorted(names))
        out.append(normalise(prop, mates))
    return out


@dataclass
class Difference:
    """One source property that is not identical in the export (or an export property that
    has no source: ``added``)."""

    kind: str  # "changed", "lost", "added" or "syntax" (an export property in 2.1 syntax)
    source: str
    export: str
    reason: str


@dataclass
class CardReport:
    properties: int = 0
    identical: int = 0
    changed: int = 0
    lost: int = 0
    added: int = 0
    #: export properties written in vCard 2.1 syntax (kept verbatim) in a 3.0 or 4.0 file
    old_syntax: int = 0
    #: parameters of the source (each TYPE value, the preference, every other parameter value,
    #: and a group's tie to its companions), and those of them that the export does not carry
    parameters: int = 0
    parameters_lost: int = 0
    differences: list[Difference] = field(default_factory=list)


def _short(text: str, limit: int = 72) -> str:
    text = text.replace("\r", "").replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line(prop: Property) -> str:
    if prop.key in BINARY and v.binary(prop) is not None:
        found = v.binary(prop)
        assert found is not None
        head = content_line(Property(prop.name, "", prop.params, prop.group)).rstrip(":")
        return f"{head}:<{len(found[0]):,} bytes>"
    return _short(content_line(prop))


def _flat(value: str | tuple[str, ...] | bytes) -> str:
    if isinstance(value, bytes):
        return f"<{len(value):,} bytes>"
    return ";".join(value) if isinstance(value, tuple) else value


def _loose(norm: Norm) -> str | bytes:
    """The value with case, spacing and punctuation gone: what two forms of one value share."""
    if isinstance(norm.value, bytes):
        return norm.value
    text = " ".join(norm.value) if isinstance(norm.value, tuple) else norm.value
    if norm.name in DATES:
        digits = "".join(ch for ch in text.split("T", 1)[0] if ch.isdigit())
        return digits[4:] if digits.startswith("1604") and len(digits) == 8 else digits
    if norm.name == "TEL" and text[:4].lower() == "tel:":
        text = text[4:]
    if norm.name == "TEL":
        return "".join(ch for ch in text if ch.isdigit())
    if norm.name == "URL":
        text = re.sub(r"^[a-z]+://", "", text.strip().casefold()).rstrip("/")
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _alike(a: str, b: str) -> bool:
    return bool(a and b) and (a in b or b in a or SequenceMatcher(None, a, b).ratio() >= 0.6)


def _canonical(name: str) -> str:
    return RENAMED.get(name, name)


def _value_reason(s: Norm, e: Norm, version: str) -> str:
    if isinstance(s.value, bytes) or isinstance(e.value, bytes):
        return f"binary value {_flat(s.value)} → {_flat(e.value)}"
    a, b = _flat(s.value), _flat(e.value)
    if s.name in DATES:
        if "T" in a and _loose(s) == _loose(e):
            return f"date {a} → {b}: the time of day is not kept (Rubrica stores a date)"
        if _loose(s) == _loose(e):
            return f"date {a} → {b} (vCard {version}'s form)"
        return f"date {a} → {b}"
    if s.name == "TEL" and a[:4].lower() == "tel:":
        return f"tel: URI {a!r} → {b!r}"
    if s.name == "URL" and _loose(s) == _loose(e):
        return f"web address {a!r} → {b!r} (the contact services normalise URLs)"
    if isinstance(s.value, tuple) and isinstance(e.value, tuple) and len(s.value) == len(e.value):
        flat = tuple(" ".join(p.split()) for p in s.value)
        if flat == e.value and any("\n" in p for p in s.value):
            return (
                "line breaks inside a component became spaces (the contact services keep each "
                "address part on one line)"
            )
    if s.name == "ORG" and isinstance(s.value, tuple) and len(s.value) > 2:
        return f"units {', '.join(s.value[1:])!r} joined into one department"
    if isinstance(s.value, tuple) and tuple(p.strip() for p in s.value) == e.value:
        return "spaces around components trimmed"
    if a.strip() == b:
        return "surrounding spaces trimmed"
    if a.casefold() == b.casefold():
        why = " (the contact services lower-case an email's domain)" if s.name == "EMAIL" else ""
        return f"case {a!r} → {b!r}{why}"
    if s.name == "X-ABLABEL" and a.startswith("_$!<"):
        return f"Apple's built-in label {a!r} written as the custom label {b!r}"
    if s.name in LISTS and set(s.value) <= set(e.value):
        return f"merged into one {e.name} with {len(e.value)} items"
    return f"value {_short(a, 50)!r} → {_short(b, 50)!r}"


def _params_reason(s: Norm, e: Norm) -> list[str]:
    out = []
    before, after = dict(s.params), dict(e.params)
    for key in sorted(set(before) | set(after)):
        if key not in after:
            out.append(f"{key}={','.join(before[key])} not kept")
        elif key not in before:
            out.append(f"{key}={','.join(after[key])} added")
        elif before[key] != after[key]:
            out.append(f"{key} {','.join(before[key])} → {','.join(after[key])}")
    return out


ADDED_REASONS = {
    "VERSION": "written by the export",
    "PRODID": "written by the export",
    "UID": "the import gives every person one",
    "FN": "the display name, derived when the card has none",
    "N": "always written (required in vCard 3.0)",
}
TYPE_REASONS = {
    "internet": "every email is one",
    "x400": "not a label",
    "voice": "implied for a phone that has another type",
}


def describe(s: Norm, e: Norm, version: str) -> str:
    """What differs between a source property and its export, in words."""
    parts: list[str] = []
    if s.name in FILE_PROPERTIES and s.name == e.name:
        if s.value != e.value:
            parts.append(f"{FILE_PROPERTIES[s.name]} ({_flat(s.value)} → {_flat(e.value)})")
    else:
        if s.name != e.name:
            parts.append(f"written as {e.name} in vCard {version}")
        if s.value != e.value:
            parts.append(_value_reason(s, e, version))
    dropped, added = sorted(s.types - e.types), sorted(e.types - s.types)
    labelled = e.companions == ("X-ABLABEL",) and s.companions != e.companions
    for token in dropped:
        why = TYPE_REASONS.get(token, "")
        if labelled and not why:
            why = "a custom label: written as the group's X-ABLabel"
            labelled = False
        parts.append(f"TYPE {token} not kept" + (f" ({why})" if why else ""))
    if added:
        parts.append(f"TYPE {','.join(added)} added")
    if s.pref != e.pref:
        if s.pref:
            parts.append("preference not kept (one preferred value of a kind)")
        else:
            parts.append("marked preferred (the first of its kind when none is)")
    parts += _params_reason(s, e)
    if s.companions != e.companions and not (dropped and e.companions == ("X-ABLABEL",)):
        was = ", ".join(s.companions) or "nothing"
        now = ", ".join(e.companions) or "nothing"
        parts.append(f"grouped with {now} (was with {was})")
    return "; ".join(parts) or "written otherwise"


#: Parameters that say how a version writes a value: the value itself is compared.
VERSION_FORMS = frozenset({"X-APPLE-OMIT-YEAR", "VALUE"})


def parameter_units(norm: Norm) -> set[tuple[str, str]]:
    """A property's parameters as countable units: each TYPE value, the preference, each value
    of every other parameter (transport and version forms aside), and its group's tie."""
    units = {("TYPE", t) for t in norm.types}
    if norm.pref:
        units.add(("PREF", "1"))
    for name, values in norm.params:
        if name in VERSION_FORMS:
            continue
        units.update((name, value) for value in values)
    if norm.companions:
        units.add(("group", ",".join(norm.companions)))
    return units


def _lost_units(s: Norm, e: Norm | None) -> list[tuple[str, str]]:
    kept = parameter_units(e) if e is not None else set()
    return sorted(parameter_units(s) - kept)


def compare_card(source: Card, exported: Card | None, version: str) -> CardReport:
    """Every property of ``source``: identical in ``exported``, changed form (with the reason)
    or lost; and every property of ``exported`` that nothing in ``source`` accounts for."""
    src_props, src = source.properties, normalise_card(source)
    exp_props = exported.properties if exported is not None else []
    exp = normalise_card(exported) if exported is not None else []
    report = CardReport(properties=len(src))
    pairs: dict[int, int] = {}
    # Pass 1: the same meaning.
    free: dict[Norm, list[int]] = {}
    for j, norm in enumerate(exp):
        free.setdefault(norm, []).append(j)
    for i, norm in enumerate(src):
        if free.get(norm):
            pairs[i] = free[norm].pop(0)
            report.identical += 1
    used = set(pairs.values())
    # Pass 2: the same property written otherwise: same (canonical) name and the same value
    # once case, spacing and punctuation are set aside, or the only one of its name left on
    # both sides; best candidates first. Items of a comma list may have been merged into one.
    left = [i for i in range(len(src)) if i not in pairs]
    spare = [j for j in range(len(exp)) if j not in used]
    by_name: dict[str, list[int]] = {}
    for j in spare:
        by_name.setdefault(_canonical(exp[j].name), []).append(j)
    src_names: dict[str, int] = {}
    for i in left:
        src_names[_canonical(src[i].name)] = src_names.get(_canonical(src[i].name), 0) + 1
    scored: list[tuple[float, int, int]] = []
    for i in left:
        s = src[i]
        name = _canonical(s.name)
        for j in by_name.get(name, []):
            e = exp[j]
            close = _loose(s) == _loose(e)
            # The only one of its name on both sides, with a value still alike (or a file
            # property): a value rewritten beyond recognition is lost, not changed in form.
            alone = src_names[name] == 1 and len(by_name[name]) == 1
            if alone and name not in FILE_PROPERTIES:
                a, b = _loose(s), _loose(e)
                alone = isinstance(a, str) and isinstance(b, str) and _alike(a, b)
            if not close and not alone:
                continue
            score = 8.0 * close + (s.types == e.types) + (s.pref == e.pref)
            score += (s.params == e.params) + (s.companions == e.companions) + (s.name == e.name)
            score += SequenceMatcher(None, str(s.value), str(e.value)).ratio()
            scored.append((score, i, j))
    changed: dict[int, tuple[int, str]] = {}
    for _score, i, j in sorted(scored, key=lambda item: (-item[0], item[1], item[2])):
        if i in changed or j in used:
            continue
        used.add(j)
        changed[i] = (j, describe(src[i], exp[j], version))
    for i in left:
        if i in changed:
            continue
        s = src[i]
        if s.name in LISTS and isinstance(s.value, tuple):  # several NICKNAMEs written as one
            items = {x.strip().casefold() for x in s.value if x.strip()}
            for j, e in enumerate(exp):
                if not isinstance(e.value, tuple) or e.name != s.name:
                    continue
                if items <= {x.casefold() for x in e.value}:
                    changed[i] = (j, describe(s, e, version))
                    break
    # An Apple label of a known kind becomes a TYPE of the property it labelled.
    for i in left:
        if i in changed or src[i].name != "X-ABLABEL" or not src_props[i].group:
            continue
        label = v.text(src_props[i]).strip()
        token = label[4:-4] if label.startswith("_$!<") and label.endswith(">!$_") else label
        token = {"mobile": "cell"}.get(token.casefold(), token.casefold())
        group = src_props[i].group.upper()  # type: ignore[union-attr]
        for k, prop in enumerate(src_props):
            if k == i or (prop.group or "").upper() != group:
                continue
            j = pairs.get(k, changed.get(k, (-1, ""))[0])
            if j >= 0 and token in exp[j].types:
                changed[i] = (j, f"label {label!r} written as TYPE={token} on {exp[j].name}")
                break
    for i, s in enumerate(src):
        report.parameters += len(parameter_units(s))
        if s.name in FILE_PROPERTIES:
            continue
        j = pairs[i] if i in pairs else changed[i][0] if i in changed else -1
        lost_units = _lost_units(s, exp[j] if j >= 0 else None)
        report.parameters_lost += len(lost_units)
        for name, value in lost_units:
            what = f"group with {value}" if name == "group" else f"{name}={value}"
            report.differences.append(
                Difference("param", _line(src_props[i]), _line(exp_props[j]) if j >= 0 else "",
                           f"{what} not kept")
            )  # fmt: skip
    for i in left:
        s = src[i]
        if i in changed:
            j, reason = changed[i]
            report.changed += 1
            report.differences.append(
                Difference("changed", _line(src_props[i]), _line(exp_props[j]), reason)
            )
        elif s.name in FILE_PROPERTIES:
            report.changed += 1
            report.differences.append(
                Difference("changed", _line(src_props[i]), "", FILE_PROPERTIES[s.name])
            )
        else:
            report.lost += 1
            report.differences.append(
                Difference("lost", _line(src_props[i]), "", "nothing in the export carries it")
            )
    accounted = used | {j for j, _reason in changed.values()}
    # The X-ABLabel the export writes for a custom TYPE carries that TYPE: not an addition.
    source_of = {j: i for i, j in pairs.items()} | {j: i for i, (j, _r) in changed.items()}
    for j, e in enumerate(exp):
        if e.name != "X-ABLABEL" or not exp_props[j].group or j in accounted:
            continue
        group = (exp_props[j].group or "").upper()
        label = v.text(exp_props[j]).strip().casefold()
        for k, prop in enumerate(exp_props):
            same = k != j and (prop.group or "").upper() == group
            if same and k in source_of and label in src[source_of[k]].types:
                accounted.add(j)
    for j, e in enumerate(exp):
        if j not in accounted:
            report.added += 1
            why = ADDED_REASONS.get(e.name, "not in the source")
            report.differences.append(Difference("added", "", _line(exp_props[j]), why))
    # Kept verbatim (ADR 0005) in the syntax of vCard 2.1, which a 3.0 or 4.0 reader may not
    # decode: quoted-printable, bare parameters, CHARSET.
    for prop in exp_props if version != "2.1" else []:
        bare = any(p.name is None for p in prop.params)
        qp = prop.encoding() == "QUOTED-PRINTABLE"
        charset = any(p.is_named("CHARSET") for p in prop.params)
        if bare or qp or charset:
            report.old_syntax += 1
            what = [w for w, on in (("quoted-printable", qp), ("bare parameters", bare),
                                    ("CHARSET", charset)) if on]  # fmt: skip
            why = f"{', '.join(what)}: vCard 2.1 syntax, kept verbatim"
            report.differences.append(Difference("syntax", "", _line(prop), why))
    return report


# --- the run (database) -----------------------------------------------------------------------


@dataclass
class FileReport:
    name: str
    cards_in: int
    cards_imported: int
    properties: int
    refused: list[str] = field(default_factory=list)
    #: what the import's report says about cards it did import (values set aside, kept verbatim)
    notes: list[str] = field(default_factory=list)
    # per version: identical, changed, lost, added and the differences (card number, Difference)
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Import real vCard files and export them back: what is kept, changed, lost."
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        nargs="+",
        default=[DEFAULT_CORPUS, OWN_CARDS],
        help="folders of .vcf files (default ../shared/corpus/vcard beside the repository, "
        "when it exists, and the project's own tricky cards in tests/dataio/fixtures/vcard)",
    )
    parser.add_argument("--var-dir", type=Path, default=REPO / "var" / "bench")
    parser.add_argument("--docs", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--no-docs", action="store_true", help="do not write the docs section")
    return parser.parse_args(argv)


def configure(var_dir: Path) -> Path:
    """A fresh SQLite database and var directory of the bench's own, migrated in a child process
    (whatever DATABASE_URL says: the figures do not depend on the engine)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    db = var_dir / "vcard-fidelity.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["RUBRICA_VAR_DIR"] = str(var_dir / "vcard-fidelity-var")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "migrate", "--verbosity", "0"], check=True
    )
    return db


def round_trip(path: Path, number: int, out_dir: Path) -> FileReport:
    """Import ``path`` as a user of its own, export what it created in each version, compare."""
    from rubrica.accounts.models import User
    from rubrica.dataio.exporting import export_start
    from rubrica.dataio.imports.services import import_start
    from rubrica.dataio.imports.uploads import store_upload
    from rubrica.dataio.models import ImportRow, Outcome
    from rubrica.dataio.vcard import parse
    from rubrica.jobs.services import job_output_open, job_run

    source = parse(path.read_bytes())
    user = User.objects.create_user(username=f"fidelity{number}", password=None, role="member")
    with open(path, "rb") as stream:
        upload = store_upload(actor=user, stream=stream, filename=path.name)
    job = job_run(import_start(actor=user, upload=upload, options={}, enqueue=False).pk)
    rows = list(ImportRow.objects.filter(job=job).select_related("contact").order_by("line"))
    report = FileReport(
        name=path.name,
        cards_in=len(source.cards) + len(source.errors),
        cards_imported=sum(1 for r in rows if r.contact_id and r.outcome != Outcome.FAILED),
        properties=sum(len(card.properties) for card in source.cards),
    )
    if job.status != "succeeded":
        report.refused.append(f"the import job {job.status}: {job.error}")
    for row in rows:
        if row.outcome in (Outcome.FAILED, Outcome.SKIPPED):
            report.refused.append(f"line {row.line}, {row.outcome}: {row.message}")
        elif row.message:
            report.notes.append(f"line {row.line}: {row.message}")
    # Source card -> the person its report row names (by line, else in order).
    by_line = {row.line: row for row in rows}
    ordered = [row for row in rows if row.outcome != Outcome.FAILED]
    people: list[Any] = []
    for index, card in enumerate(source.cards):
        found = by_line.get(card.line) or (ordered[index] if index < len(ordered) else None)
        ok = found is not None and found.outcome != Outcome.FAILED
        people.append(found.contact if found is not None and ok else None)
    ids = [person.pk for person in people if person is not None]
    for version in VERSIONS:
        fmt = "vcard4" if version == "4.0" else "vcard3"
        export = job_run(
            export_start(actor=user, format=fmt, selection={"ids": ids}, enqueue=False).pk
        )
        handle = job_output_open(export)
        if handle is None:
            raise SystemExit(f"fidelity: the {fmt} export of {path.name} failed: {export.error}")
        with handle:
            data = handle.read()
        (out_dir / f"{path.stem}.{fmt}.vcf").write_bytes(data)
        exported = parse(data)
        by_uid: dict[str, Card] = {}
        for card in exported.cards:
            uid = next((v.text(p).strip() for p in card.properties if p.key == "UID"), "")
            by_uid[uid] = card
        totals = {
            "identical": 0,
            "changed": 0,
            "lost": 0,
            "added": 0,
            "old_syntax": 0,
            "parameters": 0,
            "parameters_lost": 0,
        }
        differences: list[dict[str, Any]] = []
        for index, (card, person) in enumerate(zip(source.cards, people, strict=True), start=1):
            if person is None:
                continue
            result = compare_card(card, by_uid.get(person.uid), version)
            for key in totals:
                totals[key] += getattr(result, key)
            differences += [{"card": index, **asdict(d)} for d in result.differences]
        report.versions[version] = {**totals, "differences": differences}
    return report


def machine() -> dict[str, Any]:
    from bench.run import cpu_name

    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


INTRO = """## vCard round-trip fidelity

`bench/vcard_fidelity.py` (`make bench BENCH_ARGS="--only fidelity"`, see `bench/README.md`):
every real export of `../shared/corpus/vcard/` (iPhone, Android, Gmail, Outlook, Lotus Notes,
Evolution, Mac Address Book, Thunderbird, the RFC examples…) imported by the import job into an
empty database, the people it created exported back by the export job as vCard 4.0 and 3.0, and
the source and each export compared card by card, property by property, by meaning: decoded
values (text escapes, quoted-printable and CHARSET, base64 and data-URI images as bytes,
structured values as tuples), TYPE values as a case-folded set with 2.1 bare parameters among
them, `TYPE=pref` and `PREF=1` as one preference, ENCODING and CHARSET ignored, a group by the
properties it ties together rather than its name. *Changed form*: the property is there, written
otherwise (its reason is listed). *Lost*: nothing in the export carries it. *Added*: in the
export and not in the source (a derived FN, an empty N, Rubrica's PRODID). *Parameters*: each
TYPE value, the preference, each value of every other parameter (transport and the version's own
`VALUE`/`X-APPLE-OMIT-YEAR` aside) and a group's tie to its companions of each source property;
*lost* when the export's matching property does not carry it. The project's own tricky 3.0 and 4.0
cards (`tests/dataio/fixtures/vcard/`) are measured beside the corpus.
"""


def markdown(reports: list[FileReport], info: dict[str, Any]) -> str:
    legend = (
        f"{len(reports)} files from `{info['corpus']}`; {info['cpu']}, {info['cores']} CPU(s), "
        f"Python {info['python']}. Each version's cell: the source properties kept identical / "
        "in changed form / lost, and in brackets the export's properties that no source "
        "property accounts for. *Parameters in / lost*: the parameter units of the source "
        "properties (each TYPE value, the preference, each other parameter value, a group's "
        "tie) and those the export does not carry. *In 2.1 syntax*: export properties kept "
        "verbatim (ADR 0005) "
        "from a 2.1 file, quoted-printable, with bare parameters or CHARSET, which a reader of "
        "the export's version may not decode (counted above by meaning)."
    )
    lines = [
        f"### Figures ({info['date']})",
        "",
        textwrap.fill(legend, width=100, break_on_hyphens=False),
        "",
        "| file | cards in | cards imported | properties in | vCard 4.0 | vCard 3.0 "
        "| parameters in / lost, 4.0 | 3.0 | in 2.1 syntax, 4.0 / 3.0 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = {"cards_in": 0, "cards_imported": 0, "properties": 0}
    sums = {
        ver: {
            "identical": 0,
            "changed": 0,
            "lost": 0,
            "added": 0,
            "old_syntax": 0,
            "parameters": 0,
            "parameters_lost": 0,
        }
        for ver in VERSIONS
    }

    def cell(figures: dict[str, Any]) -> str:
        lost = f"**{figures['lost']}**" if figures["lost"] else "0"
        return f"{figures['identical']} / {figures['changed']} / {lost} ({figures['added']})"

    def syntax(figures: dict[str, Any]) -> str:
        return str(figures["old_syntax"])

    def params(figures: dict[str, Any]) -> str:
        lost = figures["parameters_lost"]
        return f"{figures['parameters']} / " + (f"**{lost}**" if lost else "0")

    for r in reports:
        for key in total:
            total[key] += getattr(r, key)
        for ver in VERSIONS:
            for key in sums[ver]:
                sums[ver][key] += r.versions[ver][key]
        lines.append(
            f"| {r.name} | {r.cards_in} | {r.cards_imported} | {r.properties} | "
            f"{cell(r.versions['4.0'])} | {cell(r.versions['3.0'])} | "
            f"{params(r.versions['4.0'])} | {params(r.versions['3.0'])} | "
            f"{syntax(r.versions['4.0'])} / {syntax(r.versions['3.0'])} |"
        )
    lines.append(
        f"| **all** | {total['cards_in']} | {total['cards_imported']} | {total['properties']} | "
        f"{cell(sums['4.0'])} | {cell(sums['3.0'])} | "
        f"{params(sums['4.0'])} | {params(sums['3.0'])} | "
        f"{syntax(sums['4.0'])} / {syntax(sums['3.0'])} |"
    )
    lines += ["", "#### Every difference", ""]
    lines.append(
        "Per file and card; *(4.0)* or *(3.0)* when only that version's export differs so. "
        "Cards the import refused would be listed first, then what its report said of the "
        "others."
    )
    for r in reports:
        lines += ["", f"**{r.name}**", ""]
        for text in r.refused:
            lines.append(f"- **refused by the import**: {_md(text)}")
        for text in r.notes:
            lines.append(f"- import report: {_md(text)}")
        # One line per difference, naming the version when only one export has it.
        merged: dict[tuple[Any, ...], list[str]] = {}
        for ver in VERSIONS:
            for d in r.versions[ver]["differences"]:
                text = d["export"] if d["kind"] in ("added", "syntax") else d["source"]
                entry = (d["card"], d["kind"], text, d["reason"])
                if ver not in merged.setdefault(entry, []):
                    merged[entry].append(ver)
        if not merged and not r.refused:
            lines.append("- no difference")
        order = {"lost": 0, "param": 1, "changed": 2, "syntax": 3}
        entries = sorted(
            (item for item in merged.items() if item[0][1] != "added"),
            key=lambda item: (item[0][0], order[item[0][1]]),
        )
        # Additions are alike from card to card (PRODID, UID…): counted by name, in one line.
        added: dict[tuple[str, str, str], int] = {}
        for (_card, kind, text, reason), versions in merged.items():
            if kind == "added":
                name = text.split(":", 1)[0].split(";", 1)[0].rpartition(".")[2]
                where = "" if len(versions) == len(VERSIONS) else f" *({versions[0]})*"
                added[(name, reason, where)] = added.get((name, reason, where), 0) + 1
        if added:
            lines.append(
                "- added by the export: "
                + "; ".join(
                    f"{name}{where}{f' ×{count}' if count > 1 else ''} ({reason})"
                    for (name, reason, where), count in added.items()
                )
            )
        for (card, kind, text, reason), versions in entries:
            where = "" if len(versions) == len(VERSIONS) else f" *({versions[0]})*"
            prefix = f"card {card}, " if r.cards_in > 1 else ""
            if kind == "syntax":
                lines.append(f"- {prefix}2.1 syntax{where}: `{_md(text)}` ({reason})")
            elif kind == "lost":
                lines.append(f"- {prefix}**lost**{where}: `{_md(text)}` ({reason})")
            elif kind == "param":
                lines.append(f"- {prefix}**parameter lost**{where}: `{_md(text)}`: {_md(reason)}")
            else:
                lines.append(f"- {prefix}changed{where}: `{_md(text)}`: {_md(reason)}")
    lines.append("")
    return "\n".join(lines)


def _relative(folder: Path) -> str:
    try:
        return str(folder.relative_to(REPO))
    except ValueError:
        return str(folder)


def _md(text: str) -> str:
    return text.replace("`", "'").replace("|", "\\|")


def write_docs(path: Path, text: str) -> None:
    """Replace the figures between the markers; the first time, add the section (with its
    introduction) after the "Import" section, or at the end when there is none."""
    block = f"{DOCS_BEGIN}\n{text}{DOCS_END}\n"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if DOCS_BEGIN in current and DOCS_END in current:
        head, rest = current.split(DOCS_BEGIN, 1)
        _old, tail = rest.split(DOCS_END, 1)
        tail = tail.lstrip("\n")  # the notes written after the figures keep their blank line
        path.write_text(head + block + ("\n" + tail if tail else ""), encoding="utf-8")
        return
    section = INTRO + "\n" + block
    start = current.find("\n## Import\n")
    after = current.find("\n## ", start + 1) if start >= 0 else -1
    if after >= 0:
        updated = current[: after + 1] + section + "\n" + current[after + 1 :]
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    path.write_text(updated, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    folders = [folder.resolve() for folder in args.corpus]
    for folder in [folder for folder in folders if not folder.is_dir()]:
        print(f"fidelity: no corpus at {folder}; skipped (give folders with --corpus DIR...).")
        folders.remove(folder)
    if not folders:
        print("fidelity: nothing to measure.")
        return 0
    files = sorted(
        (p for folder in folders for p in folder.iterdir()),
        key=lambda p: (folders.index(p.parent), p.name),
    )
    files = [p for p in files if p.suffix.lower() == ".vcf" and p.is_file()]
    if not files:
        print(f"fidelity: {', '.join(map(str, folders))} hold no .vcf file; nothing to measure.")
        return 0
    var_dir = args.var_dir.resolve()
    configure(var_dir)
    import django

    django.setup()
    out_dir = var_dir / "vcard-fidelity"
    out_dir.mkdir(exist_ok=True)
    reports = []
    for number, path in enumerate(files, start=1):
        r = round_trip(path, number, out_dir)
        reports.append(r)
        figures = ", ".join(
            f"{ver}: {r.versions[ver]['identical']} identical, {r.versions[ver]['changed']} "
            f"changed form, {r.versions[ver]['lost']} lost, {r.versions[ver]['parameters']} "
            f"parameters with {r.versions[ver]['parameters_lost']} lost"
            for ver in VERSIONS
        )
        print(
            f"{r.name}: {r.cards_imported}/{r.cards_in} cards imported, {r.properties} "
            f"properties; {figures}"
        )
        for ver in VERSIONS:
            for d in r.versions[ver]["differences"]:
                if d["kind"] == "lost":
                    print(f"  LOST ({ver}) card {d['card']}: {d['source']}")
                elif d["kind"] == "param":
                    print(f"  PARAM ({ver}) card {d['card']}: {d['source']}: {d['reason']}")
    shown = ", ".join(
        "../shared/corpus/vcard" if folder == DEFAULT_CORPUS.resolve() else _relative(folder)
        for folder in folders
    )
    info = {**machine(), "corpus": shown}
    report_path = var_dir / "vcard-fidelity.json"
    payload = {**info, "files": [asdict(r) for r in reports]}
    report_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    print(f"Report: {report_path}; exports in {out_dir}")
    if not args.no_docs:
        write_docs(args.docs, markdown(reports, info))
        print(f"Docs: {args.docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
