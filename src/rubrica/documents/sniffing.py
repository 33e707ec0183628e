"""What a file is, from its bytes: the name and the declared Content-Type are never trusted.

Binary formats are recognised by their signatures through ``puremagic`` (pure Python, no system
library, a maintained table of several hundred signatures; see docs/adr/0017-documents.md).
Containers that puremagic cannot tell apart from their first bytes are opened: a ZIP is an
OOXML or OpenDocument file only when its entries say so, an OLE2 compound file (the old .doc,
.xls, .ppt) is named by its extension only among those three. Text is recognised here: markup
(HTML, SVG, XML) is named as such, so a page saved as ``report.pdf`` is ``text/html``, which is
refused unless an operator allowed it.
"""

from __future__ import annotations

import io
import zipfile
from typing import IO

import puremagic

#: Bytes read to decide; enough for every signature and for the start of a text file.
HEAD_BYTES = 8192

#: What we call the sniffed type of a file nothing recognises.
UNKNOWN = "application/octet-stream"

#: Images the browser shows and Pillow reads; only these are previewed (never SVG: it is a
#: document with scripts, served as an attachment).
PREVIEW_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

#: Puremagic's answers we take as they are (its table also names many rarer types; a type not
#: listed here is still reported, and the allowed list decides).
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE2_BY_EXTENSION = {
    "doc": "application/msword",
    "dot": "application/msword",
    "xls": "application/vnd.ms-excel",
    "xlt": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "pps": "application/vnd.ms-powerpoint",
}
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_TEXT_BY_EXTENSION = {"csv": "text/csv", "md": "text/markdown", "markdown": "text/markdown"}
_MARKUP = (
    (b"<svg", "image/svg+xml"),
    (b"<!doctype html", "text/html"),
    (b"<html", "text/html"),
    (b"<head", "text/html"),
    (b"<body", "text/html"),
    (b"<script", "text/html"),
    (b"<iframe", "text/html"),
    (b"<?xml", "application/xml"),
)


def is_previewable_image(content_type: str) -> bool:
    return content_type in PREVIEW_IMAGES


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff(handle: IO[bytes], name: str = "") -> str:
    """The content type of the file in ``handle`` (read from its start; left at its start).

    ``name`` only chooses among formats that share one container (an OLE2 file named .xls is
    an Excel sheet; a text file named .csv is CSV); it never makes a file what its bytes are not.
    """
    handle.seek(0)
    head = handle.read(HEAD_BYTES)
    handle.seek(0)
    if not head:
        return "text/plain"
    if head.startswith(_OLE2):
        return _OLE2_BY_EXTENSION.get(_extension(name), "application/x-ole-storage")
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(handle)
    text = _text_type(head, name)
    if text is not None:
        return text
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return UNKNOWN
    for match in matches:
        if match.mime_type:
            return str(match.mime_type)
    return UNKNOWN


def _zip_type(handle: IO[bytes]) -> str:
    """An OOXML or OpenDocument file by its entries; any other ZIP is application/zip."""
    try:
        with zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return declared
            if "[Content_Types].xml" in names:
                for prefix, content_type in _OOXML.items():
                    if any(entry.startswith(prefix) for entry in names):
                        return content_type
    except (zipfile.BadZipFile, OSError, ValueError):
        return UNKNOWN
    finally:
        handle.seek(0)
    return "application/zip"


def _text_type(head: bytes, name: str) -> str | None:
    """Text and markup, or None for binary data. Text is UTF-8 (with or without BOM) or UTF-16
    with a BOM, without NUL bytes or other control characters than tab, CR, LF and form feed."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            decoded = head[2 : len(head) - (len(head) % 2)].decode(
                "utf-16-le" if head[0] == 0xFF else "utf-16-be", "strict"
            )
        except UnicodeDecodeError:
            return None
        head = decoded.encode("utf-8")
    elif b"\x00" in head:
        return None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the end of the head
            return None
        text = head[: error.start].decode("utf-8")
    if any(ord(char) < 32 and char not in "\t\r\n\f" for char in text):
        return None
    start = text.lstrip().lower().encode("utf-8")
    for marker, content_type in _MARKUP:
        if start.startswith(marker):
            if content_type == "application/xml" and b"<svg" in start[:2048]:
                return "image/svg+xml"
            if content_type == "application/xml" and b"<html" in start[:2048]:
                return "text/html"
            return content_type
    lowered = text.lower()
    if "<script" in lowered or "<html" in lowered or "<svg" in lowered:
        return "text/html"  # markup later in the file: a browser would run it as a page
    if start.startswith(b"begin:vcard"):
        return "text/vcard"
    if start.startswith(b"begin:vcalendar"):
        return "text/calendar"
    if start.startswith(b"{\\rtf"):
        return "application/rtf"
    if start.startswith(b"%pdf-"):
        return "application/pdf"
    return _TEXT_BY_EXTENSION.get(_extension(name), "text/plain")


def sniff_bytes(data: bytes, name: str = "") -> str:
    """``sniff`` for bytes in memory (tests, the CLI)."""
    return sniff(io.BytesIO(data), name)
