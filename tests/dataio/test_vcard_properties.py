"""Property tests: the codec is lossless, and export → parse → mapping gives the data back."""

from __future__ import annotations

import binascii
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rubrica.dataio.vcard import (
    Card,
    Param,
    Photo,
    Property,
    card_to_contact,
    contact_to_card,
    parse,
    serialize,
)
from rubrica.dataio.vcard.mapping import empty_data, in_version
from rubrica.dataio.vcard.values import escape

# Any text but line breaks (and lone surrogates, which cannot be encoded).
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"))
TOKEN = st.from_regex(r"[A-Za-z0-9-]{1,8}", fullmatch=True)
PARAM_VALUE = st.text(
    st.characters(exclude_categories=["Cs", "Cc"], exclude_characters='"'), max_size=12
)
GROUP = st.sampled_from([None, "item1", "item2", "G-1", "a.b"])
PROP_NAME = st.sampled_from(
    ["FN", "N", "NOTE", "TEL", "EMAIL", "ADR", "NICKNAME", "x-custom", "X-ABLabel"]
) | st.from_regex(r"X-[A-Z0-9-]{1,10}", fullmatch=True)
PARAM = st.one_of(
    st.builds(
        Param,
        st.sampled_from(["TYPE", "type", "PREF", "LABEL", "X-P", "VALUE"]),
        st.lists(PARAM_VALUE, min_size=1, max_size=3).map(tuple),
    ),
    TOKEN.map(lambda t: Param(None, (t,))),
)


@st.composite
def properties(draw: st.DrawFn) -> Property:
    params = tuple(draw(st.lists(PARAM, max_size=3)))
    if draw(st.booleans()):
        # a value written by someone else: unescaped separators, stray backslashes...
        value = draw(ANY_TEXT)
    elif draw(st.booleans()):
        # Rubrica-style escaped text with commas, semicolons, newlines, non-ASCII
        value = escape(draw(st.text(st.characters(exclude_categories=["Cs"]))))
    else:
        encoded = binascii.b2a_qp(draw(ANY_TEXT).encode(), quotetabs=True, istext=False)
        value = encoded.decode().replace("=\n", "")
        params = (*params, Param("ENCODING", ("QUOTED-PRINTABLE",)))
    return Property(draw(PROP_NAME), value, params, draw(GROUP))


CARD = st.builds(Card, st.lists(properties(), max_size=8))


@settings(max_examples=200, deadline=None)
@given(st.lists(CARD, min_size=1, max_size=3))
def test_parse_serialize_parse_is_the_identity(cards: list[Card]) -> None:
    first = parse(serialize(cards))
    assert first.errors == []
    assert first.cards == cards
    again = parse(serialize(first.cards))
    assert again.errors == []
    assert again.cards == first.cards


# --- export → parse → mapping -------------------------------------------------------------

CLEAN = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r"), max_size=20).map(
    str.strip
)
NON_EMPTY = CLEAN.filter(bool)
SAFE_LABEL = st.text(
    st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"], exclude_characters='"'),
    max_size=12,
).map(str.strip)
CUSTOM_LABEL = SAFE_LABEL.map(lambda s: f"Studio {s}".strip())
CANONICAL_LABELS = {
    "emails": ["", "home", "work", "other", "home,work"],
    "phones": ["", "mobile", "home", "work", "work,fax", "home,fax", "pager", "voice", "text"],
    "addresses": ["", "home", "work", "work,postal", "other"],
    "urls": ["", "home", "work"],
}
DATE = st.one_of(
    st.just(""),
    st.dates().filter(lambda d: d.year >= 1000 and d.year != 1604).map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("--%m-%d")),
)


def labelled(kind: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    label = st.sampled_from(CANONICAL_LABELS[kind]) | CUSTOM_LABEL
    return st.fixed_dictionaries({"label": label, "value": value, "is_preferred": st.booleans()})


ADDRESS = st.fixed_dictionaries(
    {
        "label": st.sampled_from(CANONICAL_LABELS["addresses"]) | CUSTOM_LABEL,
        **{
            part: CLEAN
            for part in ("street", "extended", "po_box", "city", "region", "postal_code", "country")
        },
        "is_preferred": st.booleans(),
    }
)
PROFILE = st.fixed_dictionaries(
    {
        "label": SAFE_LABEL.filter(lambda s: s.lower() != "pref"),
        "value": st.one_of(
            CLEAN,
            NON_EMPTY.map(lambda s: f"xmpp:{s}"),
            NON_EMPTY.map(lambda s: f"https://example.com/{s}"),
        ),
        "is_preferred": st.booleans(),
    }
)
EXTRA = st.builds(
    lambda group, name, params, value: Property(name, value, params, group).to_extra(),
    st.sampled_from([None, "item1", "item3", "g"]),
    st.from_regex(r"X-EXTRA-[A-Z]{1,5}", fullmatch=True),
    st.lists(PARAM, max_size=2).map(tuple),
    ANY_TEXT,
)


@st.composite
def contact_data(draw: st.DrawFn) -> dict[str, Any]:
    data = empty_data()
    for name in (
        "prefix",
        "given_name",
        "additional_name",
        "family_name",
        "suffix",
        "display_name",
        "phonetic_given_name",
        "phonetic_family_name",
        "title",
        "role",
    ):
        data[name] = draw(CLEAN)
    # Notes as the contact services keep them: trimmed (a NOTE of white space alone is kept
    # verbatim in the extras, not as notes).
    notes = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r"))
    data["notes"] = draw(notes.map(str.strip))
    data["nicknames"] = draw(st.lists(NON_EMPTY, max_size=3))
    data["languages"] = draw(
        st.lists(st.sampled_from(["en", "it", "fr-CA", "zh-Hans"]), max_size=2)
    )
    data["tags"] = draw(st.lists(NON_EMPTY, max_size=3, unique=True))
    data["gender"] = draw(st.sampled_from(["", "F", "M", "O", "N", "U"]))
    data["birthday"] = draw(DATE)
    data["anniversary"] = draw(DATE)
    data["time_zone"] = draw(st.sampled_from(["", "Europe/Rome", "America/New_York", "UTC"]))
    data["uid"] = draw(CLEAN)
    data["emails"] = draw(st.lists(labelled("emails", CLEAN), max_size=3))
    phone = CLEAN.filter(lambda s: not s.lower().startswith("tel:"))
    data["phones"] = draw(st.lists(labelled("phones", phone), max_size=3))
    data["addresses"] = draw(st.lists(ADDRESS, max_size=2))
    data["urls"] = draw(st.lists(labelled("urls", CLEAN), max_size=2))
    data["profiles"] = draw(st.lists(PROFILE, max_size=2))
    data["vcard_extra"] = draw(st.lists(EXTRA, max_size=3))
    return data


ORGANIZATION = st.none() | st.tuples(CLEAN, CLEAN).filter(lambda o: bool(o[0] or o[1]))
PHOTO = st.none() | st.builds(
    Photo, st.binary(min_size=1, max_size=64), st.sampled_from(["image/jpeg", "image/png"])
)


@settings(max_examples=200, deadline=None)
@given(
    contact_data(),
    st.sampled_from(["3.0", "4.0"]),
    ORGANIZATION,
    PHOTO,
)
def test_export_parse_map_gives_the_contact_back(
    data: dict[str, Any],
    version: str,
    organization: tuple[str, str] | None,
    photo: Photo | None,
) -> None:
    text = serialize(
        [contact_to_card(data, version=version, organization=organization, photo=photo)]
    )
    result = parse(text)
    assert result.errors == []
    [card] = result.cards
    imported = card_to_contact(card)
    # Kept properties come back in the exported version's form (2.1 bare parameters as TYPE...).
    kept = [in_version(Property.from_extra(x), version).to_extra() for x in data["vcard_extra"]]
    assert imported.data == {**data, "vcard_extra": kept}
    assert imported.organization == organization
    assert imported.photo == photo


LINE = st.one_of(
    st.sampled_from(["BEGIN:VCARD", "END:VCARD", "VERSION:2.1", "", " ", "\t", "=", ":"]),
    st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
    st.from_regex(r'[A-Za-z.]{0,6}(;[A-Za-z"=,:]{0,6}){0,3}:?.{0,10}', fullmatch=True),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, max_size=20), st.sampled_from(["\r\n", "\n", "\r", "\r\r\n"]))
def test_parse_never_raises_and_keeps_every_card_it_accepts(lines: list[str], eol: str) -> None:
    data = eol.join(lines).encode("latin-1", "replace")
    result = parse(data)
    assert all(error.line >= 1 for error in result.errors)
    again = parse(serialize(result.cards))
    assert again.cards == result.cards
    for card in result.cards:
        card_to_contact(card)


MAPPED_NAME = st.sampled_from(
    [
        "N",
        "FN",
        "NICKNAME",
        "EMAIL",
        "TEL",
        "ADR",
        "URL",
        "IMPP",
        "X-SOCIALPROFILE",
        "BDAY",
        "ANNIVERSARY",
        "TZ",
        "GENDER",
        "X-GENDER",
        "CATEGORIES",
        "ORG",
        "PHOTO",
        "NOTE",
        "LANG",
        "X-ABLabel",
        "X-PHONETIC-FIRST-NAME",
        "UID",
        "TITLE",
    ]
)
MAPPED_PARAM = st.builds(
    Param,
    st.sampled_from(["TYPE", "PREF", "ENCODING", "CHARSET", "VALUE", "X-APPLE-OMIT-YEAR"]),
    st.lists(
        st.sampled_from(["b", "QUOTED-PRINTABLE", "base64", "utf-16", "idna", "pref", "1604"])
        | PARAM_VALUE,
        min_size=1,
        max_size=2,
    ).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            Property,
            MAPPED_NAME,
            ANY_TEXT | st.sampled_from(["--0230", "1604-02-29", "data:;base64,@@", "tel:;ext="]),
            st.lists(MAPPED_PARAM, max_size=3).map(tuple),
            st.sampled_from([None, "item1"]),
        ),
        max_size=10,
    )
)
def test_mapping_never_fails_on_odd_values(props: list[Property]) -> None:
    imported = card_to_contact(Card(props))
    assert isinstance(imported.data["vcard_extra"], list)


@settings(max_examples=300, deadline=None)
@given(properties(), st.sampled_from(["3.0", "4.0"]))
def test_a_kept_property_in_the_version_form_is_left_as_it_is(prop: Property, version: str) -> None:
    once = in_version(prop, version)
    assert in_version(once, version) == once
    assert (once.name, once.group) == (prop.name, prop.group)
    # Written and read back, it is the same property.
    [card] = parse(serialize([Card([Property("VERSION", version), once])])).cards
    assert card.properties[1] == once


# --- cards with parameters, groups and lists: import → export keeps them --------------------

NAME_ITEM = (
    st.text(st.sampled_from("abcXYZäöüß ,;\\"), min_size=1, max_size=6).map(str.strip).filter(bool)
)
NAME_COMPONENT = st.lists(NAME_ITEM, max_size=2).map(lambda items: ",".join(map(escape, items)))
KEPT_PARAM = st.builds(
    Param,
    st.sampled_from(["PID", "ALTID", "SORT-AS", "LANGUAGE", "X-ORIGIN", "X-FLAG"]),
    st.lists(PARAM_VALUE.map(str.strip).filter(bool), min_size=1, max_size=2).map(tuple),
)
ROW_TYPES = {
    "EMAIL": ["INTERNET", "home", "work", "x-special"],
    "TEL": ["voice", "cell", "home", "work", "fax", "x-sat"],
    "ADR": ["home", "work", "postal", "dom"],
    "URL": ["home", "work", "x-blog"],
}
APPLE_BUILT_IN = ["_$!<Other>!$_", "_$!<HomeFAX>!$_", "_$!<Main>!$_", "_$!<HomePage>!$_"]
AB_LABEL = st.sampled_from(APPLE_BUILT_IN) | SAFE_LABEL.filter(bool).map(lambda s: f"My {s}")
#: one value per row, distinct within a card (a kept form finds its row by value)
ROW_VALUES = {
    "EMAIL": lambda i: f"person{i}@example.com",
    "TEL": lambda i: f"+1 555 010{i}",
    "ADR": lambda i: f";;{i} Main Street;Springfield;;0000{i};Utopia",
    "URL": lambda i: f"https://example.com/{i}",
}


@st.composite
def rich_cards(draw: st.DrawFn) -> Card:
    """A 3.0 or 4.0 card whose modelled properties carry parameters Rubrica does not model,
    Apple groups (X-ABLabel, X-ABADR) and structured values with lists."""
    version = draw(st.sampled_from(["3.0", "4.0"]))
    props = [Property("VERSION", version)]

    def params() -> tuple[Param, ...]:
        return tuple(draw(st.lists(KEPT_PARAM, max_size=2, unique_by=lambda p: p.name)))

    props.append(Property("FN", escape(draw(NON_EMPTY)), params()))
    n = ";".join(draw(NAME_COMPONENT) for _ in range(5))
    props.append(Property("N", n, params()))
    if draw(st.booleans()):
        units = draw(st.lists(NAME_ITEM, min_size=0, max_size=3))
        org = ";".join(escape(x) for x in [draw(NAME_ITEM), *units])
        props.append(Property("ORG", org, params()))
    if draw(st.booleans()):
        nicknames = ",".join(escape(x) for x in draw(st.lists(NAME_ITEM, min_size=1, max_size=3)))
        props.append(Property("NICKNAME", nicknames, params()))
    group_number = 0
    for name, make in ROW_VALUES.items():
        for index in range(draw(st.integers(0, 2))):
            types = draw(st.lists(st.sampled_from(ROW_TYPES[name]), max_size=2, unique=True))
            row_params = (Param("TYPE", tuple(types)),) if types else ()
            row_params += params()
            if name == "ADR" and draw(st.booleans()):
                row_params += (Param("LABEL", ("1 Main Street\\nSpringfield",)),)
                row_params += (Param("GEO", ("geo:52.52,13.40",)),)
            group = None
            companions = []
            if draw(st.booleans()):
                group_number += 1
                group = f"item{group_number}"
                companions.append(Property("X-ABLabel", escape(draw(AB_LABEL)), (), group))
                if name == "ADR" and draw(st.booleans()):
                    companions.append(Property("X-ABADR", "us", (), group))
            props.append(Property(name, make(index), row_params, group))
            props.extend(companions)
    for index, lang in enumerate(draw(st.lists(st.sampled_from(["en", "de", "fr"]), max_size=2))):
        props.append(Property("LANG", lang, (Param("PREF", (str(index + 1),)),)))
    return Card(properties=props)


def _units(prop: Property) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for param in prop.params:
        name = "TYPE" if param.name is None else param.name.upper()
        for value in param.values:
            for item in value.split(",") if name == "TYPE" else [value]:
                pref = (name == "TYPE" and item.lower() == "pref") or (name, item) == ("PREF", "1")
                out.add(("PREF", "1") if pref else (name, item.lower() if name == "TYPE" else item))
    return out


def _companions(card: Card, group: str | None) -> list[tuple[str, str]]:
    if not group:
        return []
    return sorted(
        (p.key, p.value)
        for p in card.properties
        if (p.group or "").upper() == group.upper() and p.key in ("X-ABLABEL", "X-ABADR")
    )


@settings(max_examples=150, deadline=None)
@given(rich_cards(), st.sampled_from(["3.0", "4.0"]))
def test_parameters_groups_and_lists_of_modelled_properties_survive_import_and_export(
    card: Card, version: str
) -> None:
    imported = card_to_contact(card)
    exported = contact_to_card(imported.data, version=version, organization=imported.organization)
    [again] = parse(serialize([exported])).cards

    for prop in card.properties:
        if prop.key in ("VERSION", "X-ABLABEL", "X-ABADR"):
            continue
        name = "X-LANG" if prop.key == "LANG" and version == "3.0" else prop.key
        candidates = [
            q
            for q in again.properties
            if q.key == name
            and q.value == prop.value
            and _units(prop) <= _units(q)
            and _companions(again, q.group) == _companions(card, prop.group)
        ]
        assert candidates, f"{prop} is not in the {version} export"
    # ... and the export maps to the same person.
    again_data = card_to_contact(again).data
    for key in ("given_name", "family_name", "additional_name", "prefix", "suffix", "nicknames"):
        assert again_data[key] == imported.data[key]
    for kind in ("emails", "phones", "addresses", "urls"):
        assert again_data[kind] == imported.data[kind]
    assert card_to_contact(again).organization == imported.organization
