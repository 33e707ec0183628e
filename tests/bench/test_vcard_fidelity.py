"""The vCard fidelity benchmark's comparison says what was kept, written otherwise and lost, on
hand-written cards (never the shared corpus), and the run does nothing without a corpus."""

from __future__ import annotations

from pathlib import Path

from bench.vcard_fidelity import compare_card, main, write_docs
from rubrica.dataio.vcard import Card, parse


def crlf(text: str) -> str:
    return text.strip("\n").replace("\n", "\r\n") + "\r\n"


def card(text: str) -> Card:
    result = parse(crlf(text))
    assert result.errors == []
    return result.cards[0]


SOURCE = """
BEGIN:VCARD
VERSION:2.1
REV:20120305T131933Z
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Rossi;Giulia=C3=A0;;;
FN:Giulia Rossi
TEL;CELL;PREF:+39 347 000 0000
EMAIL;INTERNET;WORK:giulia@example.com
PHOTO;ENCODING=BASE64;TYPE=GIF:R0lGODlhAQABAAAAACw=
X-CUSTOM;X-PARAM=1:kept verbatim
END:VCARD
"""


def test_nothing_lost_when_every_property_is_there_however_written() -> None:
    exported = card("""
BEGIN:VCARD
VERSION:4.0
PRODID:-//Rubrica//Rubrica//EN
UID:urn:uuid:1
FN:Giulia Rossi
N:Rossi;Giuliaà;;;
TEL;TYPE=cell;PREF=1:+39 347 000 0000
EMAIL;TYPE=work:giulia@example.com
PHOTO:data:image/gif;base64,R0lGODlhAQABAAAAACw=
X-CUSTOM;X-PARAM=1:kept verbatim
END:VCARD
""")

    report = compare_card(card(SOURCE), exported, "4.0")

    assert (report.properties, report.identical, report.changed, report.lost) == (8, 5, 3, 0)
    changed = {d.source.split(":")[0]: d.reason for d in report.differences if d.kind == "changed"}
    assert changed == {
        "VERSION": "the export writes its own version (2.1 → 4.0)",
        "REV": "describes the file, not the person (ADR 0005): the export writes none",
        "EMAIL;INTERNET;WORK": "TYPE internet not kept (every email is one)",
    }
    assert [(d.kind, d.export) for d in report.differences if d.kind == "added"] == [
        ("added", "PRODID:-//Rubrica//Rubrica//EN"),
        ("added", "UID:urn:uuid:1"),
    ]


def test_a_property_missing_from_the_export_is_reported_lost() -> None:
    exported = card("""
BEGIN:VCARD
VERSION:2.1
REV:20120305T131933Z
N:Rossi;Giuliaà;;;
FN:Giulia Rossi
TEL;CELL;PREF:+39 347 000 0000
EMAIL;INTERNET;WORK:giulia@example.com
PHOTO;ENCODING=BASE64;TYPE=GIF:R0lGODlhAQABAAAAACw=
END:VCARD
""")

    report = compare_card(card(SOURCE), exported, "2.1")

    assert (report.properties, report.identical, report.changed, report.lost) == (8, 7, 0, 1)
    assert (report.parameters, report.parameters_lost) == (6, 1)
    assert [(d.kind, d.source, d.reason) for d in report.differences] == [
        ("param", "X-CUSTOM;X-PARAM=1:kept verbatim", "X-PARAM=1 not kept"),
        ("lost", "X-CUSTOM;X-PARAM=1:kept verbatim", "nothing in the export carries it"),
    ]


def test_parameters_and_groups_are_counted_and_a_dropped_one_is_reported() -> None:
    source = card("""
BEGIN:VCARD
VERSION:4.0
FN:Ann
TEL;PID=1.1;TYPE=voice,home;PREF=1:+1 555 0100
item1.EMAIL;TYPE=INTERNET:ann@example.com
item1.X-ABLabel:_$!<Other>!$_
END:VCARD
""")
    exported = card("""
BEGIN:VCARD
VERSION:3.0
FN:Ann
TEL;TYPE=home,pref:+1 555 0100
EMAIL;TYPE=INTERNET:ann@example.com
item1.X-ABLabel:_$!<Other>!$_
END:VCARD
""")

    report = compare_card(source, exported, "3.0")

    # TEL: PID, voice, home, the preference; EMAIL: INTERNET and its group; X-ABLabel: its group
    assert (report.parameters, report.parameters_lost) == (7, 4)
    assert sorted(d.reason for d in report.differences if d.kind == "param") == [
        "PID=1.1 not kept",
        "TYPE=voice not kept",
        "group with EMAIL not kept",
        "group with X-ABLABEL not kept",
    ]


def test_without_a_corpus_the_bench_says_so_and_writes_nothing(tmp_path: Path, capsys) -> None:
    docs = tmp_path / "benchmarks.md"

    code = main(
        [
            "--corpus",
            str(tmp_path / "missing"),
            "--docs",
            str(docs),
            "--var-dir",
            str(tmp_path / "var"),
        ]
    )

    assert code == 0
    assert "no corpus at" in capsys.readouterr().out
    assert not docs.exists()
    assert not (tmp_path / "var").exists()


def test_the_section_goes_after_the_import_section_and_is_replaced_in_place(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## Import\n\nfigures\n\n## Search at 1M\n\nmore\n")

    write_docs(docs, "first\n")
    write_docs(docs, "second\n")

    text = docs.read_text()
    assert text.index("## Import") < text.index("## vCard round-trip fidelity")
    assert text.index("<!-- bench:vcard-fidelity:end -->") < text.index("## Search at 1M")
    assert "second\n<!-- bench:vcard-fidelity:end -->" in text
    assert "first" not in text
