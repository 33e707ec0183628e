"""Value decoding and encoding: text escapes, structured values, quoted-printable with CHARSET,
base64 and data URIs. Only the mapping calls these; the codec itself keeps raw values."""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

from rubrica.dataio.vcard.model import Property

_ESCAPES = {"n": "\n", "N": "\n", "\\": "\\", ",": ",", ";": ";", ":": ":", '"': '"'}
_DATA_URI = re.compile(r"data:([^;,]*)((?:;[^;,]*)*),(.*)", re.DOTALL | re.IGNORECASE)
IMAGE_TYPES = {
    "JPEG": "image/jpeg",
    "JPG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "BMP": "image/bmp",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
    "HEIC": "image/heic",
}


def _split(raw: str, sep: str) -> list[str]:
    """Split on ``sep`` where it is not escaped by a backslash; escapes stay in the parts."""
    if "\\" not in raw:
        return raw.split(sep)
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "\\" and i + 1 < len(raw):
            current.append(raw[i : i + 2])
            i += 2
            continue
        if char == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def unescape(raw: str) -> str:
    """``\\n`` → newline, ``\\,`` → comma, ``\\;``, ``\\\\``, Google's ``\\:`` and Apple's
    ``\\"``; any other backslash is kept as written (it may be a Windows path)."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "\\" and i + 1 < len(raw) and raw[i + 1] in _ESCAPES:
            out.append(_ESCAPES[raw[i + 1]])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def escape(text: str) -> str:
    """The inverse of ``unescape`` for a text value written by Rubrica (3.0 and 4.0 rules)."""
    return (
        text.replace("\\", "\\\\")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def split_components(raw: str) -> list[str]:
    """A structured value (N, ADR, ORG, GENDER) as unescaped components; commas inside a component
    are kept, since real files leave them unescaped in names."""
    return [unescape(part) for part in _split(raw, ";")]


def raw_components(raw: str) -> list[str]:
    """A structured value split on unescaped ``;``, each component still escaped (so that a
    component that is itself a comma list can be written back as it was)."""
    return _split(raw, ";")


def component_items(raw_component: str) -> list[str]:
    """One escaped component of a structured value as its unescaped comma-separated items
    (N's ``Karl,Heinz`` is two additional names)."""
    return [unescape(part) for part in _split(raw_component, ",")]


def split_list(raw: str) -> list[str]:
    """A comma list (NICKNAME, CATEGORIES) as unescaped items."""
    return [unescape(part) for part in _split(raw, ",")]


def _charset(prop: Property) -> str:
    for value in prop.param_values("CHARSET"):
        try:
            return codecs.lookup(value.strip()).name
        except LookupError:
            continue
    return "utf-8"


def decoded_text(prop: Property) -> str:
    """The raw value with any quoted-printable transfer encoding undone (still escaped)."""
    if prop.encoding() != "QUOTED-PRINTABLE":
        return prop.value
    data = quopri.decodestring(prop.value.encode("utf-8", "surrogateescape"))
    try:
        return data.decode(_charset(prop))
    except (LookupError, UnicodeError):  # a binary codec such as "base64", or wrong bytes
        return data.decode("cp1252", "replace")


def text(prop: Property) -> str:
    """A single text value, unescaped (no splitting: ``FN:Doe, John`` stays whole); Outlook's
    CRLF inside quoted-printable text becomes a plain newline."""
    return unescape(decoded_text(prop)).replace("\r\n", "\n")


def binary(prop: Property) -> tuple[bytes, str] | None:
    """(bytes, mime type) of an inline PHOTO/LOGO/SOUND: base64 by ENCODING or a data URI.

    None for a link (``http:...``) or a value that is not valid base64."""
    value = prop.value.strip()
    match = _DATA_URI.fullmatch(value)
    if match:
        mime, flags, payload = match.groups()
        if "base64" not in flags.lower():
            return None
        data = _b64(payload)
        return (data, mime.lower() or "application/octet-stream") if data is not None else None
    if prop.encoding() not in ("B", "BASE64"):
        return None
    data = _b64(value)
    if data is None:
        return None
    return data, _mime(prop, data)


def _b64(payload: str) -> bytes | None:
    compact = "".join(payload.split()).rstrip("=")
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"), (b"GIF8", "image/gif"))


def _mime(prop: Property, data: bytes) -> str:
    """From MEDIATYPE or TYPE (``JPEG``, ``image/png``), else from the image's first bytes."""
    for candidate in [*prop.param_values("MEDIATYPE"), *prop.types()]:
        if "/" in candidate:
            return candidate.lower()
        known = IMAGE_TYPES.get(candidate.upper())
        if known:
            return known
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    return "application/octet-stream"


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
