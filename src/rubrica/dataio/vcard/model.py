"""The parsed form of a vCard: what was read, kept close enough to the text to write it back.

Values stay raw (still escaped, still quoted-printable or base64 encoded): decoding is done on
demand by ``values`` so that whatever Rubrica does not understand is written back unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Param:
    """One parameter. ``name`` is None for a vCard 2.1 bare parameter (``TEL;CELL``), whose single
    value is the token itself. Names and values keep the case they were written in."""

    name: str | None
    values: tuple[str, ...]

    def is_named(self, name: str) -> bool:
        return self.name is not None and self.name.upper() == name


@dataclass(slots=True)
class Property:
    """One content line: ``group.NAME;params:value`` after unfolding. ``line`` (where it started in
    the source, 1-based) is not part of equality, so a re-parsed card compares equal."""

    name: str
    value: str
    params: tuple[Param, ...] = ()
    group: str | None = None
    line: int = field(default=0, compare=False)
    #: the upper-cased name, for comparisons (names are case-insensitive)
    key: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.key = self.name.upper()

    def param_values(self, name: str) -> list[str]:
        """All values of the named parameter(s), e.g. every TYPE, in order."""
        return [v for p in self.params if p.is_named(name) for v in p.values]

    def types(self) -> list[str]:
        """TYPE values plus 2.1 bare parameters, split on commas (``TYPE="work,voice"`` occurs)."""
        out: list[str] = []
        for p in self.params:
            if p.name is None or p.name.upper() == "TYPE":
                for v in p.values:
                    out.extend(t.strip() for t in v.split(",") if t.strip())
        return out

    def encoding(self) -> str:
        """The transfer encoding, upper-cased: QUOTED-PRINTABLE, B, BASE64, or ""."""
        for p in self.params:
            if p.is_named("ENCODING") and p.values:
                return p.values[0].upper()
            if p.name is None and p.values and p.values[0].upper() in BARE_ENCODINGS:
                return p.values[0].upper()
        return ""

    def to_extra(self) -> dict[str, Any]:
        """The JSON form kept in a contact's ``vcard_extra``."""
        return {
            "group": self.group,
            "name": self.name,
            "params": [[p.name, list(p.values)] for p in self.params],
            "value": self.value,
        }

    @classmethod
    def from_extra(cls, item: dict[str, Any]) -> Property:
        return cls(
            name=str(item["name"]),
            value=str(item.get("value", "")),
            params=tuple(
                Param(None if n is None else str(n), tuple(str(v) for v in vs))
                for n, vs in item.get("params", [])
            ),
            group=item.get("group") or None,
        )


BARE_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"})


@dataclass
class Card:
    """One vCard: its properties in file order, VERSION included, BEGIN/END excluded."""

    properties: list[Property]
    line: int = field(default=0, compare=False)

    @property
    def version(self) -> str:
        for prop in self.properties:
            if prop.key == "VERSION":
                return prop.value.strip()
        return ""


@dataclass(frozen=True)
class ParseError:
    """A card (or stray text) that could not be read: where it is and why."""

    line: int
    message: str


@dataclass
class ParseResult:
    """Every good card of a file, and one error per broken card; parsing never raises."""

    cards: list[Card] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
