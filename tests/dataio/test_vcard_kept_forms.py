"""vCard lossless down to the parameter (issue 13, part 3): a modelled property keeps its group,
its parameters and its structured lists with the row that models it, and each version is
written in its own form. The cards are written here (tests/dataio/fixtures/vcard holds the
tricky 3.0 and 4.0 cards of the fidelity bench, also written for the project)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rubrica.core.services import clean_collection
from rubrica.dataio.jsonio import contact_record
from rubrica.dataio.vcard import Card, Property, card_to_contact, contact_to_card, parse
from rubrica.dataio.vcard import values as v
from rubrica.dataio.vcard.lines import content_line
from rubrica.dataio.vcard.mapping import KEPT_FORM

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"
ROWS = ("emails", "phones", "addresses", "urls", "profiles")


def crlf(text: str) -> str:
    return text.strip("\n").replace("\n", "\r\n") + "\r\n"


def one_card(text: str) -> Card:
    result = parse(crlf(text))
    assert result.errors == []
    [card] = result.cards
    return card


def stored(card: Card) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """What the import stores of a card: the mapped data with its rows as the contact services
    clean them (the first row preferred, phones and emails normalised), and the organization."""
    imported = card_to_contact(card)
    data = dict(imported.data)
    errors: dict[str, str] = {}
    for kind in ROWS:
        data[kind] = clean_collection(kind, data[kind], errors)
    assert errors == {}
    return data, imported.organization


def export(data: dict[str, Any], version: str, organization: Any = None) -> list[str]:
    card = contact_to_card(data, version=version, organization=organization)
    return [content_line(prop) for prop in card.properties]


def reparse(lines: list[str]) -> Card:
    [card] = parse(crlf("\n".join(["BEGIN:VCARD", *lines, "END:VCARD"]))).cards
    return card


def round_trip(text: str, version: str) -> list[str]:
    data, organization = stored(one_card(text))
    return export(data, version, organization)


def named(lines: list[str], name: str) -> list[str]:
    """The lines of a property (with or without a group)."""
    return [
        line
        for line in lines
        if line.split(":", 1)[0].split(";", 1)[0].rpartition(".")[2].upper() == name
    ]


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_n_additional_names_stay_two_names(version: str) -> None:
    text = """
BEGIN:VCARD
VERSION:4.0
FN:Johann Müller
N:Müller;Johann;Karl,Heinz;Dr.,Prof.;
END:VCARD
"""
    data, _org = stored(one_card(text))
    assert (data["additional_name"], data["prefix"]) == ("Karl Heinz", "Dr., Prof.")

    assert named(export(data, version), "N") == ["N:Müller;Johann;Karl,Heinz;Dr.,Prof.;"]
    # An edited part is written anew; the others keep their lists.
    data["family_name"] = "Mueller"
    assert named(export(data, version), "N") == ["N:Mueller;Johann;Karl,Heinz;Dr.,Prof.;"]


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_org_units_stay_an_organization_and_two_units(version: str) -> None:
    text = r"""
BEGIN:VCARD
VERSION:3.0
FN:Ann
ORG:Example\, Inc.;R&D;Team Ö
END:VCARD
"""
    data, organization = stored(one_card(text))
    assert organization == ("Example, Inc.", "R&D, Team Ö")

    lines = export(data, version, organization)
    assert named(lines, "ORG") == [r"ORG:Example\, Inc.;R&D;Team Ö"]
    [org] = [p for p in reparse(lines).properties if p.key == "ORG"]
    assert v.split_components(org.value) == ["Example, Inc.", "R&D", "Team Ö"]
    # Another department (edited in Rubrica) is one unit.
    assert named(export(data, version, ("Example, Inc.", "Sales")), "ORG") == [
        r"ORG:Example\, Inc.;Sales"
    ]


PARAMETERS = r"""
BEGIN:VCARD
VERSION:4.0
FN;PID=1.1;ALTID=1;LANGUAGE=de:Johann Müller
N;ALTID=1;SORT-AS="Mueller,Johann":Müller;Johann;;;
LANG;PREF=1:de
LANG;PREF=2:en
TEL;TYPE=voice:+49 30 7654321
TEL;VALUE=uri;PID=1.1;TYPE=cell:tel:+49-170-1234567;ext=12
EMAIL;PID=2.1;X-ORIGIN=legacy;TYPE=work:jm@example.com
ADR;TYPE=work;LABEL="Hauptstr. 1\n10115 Berlin";GEO="geo:52.52,13.40":;;Hauptstr. 1;Berlin;;10115;
END:VCARD
"""


def test_parameters_of_modelled_properties_are_kept_in_40() -> None:
    lines = round_trip(PARAMETERS, "4.0")

    assert "FN;PID=1.1;ALTID=1;LANGUAGE=de:Johann Müller" in lines
    assert 'N;ALTID=1;SORT-AS="Mueller,Johann":Müller;Johann;;;' in lines
    assert named(lines, "LANG") == ["LANG;PREF=1:de", "LANG;PREF=2:en"]
    assert named(lines, "TEL") == [
        "TEL;TYPE=voice;PREF=1:+49 30 7654321",  # the first phone is the preferred one
        "TEL;TYPE=cell;VALUE=uri;PID=1.1:tel:+49-170-1234567;ext=12",
    ]
    assert named(lines, "EMAIL") == [
        "EMAIL;TYPE=work;PID=2.1;X-ORIGIN=legacy;PREF=1:jm@example.com"
    ]
    assert named(lines, "ADR") == [
        'ADR;TYPE=work;LABEL=Hauptstr. 1\\n10115 Berlin;GEO="geo:52.52,13.40";PREF=1:;;'
        "Hauptstr. 1;Berlin;;10115;"
    ]


def test_parameters_of_modelled_properties_are_kept_in_30() -> None:
    lines = round_trip(PARAMETERS, "3.0")

    assert named(lines, "X-LANG") == ["X-LANG;PREF=1:de", "X-LANG;PREF=2:en"]
    assert named(lines, "TEL") == [
        "TEL;TYPE=voice,pref:+49 30 7654321",
        # 3.0 has no tel: URI: the number as Rubrica reads it, the other parameters kept
        "TEL;TYPE=cell;PID=1.1:+49-170-1234567 ext. 12",
    ]
    assert named(lines, "EMAIL") == ["EMAIL;TYPE=work,pref;PID=2.1;X-ORIGIN=legacy:jm@example.com"]


APPLE = r"""
BEGIN:VCARD
VERSION:3.0
FN:Johnny Appleseed
item1.EMAIL;type=INTERNET;type=pref:johnny@example.com
item1.X-ABLabel:_$!<Other>!$_
item2.TEL:+1 408 555 0103
item2.X-ABLabel:_$!<HomeFAX>!$_
item3.ADR;type=HOME:;;1 Infinite Loop;Cupertino;CA;95014;United States
item3.X-ABADR:us
item4.TEL:+1 408 555 0104
item4.X-ABLabel:barn
END:VCARD
"""


def _groups(lines: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in lines:
        head = line.split(":", 1)[0].split(";", 1)[0]
        if "." in head:
            group, _dot, _name = head.partition(".")
            out.setdefault(group, []).append(line[len(group) + 1 :])
    return out


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_apple_groups_stay_with_their_row_and_built_in_labels_go_back_in_apples_form(
    version: str,
) -> None:
    data, _org = stored(one_card(APPLE))
    assert [r["label"] for r in data["emails"]] == ["other"]
    assert [r["label"] for r in data["phones"]] == ["home,fax", "barn"]
    assert [r["label"] for r in data["addresses"]] == ["home"]

    groups = _groups(export(data, version))
    pref = "PREF=1" if version == "4.0" else "TYPE=INTERNET,pref"
    email = f"EMAIL;TYPE=INTERNET;{pref}" if version == "4.0" else f"EMAIL;{pref}"
    assert sorted(groups.values()) == sorted(
        [
            [f"{email}:johnny@example.com", "X-ABLabel:_$!<Other>!$_"],
            [
                "TEL;PREF=1:+1 408 555 0103"
                if version == "4.0"
                else "TEL;TYPE=pref:+1 408 555 0103",
                "X-ABLabel:_$!<HomeFAX>!$_",
            ],
            [
                "ADR;TYPE=HOME;PREF=1:;;1 Infinite Loop;Cupertino;CA;95014;United States"
                if version == "4.0"
                else "ADR;TYPE=HOME,pref:;;1 Infinite Loop;Cupertino;CA;95014;United States",
                "X-ABADR:us",
            ],
            ["TEL:+1 408 555 0104", "X-ABLabel:barn"],
        ]
    )


def test_an_edited_label_is_written_in_apples_form_and_a_deleted_row_takes_its_group() -> None:
    data, _org = stored(one_card(APPLE))
    data["emails"][0]["label"] = "work"  # Apple's built-in "Work"
    data["phones"][0]["label"] = "Studio"  # a custom label
    data["addresses"] = []  # deleted: its X-ABADR labels nothing

    groups = _groups(export(data, "3.0"))

    assert sorted(groups.values()) == sorted(
        [
            ["EMAIL;TYPE=INTERNET,pref:johnny@example.com", "X-ABLabel:_$!<Work>!$_"],
            ["TEL;TYPE=pref:+1 408 555 0103", "X-ABLabel:Studio"],
            ["TEL:+1 408 555 0104", "X-ABLabel:barn"],
        ]
    )


def test_an_edited_value_keeps_the_parameters_of_its_row() -> None:
    data, _org = stored(one_card(PARAMETERS))
    data["emails"][0]["value"] = "johann@example.com"

    lines = export(data, "4.0")

    # The row's kept form maps to the old value: the new value is written plainly.
    assert named(lines, "EMAIL") == ["EMAIL;TYPE=work;PREF=1:johann@example.com"]


def test_the_30_export_writes_40_only_properties_in_their_30_form() -> None:
    text = """
BEGIN:VCARD
VERSION:4.0
FN:Ann
KIND:individual
RELATED;TYPE=spouse:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af
CLIENTPIDMAP:1;urn:uuid:53e374d9-337e-4727-8803-a1e9c14e0556
LANG:en
GEO:geo:52.52,13.40
GENDER:F
ANNIVERSARY:--0601
END:VCARD
"""
    lines = round_trip(text, "3.0")

    assert {
        "X-ADDRESSBOOKSERVER-KIND:individual",
        "X-RELATED;TYPE=spouse:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af",
        "X-CLIENTPIDMAP:1;urn:uuid:53e374d9-337e-4727-8803-a1e9c14e0556",
        "X-LANG:en",
        "GEO:52.52;13.40",
        "X-GENDER:F",
        "X-ANNIVERSARY;X-APPLE-OMIT-YEAR=1604:1604-06-01",
    } <= set(lines)
    names = {line.split(":", 1)[0].split(";", 1)[0] for line in lines}
    assert not names & {"KIND", "RELATED", "CLIENTPIDMAP", "LANG", "GENDER", "ANNIVERSARY"}


def test_the_40_export_writes_30_forms_as_40() -> None:
    text = r"""
BEGIN:VCARD
VERSION:3.0
FN:Ann
X-ADDRESSBOOKSERVER-KIND:group
X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af
GEO:37.386013;-122.082932
X-LANG:en
LABEL;TYPE=HOME:1 Infinite Loop\nCupertino
MAILER:Mail.app
END:VCARD
"""
    lines = round_trip(text, "4.0")

    assert {
        "KIND:group",
        "MEMBER:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af",
        "GEO:geo:37.386013,-122.082932",
        "LANG:en",
        "X-LABEL;TYPE=HOME:1 Infinite Loop\\nCupertino",
        "X-MAILER:Mail.app",
    } <= set(lines)
    # ... and back to 3.0's own forms
    again = export(card_to_contact(reparse(lines)).data, "3.0")
    assert {"X-ADDRESSBOOKSERVER-KIND:group", "GEO:37.386013;-122.082932", "X-LANG:en"} <= set(
        again
    )


def test_a_json_export_keeps_the_kept_forms() -> None:
    data, _org = stored(one_card(PARAMETERS))
    forms = [item for item in data["vcard_extra"] if item.get(KEPT_FORM)]
    assert forms  # FN, N, LANG ×2, TEL ×2, EMAIL, ADR

    record = contact_record(0, {"display_name": "Johann", "vcard_extra": data["vcard_extra"]})

    assert record.errors == []
    assert record.data["vcard_extra"] == data["vcard_extra"]


def param_units(prop: Property, version: str) -> set[tuple[str, str]]:
    """A property's parameters as (name, value) units: TYPE values case-folded, the preference
    as one unit (PREF=1 or TYPE=pref), transfer encodings aside (and VALUE=uri in 3.0, which
    writes a tel: URI as a number)."""
    units: set[tuple[str, str]] = set()
    for param in prop.params:
        name = "TYPE" if param.name is None else param.name.upper()
        if name in ("ENCODING", "CHARSET", "X-APPLE-OMIT-YEAR"):
            continue
        if name == "VALUE" and version == "3.0":
            continue
        for value in param.values:
            for item in value.split(",") if name == "TYPE" else [value]:
                if name == "TYPE" and item.strip().lower() == "pref":
                    units.add(("PREF", "1"))
                else:
                    units.add((name, item.strip().lower() if name == "TYPE" else item))
    return units


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["tricky-3.0.vcf", "tricky-4.0.vcf"])
@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_an_imported_card_downloads_with_every_parameter_of_its_modelled_properties(
    member: Any, settings: Any, tmp_path: Path, name: str, version: str
) -> None:
    from rubrica.contacts.models import Contact
    from rubrica.dataio.exporting import contact_vcard
    from tests.dataio.import_helpers import run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    source = (FIXTURES / name).read_bytes()
    run_import(member, source)
    [contact] = Contact.objects.all()

    [card] = parse(contact_vcard(contact, version, viewer=member)).cards

    [before] = parse(source).cards
    modelled = {"FN", "N", "NICKNAME", "ORG", "TITLE", "EMAIL", "TEL", "ADR", "URL", "IMPP"}
    for prop in before.properties:
        if prop.key not in modelled:
            continue
        kept = [
            p
            for p in card.properties
            if p.key == prop.key and param_units(prop, version) <= param_units(p, version)
        ]
        assert kept, f"{content_line(prop)} lost a parameter in {version}"
    groups = {p.group.upper() for p in before.properties if p.group}
    companions = {
        (p.key, v.text(p)) for p in before.properties if p.key in ("X-ABLABEL", "X-ABADR")
    }
    assert companions <= {
        (p.key, v.text(p)) for p in card.properties if p.key in ("X-ABLABEL", "X-ABADR")
    }
    # every group of the source is still tied to a modelled property or kept as it was
    written = {p.group.upper() for p in card.properties if p.group}
    assert len(written) >= len(groups)


@pytest.mark.django_db
def test_kept_forms_follow_a_merge_and_its_undo(member: Any, settings: Any, tmp_path: Path) -> None:
    from rubrica.contacts.models import Contact
    from rubrica.dataio.exporting import contact_vcard
    from rubrica.merges.services import contact_merge, contact_unmerge
    from tests.dataio.import_helpers import run_import
    from tests.merges.conftest import state

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    run_import(
        member,
        crlf("""
BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:ada
FN:Ada Lovelace
N:Lovelace;Ada;Augusta,Byron;;
EMAIL;PID=1.1;TYPE=work:ada@example.org
END:VCARD
BEGIN:VCARD
VERSION:3.0
UID:urn:uuid:twin
FN:Ada King
N:King;Ada;;;
item1.TEL;type=VOICE:+44 20 7946 0000
item1.X-ABLabel:_$!<Main>!$_
END:VCARD
"""),
    )
    ada = Contact.objects.get(uid="urn:uuid:ada")
    twin = Contact.objects.get(uid="urn:uuid:twin")
    before = (state(ada), state(twin))

    merge = contact_merge(actor=member, survivor=ada, merged=twin)

    lines = contact_vcard(Contact.objects.get(pk=ada.pk), "3.0", viewer=member).split("\r\n")
    assert "N:Lovelace;Ada;Augusta,Byron;;" in lines
    assert "EMAIL;TYPE=work,pref;PID=1.1:ada@example.org" in lines
    [tel] = [line for line in lines if ".TEL" in line]
    group = tel.split(".", 1)[0]
    assert tel == f"{group}.TEL;TYPE=VOICE,pref:+44 20 7946 0000"  # the only phone now
    assert f"{group}.X-ABLabel:_$!<Main>!$_" in lines

    contact_unmerge(actor=member, merge=merge)

    assert (state(ada), state(twin)) == before
    assert "item1.X-ABLabel:_$!<Main>!$_" in contact_vcard(twin, "3.0", viewer=member).split("\r\n")


@pytest.mark.django_db
def test_a_value_set_aside_by_the_import_keeps_its_group_and_label(
    member: Any, settings: Any, tmp_path: Path
) -> None:
    from rubrica.contacts.models import Contact
    from rubrica.dataio.exporting import contact_vcard
    from tests.dataio.import_helpers import run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    run_import(
        member,
        crlf("""
BEGIN:VCARD
VERSION:3.0
UID:urn:uuid:ann
FN:Ann
item1.TEL;type=VOICE:not a number
item1.X-ABLabel:Studio
END:VCARD
"""),
    )
    ann = Contact.objects.get(uid="urn:uuid:ann")
    assert list(ann.phones.all()) == []

    lines = contact_vcard(ann, "3.0", viewer=member).split("\r\n")

    assert "item1.TEL;type=VOICE:not a number" in lines
    assert "item1.X-ABLabel:Studio" in lines
    assert sum(".TEL" in line for line in lines) == 1
