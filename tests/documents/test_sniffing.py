"""What a file is comes from its bytes; the name only chooses within one container."""

from __future__ import annotations

import io
import zipfile

import pytest

from rubrica.documents.sniffing import sniff_bytes
from tests.documents.conftest import HTML, PDF, SVG, png_bytes


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PDF, "x.bin", "application/pdf"),
        (b"%PDF-1.7\n1 0 obj\n", "x", "application/pdf"),
        (png_bytes(), "photo.pdf", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, "a.png", "image/jpeg"),
        (HTML, "contract.pdf", "text/html"),
        (b"Hello\n<script>alert(1)</script>", "notes.txt", "text/html"),
        (SVG, "logo.png", "image/svg+xml"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "a.txt", "image/svg+xml"),
        (b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada\r\nEND:VCARD\r\n", "a.pdf", "text/vcard"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "a", "text/calendar"),
        ("Grüße, 你好\n".encode(), "readme.txt", "text/plain"),
        (b"a,b\n1,2\n", "table.csv", "text/csv"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60, "report.pdf", None),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "x.txt", None),
        (
            _zip({"[Content_Types].xml": b"x", "word/document.xml": b"x"}),
            "a.bin",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            _zip({"[Content_Types].xml": b"x", "xl/workbook.xml": b"x"}),
            "a.docx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            _zip({"mimetype": b"application/vnd.oasis.opendocument.text"}),
            "a.zip",
            "application/vnd.oasis.opendocument.text",
        ),
        (_zip({"evil.sh": b"rm -rf /"}), "a.docx", "application/zip"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "old.xls",
            "application/vnd.ms-excel",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "old.exe",
            "application/x-ole-storage",
        ),
    ],
)
def test_the_type_comes_from_the_bytes_not_the_name(data, name, expected):
    sniffed = sniff_bytes(data, name)
    if expected is None:  # an executable: whatever it is called, never a document type
        assert sniffed not in {"application/pdf", "text/plain", "image/png"}
        assert "executable" in sniffed or sniffed.startswith("application/")
    else:
        assert sniffed == expected
