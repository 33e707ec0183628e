"""XLSX: reading with openpyxl's streaming ``read_only`` mode through the same header and
mapping machinery as CSV, and writing with ``write_only`` mode.

Excel stores dates as numbers with a date format; openpyxl gives them back as ``datetime``,
which become ISO dates here. Whole numbers (a phone typed into a number cell) lose their
``.0``. The shared-strings table of a workbook is loaded whole by openpyxl; rows are streamed.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from rubrica.dataio.records import SourceRecord
from rubrica.dataio.tabular import profiles
from rubrica.dataio.tabular.core import RowMapper
from rubrica.dataio.tabular.csv_reader import _preview
from rubrica.dataio.tabular.writers import Layout, columns_for


class XlsxFormatError(ValueError):
    """The file is not a readable workbook."""


def cell_text(value: Any) -> str:
    """A cell value as the text the mapping expects."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class XlsxReader:
    """Records from the first sheet of a workbook (binary stream), streaming rows. Options
    as :class:`~rubrica.dataio.tabular.csv_reader.CsvReader`; ``sheet`` picks another sheet."""

    def __init__(
        self,
        stream: IO[bytes],
        mapping: Mapping[int, str] | None = None,
        *,
        sheet: str | None = None,
        date_order: str | None = None,
        phone_region: str | None = None,
        keep_raw: bool = True,
    ) -> None:
        self._stream = stream
        self._mapping = mapping
        self._sheet = sheet
        self._date_order = date_order
        self._phone_region = phone_region
        self.keep_raw = keep_raw
        self.headers: list[str] = []
        self.profile = ""
        self.confidence = 0.0
        self.mapper: RowMapper | None = None
        self._rows: Iterator[tuple[Any, ...]] | None = None
        self._workbook: Any = None
        self._spool: Any = None

    def _source(self) -> IO[bytes]:
        # A zip needs seeking: spool a non-seekable upload to disk first.
        if self._stream.seekable():
            return self._stream
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._spool = spool
        shutil.copyfileobj(self._stream, spool)
        spool.seek(0)
        return spool

    def open(self) -> RowMapper:
        if self.mapper is not None:
            return self.mapper
        try:
            self._workbook = load_workbook(
                self._source(), read_only=True, data_only=True, keep_links=False
            )
            sheet = self._workbook[self._sheet] if self._sheet else self._workbook.worksheets[0]
        except Exception as exc:  # zipfile.BadZipFile, KeyError, XML errors of a damaged file
            message = _("This is not a readable XLSX workbook: %(e)s") % {"e": exc}
            raise XlsxFormatError(message) from None
        self._rows = sheet.iter_rows(values_only=True)
        header = next(self._rows, ())
        self.headers = [cell_text(h).strip() for h in header]
        while self.headers and not self.headers[-1]:
            self.headers.pop()
        self.profile, self.confidence = profiles.detect_profile(self.headers)
        mapping = (
            self._mapping
            if self._mapping is not None
            else profiles.propose_mapping(self.headers, self.profile)
        )
        order = self._date_order or profiles.date_order(self.profile)
        self.mapper = RowMapper(
            self.headers, mapping, date_order=order, phone_region=self._phone_region
        )
        return self.mapper

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        self.open()
        assert self._rows is not None
        try:
            for line, values in enumerate(self._rows, start=2):
                cells = [cell_text(v) for v in values]
                if any(c.strip() for c in cells):
                    yield line, cells
        finally:
            self.close()

    def records(self) -> Iterator[SourceRecord]:
        mapper = self.open()
        for line, cells in self.rows():
            yield mapper.record(cells, line, raw=self.keep_raw)

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
        if self._spool is not None:
            self._spool.close()
            self._spool = None


def preview(
    stream: IO[bytes], mapping: Mapping[int, str] | None = None, n: int = 20, **options: Any
) -> dict[str, Any]:
    reader = XlsxReader(stream, mapping, **options)
    mapper = reader.open()
    try:
        result = _preview(reader.rows(), mapper, n)
    finally:
        reader.close()
    return result | {
        "headers": reader.headers,
        "profile": reader.profile,
        "confidence": reader.confidence,
    }


def _string_cell(sheet: Any, value: str) -> Any:
    """A typed string cell: never a formula, whatever it starts with."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


class XlsxWriter:
    """Push-style XLSX writer: ``write(contact)`` per contact, then ``close()`` saves the
    workbook to ``out`` (openpyxl's write-only mode keeps rows in a temporary file, not in
    memory)."""

    def __init__(
        self,
        out: IO[bytes],
        *,
        flavour: str = "rubrica",
        layout: Layout | None = None,
        title: str = "Contacts",
    ) -> None:
        self._out = out
        self.columns = columns_for(flavour, layout or Layout())
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(title=title[:31])
        self._sheet.freeze_panes = "A2"
        self._append([header for header, _getter, _phone in self.columns])
        self.count = 0

    def _append(self, cells: list[str]) -> None:
        self._sheet.append([_string_cell(self._sheet, cell) if cell else None for cell in cells])

    def write(self, contact: Mapping[str, Any]) -> None:
        self._append([getter(contact) for _header, getter, _phone in self.columns])
        self.count += 1

    def close(self) -> None:
        self._workbook.save(self._out)


def write_xlsx(
    contacts: Iterable[Mapping[str, Any]],
    out: IO[bytes],
    *,
    flavour: str = "rubrica",
    layout: Layout | None = None,
    title: str = "Contacts",
) -> int:
    """Write ``contacts`` as one sheet of text cells (header frozen). Returns the count."""
    writer = XlsxWriter(out, flavour=flavour, layout=layout, title=title)
    for contact in contacts:
        writer.write(contact)
    writer.close()
    return writer.count
