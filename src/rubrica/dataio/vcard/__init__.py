"""Rubrica's own lossless vCard 2.1/3.0/4.0 codec (see docs/adr/0005-own-vcard-codec.md).

``parse`` turns text into ``Card`` objects (every content line kept as group, name, parameters and
raw value), ``serialize`` writes them back, and ``mapping`` translates a card to and from the
contact services' input shape."""

from rubrica.dataio.vcard.lines import parse, serialize, serialize_card
from rubrica.dataio.vcard.mapping import ImportedContact, Photo, card_to_contact, contact_to_card
from rubrica.dataio.vcard.model import Card, Param, ParseError, ParseResult, Property

__all__ = [
    "Card",
    "ImportedContact",
    "Param",
    "ParseError",
    "ParseResult",
    "Photo",
    "Property",
    "card_to_contact",
    "contact_to_card",
    "parse",
    "serialize",
    "serialize_card",
]
