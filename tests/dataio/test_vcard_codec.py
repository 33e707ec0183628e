"""The vCard codec on hand-written cards, one per real-world quirk it must read and write back."""

from __future__ import annotations

import base64

import pytest

from rubrica.dataio.vcard import (
    Card,
    Param,
    ParseError,
    Property,
    card_to_contact,
    contact_to_card,
    parse,
    serialize,
)
from rubrica.dataio.vcard.mapping import parse_date


def crlf(text: str) -> str:
    return text.strip("\n").replace("\n", "\r\n") + "\r\n"


def one_card(data: bytes | str) -> Card:
    result = parse(data)
    assert result.errors == []
    assert len(result.cards) == 1
    return result.cards[0]


def assert_lossless(data: bytes | str) -> None:
    first = parse(data)
    again = parse(serialize(first.cards))
    assert again.errors == []
    assert again.cards == first.cards


def test_21_quoted_printable_with_soft_breaks_and_latin1_charset() -> None:
    data = (
        b"BEGIN:VCARD\r\n"
        b"VERSION:2.1\r\n"
        b"N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\n"
        b"FN;CHARSET=ISO-8859-1:J\xfcrgen M\xfcller\r\n"
        b"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Caf=E9 cr=E8me, first line=0D=0A=\r\n"
        b"second line=\r\n"
        b" with a leading space\r\n"
        b"END:VCARD\r\n"
    )
    card = one_card(data)
    note = card.properties[3]
    assert note.value == "Caf=E9 cr=E8me, first line=0D=0Asecond line with a leading space"
    data_out = card_to_contact(card).data
    assert data_out["family_name"] == "Müller"
    assert data_out["given_name"] == "Jürgen"
    assert data_out["display_name"] == "Jürgen Müller"
    assert data_out["notes"] == "Café crème, first line\nsecond line with a leading space"
    assert_lossless(data)


def test_21_qp_utf8_is_the_default_charset() -> None:
    card = one_card(
        crlf("""
BEGIN:VCARD
VERSION:2.1
FN;ENCODING=QUOTED-PRINTABLE:=C3=91and=C3=BA
END:VCARD
""")
    )
    assert card_to_contact(card).data["display_name"] == "Ñandú"


def test_unfolds_in_the_middle_of_a_utf8_sequence_with_tab_or_space() -> None:
    data = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\n"
        b"FN:Zo\xc3\r\n\t\xab Smith\r\n"
        b"NOTE:\xe6\x97\r\n \xa5\xe6\x9c\xac\r\n"
        b"END:VCARD\r\n"
    )
    card = one_card(data)
    assert card.properties[1] == Property("FN", "Zoë Smith")
    assert card.properties[2] == Property("NOTE", "日本")


def test_lf_only_and_cr_cr_lf_line_endings_are_read() -> None:
    text = "BEGIN:VCARD\nVERSION:3.0\nFN:A\n B\nEND:VCARD\n"
    assert one_card(text).properties[1] == Property("FN", "AB")
    doubled = text.replace("\n", "\r\r\n")
    assert one_card(doubled).properties[1] == Property("FN", "AB")


def test_item_groups_take_their_label_from_x_ablabel() -> None:
    card = one_card(
        crlf("""
BEGIN:VCARD
VERSION:3.0
FN:Ann
item1.EMAIL;type=INTERNET;type=pref:ann@example.com
item1.X-ABLabel:_$!<Other>!$_
item2.TEL:+39 02 1234
item2.X-ABLabel:Studio
item3.X-ABDATE:2001-01-01
item3.X-ABLabel:_$!<Anniversary>!$_
END:VCARD
""")
    )
    imported = card_to_contact(card).data
    assert imported["emails"] == [
        {"label": "other", "value": "ann@example.com", "is_preferred": True}
    ]
    assert imported["phones"] == [
        {"label": "Studio", "value": "+39 02 1234", "is_preferred": False}
    ]
    # Apple's built-in label stays with the email it labels (its group, TYPE=INTERNET: a kept
    # form); a custom label the export writes the same way needs nothing kept.
    assert imported["vcard_extra"] == [
        {"group": "item1", "name": "X-ABLabel", "params": [], "value": "_$!<Other>!$_"},
        {"group": "item3", "name": "X-ABDATE", "params": [], "value": "2001-01-01"},
        {"group": "item3", "name": "X-ABLabel", "params": [], "value": "_$!<Anniversary>!$_"},
        {
            "group": "item1",
            "name": "EMAIL",
            "params": [["type", ["INTERNET"]], ["type", ["pref"]]],
            "value": "ann@example.com",
            "of": "EMAIL",
        },
    ]


def test_bare_21_parameters_are_types() -> None:
    card = one_card(
        crlf("""
BEGIN:VCARD
VERSION:2.1
TEL;CELL;PREF:+1 555 0100
TEL;WORK;FAX:+1 555 0101
EMAIL;INTERNET;HOME:joe@example.com
END:VCARD
""")
    )
    assert card.properties[1].params == (Param(None, ("CELL",)), Param(None, ("PREF",)))
    imported = card_to_contact(card).data
    assert imported["phones"] == [
        {"label": "mobile", "value": "+1 555 0100", "is_preferred": True},
        {"label": "work,fax", "value": "+1 555 0101", "is_preferred": False},
    ]
    assert imported["emails"] == [
        {"label": "home", "value": "joe@example.com", "is_preferred": False}
    ]
    assert serialize([card]).splitlines()[2] == "TEL;CELL;PREF:+1 555 0100"


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"


def test_data_uri_photo_is_decoded() -> None:
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    card = one_card(crlf(f"BEGIN:VCARD\nVERSION:4.0\nFN:P\nPHOTO:{uri}\nEND:VCARD"))
    imported = card_to_contact(card)
    assert imported.photo is not None
    assert (imported.photo.data, imported.photo.mime) == (PNG, "image/png")
    assert imported.data["vcard_extra"] == []


def test_base64_photos_of_21_and_30_are_decoded() -> None:
    encoded = base64.b64encode(JPEG).decode()
    v30 = crlf(f"BEGIN:VCARD\nVERSION:3.0\nPHOTO;ENCODING=b;TYPE=JPEG:{encoded}\nEND:VCARD")
    v21 = crlf(
        f"BEGIN:VCARD\nVERSION:2.1\nPHOTO;ENCODING=BASE64:\n {encoded[:10]}\n {encoded[10:]}\n"
        "\nEND:VCARD"
    )
    for text in (v30, v21):
        photo = card_to_contact(one_card(text)).photo
        assert photo is not None
        assert (photo.data, photo.mime) == (JPEG, "image/jpeg")


def test_photo_link_is_kept_verbatim_not_downloaded() -> None:
    card = one_card(crlf("BEGIN:VCARD\nVERSION:4.0\nPHOTO:https://example.com/a.jpg\nEND:VCARD"))
    imported = card_to_contact(card)
    assert imported.photo is None
    assert imported.data["vcard_extra"][0]["value"] == "https://example.com/a.jpg"


def test_tel_uri_with_extension() -> None:
    card = one_card(
        crlf("""
BEGIN:VCARD
VERSION:4.0
TEL;VALUE=uri;TYPE="voice,work";PREF=1:tel:+1-555-555-0100;ext=5
END:VCARD
""")
    )
    tel = card.properties[1]
    assert tel.params[1] == Param("TYPE", ("voice,work",))
    assert tel.value == "tel:+1-555-555-0100;ext=5"
    assert card_to_contact(card).data["phones"] == [
        {"label": "work", "value": "+1-555-555-0100 ext. 5", "is_preferred": True}
    ]
    assert 'TYPE="voice,work"' in serialize([card])


@pytest.mark.parametrize(
    ("raw", "omit", "expected"),
    [
        ("--0415", "", "--04-15"),
        ("--04-15", "", "--04-15"),
        ("1604-04-15", "", "--04-15"),
        ("2000-04-15", "2000", "--04-15"),
        ("19800415", "", "1980-04-15"),
        ("1980-04-15T10:00:00Z", "", "1980-04-15"),
        ("0002-01-03", "", "--01-03"),
        ("1985", "", None),
        ("--0230", "", None),
        ("circa 1800", "", None),
    ],
)
def test_dates_with_and_without_a_year(raw: str, omit: str, expected: str | None) -> None:
    assert parse_date(raw, omit) == expected


def test_apple_unknown_year_birthday_and_unmappable_date_kept() -> None:
    card = one_card(
        crlf("""
BEGIN:VCARD
VERSION:4.0
BDAY;VALUE=date:1604-04-15
ANNIVERSARY;VALUE=text:circa 1990
END:VCARD
""")
    )
    imported = card_to_contact(card).data
    assert imported["birthday"] == "--04-15"
    assert imported["anniversary"] == ""
    assert [(e["name"], e.get("of")) for e in imported["vcard_extra"]] == [
        ("ANNIVERSARY", None),
        ("BDAY", "BDAY"),  # the kept form of the birthday: VALUE=date
    ]


def test_empty_note_title_and_role_are_kept_verbatim_and_do_not_hide_the_next_one() -> None:
    # BlackBerry writes an empty NOTE; it was mapped to no notes and written back as nothing.
    text = crlf("""
BEGIN:VCARD
VERSION:2.1
N:Doe;John
NOTE:
NOTE:Met in Rome
TITLE:
ROLE;CHARSET=UTF-8:
END:VCARD
""")
    imported = card_to_contact(one_card(text)).data

    assert imported["notes"] == "Met in Rome"
    assert imported["title"] == ""
    assert imported["role"] == ""
    assert [(e["name"], e["value"]) for e in imported["vcard_extra"]] == [
        ("NOTE", ""),
        ("TITLE", ""),
        ("ROLE", ""),
    ]
    exported = serialize([contact_to_card(imported, version="3.0")]).split("\r\n")
    assert exported[-6:] == [
        "NOTE:Met in Rome",
        "NOTE:",
        "TITLE:",
        "ROLE:",  # CHARSET is 2.1's: a 3.0 file is UTF-8
        "END:VCARD",
        "",
    ]


def test_escaped_and_unescaped_separators() -> None:
    card = one_card(
        crlf(r"""
BEGIN:VCARD
VERSION:3.0
FN:Doe, John
N:Doe\, Jr;John;Paul,Peter;;
NICKNAME:Jo,Johnny\, the Kid
NICKNAME:JD
NOTE:a\;b\nc\\d e\,f
URL:http\://example.com/x
ORG:Apple Inc.;
CATEGORIES:friends,golf\, weekends
END:VCARD
""")
    )
    imported = card_to_contact(card)
    data = imported.data
    assert data["display_name"] == "Doe, John"
    assert (data["family_name"], data["given_name"], data["additional_name"]) == (
        "Doe, Jr",
        "John",
        "Paul Peter",  # two additional names (the kept form writes the list back)
    )
    assert data["nicknames"] == ["Jo", "Johnny, the Kid", "JD"]
    assert data["notes"] == "a;b\nc\\d e,f"
    assert data["urls"] == [{"label": "", "value": "http://example.com/x", "is_preferred": False}]
    assert data["tags"] == ["friends", "golf, weekends"]
    assert imported.organization == ("Apple Inc.", "")
    assert_lossless(serialize([card]))


def test_quoted_parameter_values_with_commas_and_colons() -> None:
    card = one_card(
        crlf(r"""
BEGIN:VCARD
VERSION:4.0
ADR;TYPE=work;LABEL="1 Main St\n,Springfield: IL";GEO="geo:12.3,4.5":;Suite 2;1 Main St;
 Springfield;IL;62701;USA
END:VCARD
""")
    )
    adr = card.properties[1]
    assert adr.params == (
        Param("TYPE", ("work",)),
        Param("LABEL", (r"1 Main St\n,Springfield: IL",)),
        Param("GEO", ("geo:12.3,4.5",)),
    )
    assert card_to_contact(card).data["addresses"] == [
        {
            "label": "work",
            "po_box": "",
            "extended": "Suite 2",
            "street": "1 Main St",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
            "country": "USA",
            "is_preferred": False,
        }
    ]
    assert_lossless(serialize([card]))


def test_unknown_properties_are_kept_and_written_back_verbatim() -> None:
    text = crlf(r"""
BEGIN:VCARD
VERSION:4.0
FN:Ann
X-CUSTOM;x-Foo="a,b";bare:raw\,value;x
item7.X-ABRELATEDNAMES;TYPE=pref:Jenny
CLIENTPIDMAP:1;urn:uuid:53e374d9-337e-4727-8803-a1e9c14e0556
END:VCARD
""")
    imported = card_to_contact(one_card(text)).data
    assert imported["vcard_extra"] == [
        {
            "group": None,
            "name": "X-CUSTOM",
            "params": [["x-Foo", ["a,b"]], [None, ["bare"]]],
            "value": r"raw\,value;x",
        },
        {
            "group": "item7",
            "name": "X-ABRELATEDNAMES",
            "params": [["TYPE", ["pref"]]],
            "value": "Jenny",
        },
        {
            "group": None,
            "name": "CLIENTPIDMAP",
            "params": [],
            "value": "1;urn:uuid:53e374d9-337e-4727-8803-a1e9c14e0556",
        },
    ]
    exported = serialize([contact_to_card(imported)]).split("\r\n")
    assert exported[-5:] == [
        r'X-CUSTOM;x-Foo="a,b";TYPE=bare:raw\,value;x',  # a bare parameter is 2.1 only
        "item7.X-ABRELATEDNAMES;TYPE=pref:Jenny",
        "CLIENTPIDMAP:1;urn:uuid:53e374d9-337e-4727-8803-a1e9c14e0556",
        "END:VCARD",
        "",
    ]


ANDROID_21 = crlf("""
BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91u=C3=B1ez;Ana;;;
X-ANDROID-CUSTOM;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:vnd.android.cursor.item/nickname;=
=C3=91ita;1;;;;;;;;;;;;;
X-NOTE-21;HOME;QUOTED-PRINTABLE:first line=0D=0Asecond; line
X-LOGO;ENCODING=BASE64;TYPE=PNG:iVBORw0KGgo=
X-SOUND;BASE64:not base64 at all!
X-CHARSET-ONLY;CHARSET=ISO-8859-1:caf\xe9
END:VCARD
""").encode("latin-1")


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_kept_21_properties_are_written_in_the_exported_version_form(version: str) -> None:
    imported = card_to_contact(one_card(ANDROID_21)).data
    text = serialize([contact_to_card(imported, version=version)])
    lines = text.split("\r\n")

    assert "X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname;Ñita;1;;;;;;;;;;;;;" in lines
    assert "X-NOTE-21;TYPE=HOME:first line\\nsecond; line" in lines
    assert "X-CHARSET-ONLY:café" in lines
    logo = "X-LOGO;TYPE=PNG;ENCODING=b:iVBORw0KGgo=" if version == "3.0" else None
    assert (logo or "X-LOGO:data:image/png;base64,iVBORw0KGgo=") in lines
    # Base64 that does not decode cannot be converted: it is written as it was read.
    assert "X-SOUND;BASE64:not base64 at all!" in lines
    assert "QUOTED-PRINTABLE" not in text and "CHARSET=" not in text
    # Imported again and exported again, the card is the same: converting twice changes nothing.
    again = card_to_contact(one_card(text)).data
    assert serialize([contact_to_card(again, version=version)]) == text


def test_kept_properties_already_in_the_version_form_are_unchanged() -> None:
    photo = "X-PIC;ENCODING=b;TYPE=JPEG:/9j/4AAQ"
    for version, prop in (("3.0", photo), ("4.0", "X-PIC;MEDIATYPE=image/jpeg:data:,x")):
        card = one_card(crlf(f"BEGIN:VCARD\nVERSION:{version}\nFN:A\n{prop}\nEND:VCARD"))
        imported = card_to_contact(card).data
        assert serialize([contact_to_card(imported, version=version)]).split("\r\n")[-3] == prop


def test_serialize_writes_back_what_it_read_byte_for_byte() -> None:
    text = crlf(r"""
BEGIN:VCARD
VERSION:3.0
item1.TEL;type=CELL;type=VOICE;type=pref:+1 555 0100
X-Thing;TYPE=a,b:one\;two
N:Doe;John;;;
END:VCARD
""")
    assert serialize(parse(text).cards) == text


def test_many_cards_broken_ones_reported_by_line() -> None:
    text = crlf("""
BEGIN:VCARD
VERSION:3.0
FN:One
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Two
this line has no colon
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Three
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Four never ends
BEGIN:VCARD
VERSION:3.0
FN:Five
END:VCARD
""")
    result = parse(text)
    names = [card.properties[1].value for card in result.cards]
    assert names == ["One", "Three", "Five"]
    assert [e.line for e in result.errors] == [8, 14]
    assert result.errors[0].message == "no “:” between the property name and its value"
    assert result.errors[1] == ParseError(14, "the card has no END:VCARD before the next card")


def test_unterminated_last_card_and_stray_text_are_errors_not_exceptions() -> None:
    result = parse("garbage\r\nBEGIN:VCARD\r\nFN:x\r\n")
    assert result.cards == []
    assert [(e.line, e.message) for e in result.errors] == [
        (1, "text outside BEGIN:VCARD/END:VCARD"),
        (2, "the card has no END:VCARD"),
    ]


def test_bad_bytes_never_raise() -> None:
    result = parse(b"BEGIN:VCARD\r\nFN:\xff\xfe\x00\r\n;;;\r\nEND:VCARD\r\n\xff")
    assert [e.line for e in result.errors] == [3, 5]


def test_export_folds_at_75_octets_without_splitting_utf8() -> None:
    data = {"display_name": "Zoë", "notes": "日本語のメモ、" * 30 + "é" * 50}
    text = serialize([contact_to_card(data)])
    raw = text.encode("utf-8")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # each physical line is whole UTF-8
    assert card_to_contact(one_card(text)).data["notes"] == data["notes"]


def test_export_40_and_30_differ_where_the_versions_do() -> None:
    data = {
        "display_name": "Ann",
        "given_name": "Ann",
        "birthday": "--04-15",
        "anniversary": "2001-02-03",
        "gender": "F",
        "phones": [{"label": "mobile", "value": "+1 555", "is_preferred": True}],
        "uid": "urn:uuid:1",
    }
    v4 = serialize([contact_to_card(data)]).split("\r\n")
    v3 = serialize([contact_to_card(data, version="3.0")]).split("\r\n")
    assert v4[:2] == ["BEGIN:VCARD", "VERSION:4.0"]
    assert {
        "BDAY:--0415",
        "ANNIVERSARY:20010203",
        "GENDER:F",
        "TEL;TYPE=cell;PREF=1:+1 555",
    } <= set(v4)
    assert {
        "BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-15",
        "X-ANNIVERSARY:2001-02-03",
        "X-GENDER:F",
        "TEL;TYPE=cell,pref:+1 555",
    } <= set(v3)


def test_export_groups_do_not_clash_with_kept_groups() -> None:
    data = {
        "display_name": "Ann",
        "emails": [{"label": "Studio", "value": "a@example.com", "is_preferred": False}],
        "vcard_extra": [{"group": "item1", "name": "X-ABDATE", "params": [], "value": "2001"}],
    }
    lines = serialize([contact_to_card(data)]).split("\r\n")
    assert "item2.EMAIL:a@example.com" in lines
    assert "item2.X-ABLabel:Studio" in lines
    assert "item1.X-ABDATE:2001" in lines


def test_40_card_with_altid_pid_sort_as_profiles_languages_and_time_zone() -> None:
    text = crlf(r"""
BEGIN:VCARD
VERSION:4.0
KIND:individual
N;ALTID=1;LANGUAGE=en;SORT-AS="Tremblay,Marie":Tremblay;Marie;;;Ph.D.,M.Sc.
N;ALTID=1;LANGUAGE=ja:トランブレ;マリー;;;
FN:Marie Tremblay
GENDER:M
LANG;PREF=1:fr
LANG;PREF=2:en
TZ:America/Toronto
TZ;VALUE=utc-offset:-0500
EMAIL;PID=1.1;TYPE=work:marie@example.com
IMPP;X-SERVICE-TYPE=Jabber;PREF=1:xmpp:marie@example.com
X-SOCIALPROFILE;TYPE=linkedin;x-user=mariet:
END:VCARD
""")
    card = one_card(text)
    assert card.properties[2].params[2] == Param("SORT-AS", ("Tremblay,Marie",))
    imported = card_to_contact(card).data
    assert (imported["family_name"], imported["suffix"]) == ("Tremblay", "Ph.D., M.Sc.")
    assert imported["gender"] == "M"
    assert imported["languages"] == ["fr", "en"]
    assert imported["time_zone"] == "America/Toronto"
    assert imported["emails"] == [
        {"label": "work", "value": "marie@example.com", "is_preferred": False}
    ]
    assert imported["profiles"] == [
        {"label": "Jabber", "value": "xmpp:marie@example.com", "is_preferred": True},
        {"label": "linkedin", "value": "mariet", "is_preferred": False},
    ]
    assert [(e["name"], e["value"], e.get("of")) for e in imported["vcard_extra"]] == [
        ("KIND", "individual", None),
        ("N", "トランブレ;マリー;;;", None),
        ("TZ", "-0500", None),
        # kept forms: ALTID, LANGUAGE and SORT-AS, the ranks of the languages, a PID
        ("N", "Tremblay;Marie;;;Ph.D.,M.Sc.", "N"),
        ("LANG", "fr", "LANG"),
        ("LANG", "en", "LANG"),
        ("EMAIL", "marie@example.com", "EMAIL"),
        ("X-SOCIALPROFILE", "", "X-SOCIALPROFILE"),  # x-user=mariet
    ]
    assert_lossless(text)


def test_utf16_files_are_read_and_a_false_bom_is_not_fatal() -> None:
    text = crlf("BEGIN:VCARD\nVERSION:3.0\nFN:Zoë\nEND:VCARD")
    assert one_card(text.encode("utf-16")).properties[1] == Property("FN", "Zoë")
    assert one_card(b"\xfe\xff" + text.encode("utf-8")).properties[1] == Property("FN", "Zoë")


def test_export_never_writes_a_broken_line_from_odd_labels_or_kept_values() -> None:
    data = {
        "display_name": "Ann",
        "profiles": [{"label": 'My "chat",\nthing', "value": "xmpp:a@b", "is_preferred": False}],
        "vcard_extra": [{"group": None, "name": "X-A", "params": [], "value": "one\ntwo"}],
    }
    lines = serialize([contact_to_card(data)]).split("\r\n")
    assert "IMPP;X-SERVICE-TYPE=\"My 'chat', thing\":xmpp:a@b" in lines
    assert "X-A:one\\ntwo" in lines
    assert card_to_contact(one_card("\r\n".join(lines))).data["profiles"] == [
        {"label": "My 'chat', thing", "value": "xmpp:a@b", "is_preferred": False}
    ]
