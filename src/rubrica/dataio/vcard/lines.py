"""Content lines: unfolding and splitting on the way in, quoting and folding on the way out.

Unfolding works on bytes, before any decoding, because real files fold at 75 octets in the middle
of a UTF-8 sequence; each logical line is decoded only once it is whole."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from rubrica.dataio.vcard.model import Card, Param, ParseError, ParseResult, Property

CRLF = "\r\n"
FOLD_OCTETS = 75
_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
_GROUP_RE = re.compile(r"[A-Za-z0-9_.-]+")
_CR_CR_LF = re.compile(rb"\r+\n")
_CHARSET_RE = re.compile(rb"CHARSET=\"?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_QP_MARK = "QUOTED-PRINTABLE"


class LineError(ValueError):
    """A content line that cannot be split into name, parameters and value."""


def _is_qp_header(head: str) -> bool:
    """Whether a line's parameter part (text before its first colon) asks for quoted-printable.

    The reader and the writer share this test, so soft line breaks written are soft breaks read."""
    return _QP_MARK in head.upper()


def _to_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8", "surrogatepass")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            decoded = data.decode("utf-16")
        except UnicodeDecodeError:
            decoded = ""
        if "BEGIN:VCARD" in decoded.upper():
            return decoded.encode("utf-8", "surrogatepass")
        return data[2:]  # not UTF-16 after all: a stray mark before 8-bit text
    return data


def _head(line: bytes) -> bytes:
    """The name and parameters: the text before the first colon that is not inside quotes."""
    quoted = False
    for index, octet in enumerate(line):
        if octet == 0x22:  # "
            quoted = not quoted
        elif octet == 0x3A and not quoted:  # :
            return line[:index]
    return line


def _logical_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield (first physical line number, unfolded line) pairs, blank lines dropped.

    A line starting with a space or tab continues the previous one (the one whitespace octet is
    removed). A quoted-printable line ending in ``=`` continues on the next line as is (2.1 soft
    line break)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    current: bytearray | None = None
    start = 0
    qp = False
    if b"\r\r\n" in data:  # seen in real iPhone exports
        data = _CR_CR_LF.sub(b"\r\n", data)
    for number, physical in enumerate(data.splitlines(), start=1):
        if current is not None and qp and current.endswith(b"="):
            del current[-1]
            current += physical
            continue
        if current is not None and physical[:1] in (b" ", b"\t"):
            current += physical[1:]
            continue
        if current is not None and current.strip():
            yield start, bytes(current)
        current = bytearray(physical)
        start = number
        qp = b"QUOTED-PRINTABLE" in physical.upper() and _is_qp_header(
            _head(physical).decode("latin-1")
        )
    if current is not None and current.strip():
        yield start, bytes(current)


def _decode_line(line: bytes) -> str:
    """UTF-8 when it is valid (most files); else the line's CHARSET, else Windows-1252."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _CHARSET_RE.search(line)
    if match:
        try:
            return line.decode(match.group(1).decode("ascii"))
        except (LookupError, UnicodeError):
            pass
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def _parse_simple(text: str, line: int) -> Property | None:
    """The common case, with string methods only: no quoted parameter value before the colon.
    None when the line needs the careful scan of ``parse_line``."""
    colon = text.find(":")
    if colon <= 0 or '"' in text[:colon]:
        return None
    name, *raw_params = text[:colon].split(";")
    group, _dot, name = name.rpartition(".")
    if not _NAME_RE.fullmatch(name) or (group and not _GROUP_RE.fullmatch(group)):
        return None
    params: list[Param] = []
    for raw in raw_params:
        pname, equals, pvalue = raw.partition("=")
        params.append(Param(pname, tuple(pvalue.split(","))) if equals else Param(None, (raw,)))
    return Property(name, text[colon + 1 :], tuple(params), group or None, line)


def parse_line(text: str, line: int = 0) -> Property:
    """Split one unfolded content line into a Property; raise LineError saying what is wrong."""
    simple = _parse_simple(text, line)
    if simple is not None:
        return simple
    i = 0
    n = len(text)
    while i < n and text[i] not in ";:":
        i += 1
    if i == n:
        raise LineError(_("no “:” between the property name and its value"))
    full_name = text[:i].strip()
    group: str | None = None
    name = full_name
    if "." in full_name:
        group, _dot, name = full_name.rpartition(".")
        if not _GROUP_RE.fullmatch(group):
            raise LineError(_("invalid group name “%(group)s”") % {"group": group})
    if not _NAME_RE.fullmatch(name):
        raise LineError(_("invalid property name “%(name)s”") % {"name": full_name[:40]})
    params: list[Param] = []
    while i < n and text[i] == ";":
        i += 1
        start = i
        while i < n and text[i] not in "=;:":
            i += 1
        pname = text[start:i]
        if i < n and text[i] == "=":
            i += 1
            values: list[str] = []
            while True:
                if i < n and text[i] == '"':
                    end = text.find('"', i + 1)
                    if end < 0:
                        raise LineError(_("a parameter value has no closing quote"))
                    values.append(text[i + 1 : end])
                    i = end + 1
                else:
                    start = i
                    while i < n and text[i] not in ",;:":
                        i += 1
                    values.append(text[start:i])
                if i < n and text[i] == ",":
                    i += 1
                    continue
                break
            params.append(Param(pname, tuple(values)))
        else:
            params.append(Param(None, (pname,)))
    if i >= n or text[i] != ":":
        raise LineError(_("no “:” between the property name and its value"))
    return Property(name=name, value=text[i + 1 :], params=tuple(params), group=group, line=line)


def parse(data: bytes | str) -> ParseResult:
    """Read every card of a file. Broken cards are skipped and reported by line; never raises."""
    result = ParseResult()
    card: Card | None = None
    broken: ParseError | None = None
    for number, raw in _logical_lines(_to_bytes(data)):
        text = _decode_line(raw)
        marker = text.strip().upper()
        if marker == "BEGIN:VCARD":
            if card is not None:
                result.errors.append(
                    broken
                    or ParseError(card.line, _("the card has no END:VCARD before the next card"))
                )
            card, broken = Card(properties=[], line=number), None
            continue
        if card is None:
            result.errors.append(ParseError(number, _("text outside BEGIN:VCARD/END:VCARD")))
            continue
        if marker == "END:VCARD":
            if broken is None:
                result.cards.append(card)
            else:
                result.errors.append(broken)
            card = None
            continue
        try:
            card.properties.append(parse_line(text, number))
        except LineError as exc:
            if broken is None:
                broken = ParseError(number, str(exc))
    if card is not None:
        result.errors.append(broken or ParseError(card.line, _("the card has no END:VCARD")))
    return result


def _quote(value: str) -> str:
    """A parameter value as written: quoted when it holds a separator. A value that cannot occur
    in a parsed card (a line break, or a quote beside a separator) is made safe, not written
    broken: line breaks become spaces and quotes become apostrophes."""
    if "\n" in value or "\r" in value:
        value = " ".join(value.splitlines())
    if any(c in value for c in ",;:"):
        return '"' + value.replace('"', "'") + '"'
    return value


def content_line(prop: Property) -> str:
    """The content line of ``prop`` before folding."""
    head, value = _content_parts(prop)
    return f"{head}:{value}"


def _content_parts(prop: Property) -> tuple[str, str]:
    """(name with group and parameters, value) as written."""
    head = f"{prop.group}.{prop.name}" if prop.group else prop.name
    for param in prop.params:
        if param.name is None:
            head += ";" + "".join(param.values)
        else:
            head += f";{param.name}=" + ",".join(_quote(v) for v in param.values)
    value = prop.value
    if "\n" in value or "\r" in value:  # never from a parsed card; written as text escapes
        value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return head, value


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 sequence."""
    if len(line.encode("utf-8", "surrogatepass")) <= FOLD_OCTETS:
        return line
    parts: list[str] = []
    chunk: list[str] = []
    size = 0
    limit = FOLD_OCTETS
    for char in line:
        width = len(char.encode("utf-8", "surrogatepass"))
        if size + width > limit and chunk:
            parts.append("".join(chunk))
            chunk, size, limit = [], 0, FOLD_OCTETS - 1
        chunk.append(char)
        size += width
    parts.append("".join(chunk))
    return (CRLF + " ").join(parts)


def _fold_qp(head: str, value: str) -> str:
    """Quoted-printable lines break with ``=`` soft breaks inside the value, never in an escape."""
    if len(head) + 1 + len(value) <= FOLD_OCTETS + 1 or value.endswith("="):
        return f"{head}:{value}"
    pieces: list[str] = []
    room = max(FOLD_OCTETS - 1 - len(head) - 1, 8)
    i = 0
    while i < len(value):
        end = min(i + room, len(value))
        # never cut "=XX" apart
        cut = value.rfind("=", max(end - 2, i), end)
        if cut > i and end < len(value):
            end = cut
        pieces.append(value[i:end])
        i = end
        room = FOLD_OCTETS - 1
    return f"{head}:" + ("=" + CRLF).join(pieces)


def serialize_property(prop: Property) -> str:
    head, value = _content_parts(prop)
    if _is_qp_header(head):
        return _fold_qp(head, value)
    return _fold(f"{head}:{value}")


def serialize_card(card: Card) -> str:
    lines = ["BEGIN:VCARD", *(serialize_property(p) for p in card.properties), "END:VCARD"]
    return CRLF.join(lines) + CRLF


def serialize(cards: Iterable[Card]) -> str:
    """Write cards back as text with CRLF line endings."""
    return "".join(serialize_card(card) for card in cards)
