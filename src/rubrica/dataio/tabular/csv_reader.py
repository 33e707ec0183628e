"""Streaming CSV reading: encoding and delimiter sniffing, header recognition, records.

The file is read from a binary stream through ``io.TextIOWrapper`` and ``csv.reader``: memory
stays bounded by one row (a cell is capped by ``csv.field_size_limit``, so an unclosed quote
cannot swallow the whole file), whatever the size of the file.

Encoding, in order: the one the person chose; a BOM (UTF-8, UTF-16); strict UTF-8 on a sample;
cp1252 (the ANSI code page Outlook writes in Western Europe and the Americas) when the sample
reads as Latin text in it; else charset-normalizer's guess when it reads as another script
(Cyrillic cp1251, Greek, ...); else cp1252. Central European files (cp1250) need the encoding
chosen by the person: on a short sample they cannot be told from cp1252. A file that looked
like UTF-8 in its sample but has a stray Windows byte later is decoded with that byte read as
cp1252 rather than failing half-way.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from rubrica.dataio.records import SourceRecord
from rubrica.dataio.tabular import profiles
from rubrica.dataio.tabular.core import RowMapper

SAMPLE_SIZE = 64 * 1024
DELIMITERS = ",;\t|"
MAX_CELL = 1_000_000  # characters; notes are at most 100,000
FALLBACK_ERRORS = "rubrica-cp1252"
_END = "\x00rubrica: end of file\x00"  # never a cell of a file: NUL is refused in every field


class CsvFormatError(ValueError):
    """The file cannot be read as CSV (a broken quote, an undecodable byte...): the message
    names the line."""


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return bytes(chunk).decode("cp1252", errors="replace"), error.end


codecs.register_error(FALLBACK_ERRORS, _cp1252_fallback)


class _Replay(io.RawIOBase):
    """A raw stream giving ``head`` first, then the rest of ``stream`` (for streams that
    cannot seek back after sniffing)."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _peek(stream: IO[bytes], size: int = SAMPLE_SIZE) -> tuple[bytes, IO[bytes]]:
    """The first ``size`` bytes, and a stream that still starts at the beginning."""
    if stream.seekable():
        start = stream.tell()
        head = stream.read(size)
        stream.seek(start)
        return head, stream
    head = stream.read(size)
    return head, io.BufferedReader(_Replay(head, stream))


@dataclass(frozen=True)
class Encoding:
    name: str
    errors: str = "strict"


def sniff_encoding(sample: bytes, chosen: str | None = None) -> Encoding:
    """See the module docstring for the order of the checks."""
    if chosen:
        try:
            codec = codecs.lookup(chosen).name
        except LookupError:
            raise CsvFormatError(
                _("%(encoding)s is not a known encoding.") % {"encoding": chosen}
            ) from None
        if codec == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            return Encoding("utf-8-sig")
        return Encoding(codec, "replace" if codec != "utf-8" else "strict")
    if sample.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8-sig", FALLBACK_ERRORS)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Encoding("utf-16")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return Encoding("utf-8", FALLBACK_ERRORS)
    if _reads_as_western(sample.decode("cp1252", errors="replace")):
        return Encoding("cp1252", "replace")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample[:SAMPLE_SIZE]).best()
    except Exception:  # a detector failure must not stop an import
        best = None
    if best is not None and not _reads_as_western(str(best)):
        return Encoding(best.encoding, "replace")
    return Encoding("cp1252", "replace")


#: Characters no text has (controls, unreadable bytes) that make a sample binary: more than
#: this many and more than 1% of it.
BINARY_MIN_BAD = 8
#: Control characters a text file may hold (tab, line ends, form feed, vertical tab).
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")


def _refuse_binary(sample: bytes, text: str, encoding: str) -> None:
    """Refuse a file that is not text in ``encoding``: its sample (``text``, decoded) holds a
    control character no text file has (NUL, the C0 and C1 controls but white space) or a byte
    the encoding cannot read, more than ``BINARY_MIN_BAD`` of them and more than 1% of it. The
    message names the first such byte and its position."""
    bad = [
        index
        for index, char in enumerate(text)
        if char == "\ufffd" or (unicodedata.category(char) == "Cc" and char not in _TEXT_CONTROLS)
    ]
    if len(bad) <= max(BINARY_MIN_BAD, len(text) // 100):
        return  # a stray NUL or bad byte in a cell: that row is reported, not the file refused
    index = bad[0]
    offset = len(sample) - len(sample.lstrip(codecs.BOM_UTF8)) if encoding != "utf-16" else 0
    try:
        offset += len(text[:index].encode(encoding))
    except (UnicodeEncodeError, LookupError):
        offset += index
    byte = sample[offset] if offset < len(sample) else 0
    raise CsvFormatError(
        _(
            "This is not a text file in %(encoding)s: byte 0x%(byte)02x at position %(position)d "
            "is no character of a CSV file. Choose the file's encoding, or export it again as "
            "CSV."
        )
        % {"encoding": encoding, "byte": byte, "position": offset}
    )


def _reads_as_western(text: str) -> bool:
    """True when the letters beyond ASCII are few and Latin: names with accents in Western
    text (``Müller``), not a Cyrillic or Greek text that cp1252 would turn into runs of
    ``Ïðèâåò``. Detectors confuse the Latin code pages with one another on short samples
    (cp1250 for a French cp1252 file), so every Latin reading counts as cp1252."""
    letters = [ch for ch in text if ch.isalpha()]
    high = [ch for ch in letters if ord(ch) > 127]
    if not high:
        return True
    if not all(unicodedata.name(ch, "").startswith("LATIN") for ch in high):
        return False
    return len(high) <= 0.5 * len(letters)


def _first_line(text: str) -> str:
    """The first record's text up to its line end, outside quotes."""
    quoted = False
    for index, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch in "\r\n" and not quoted:
            return text[:index]
    return text


def _count_outside_quotes(line: str, ch: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            count += 1
    return count


def sniff_delimiter(text: str) -> str:
    """``csv.Sniffer`` on the sample, checked against the header line: the header must
    contain the delimiter (Sniffer sometimes picks a character common in the data, such as
    the comma of a name). Falls back to the delimiter most frequent in the header, then ``,``."""
    header = _first_line(text)
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff(text[:16384], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and counts.get(sniffed, 0) > 0 and counts[sniffed] >= max(counts.values()) / 2:
        return sniffed
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


@dataclass
class Dialect:
    encoding: Encoding
    delimiter: str


class CsvReader:
    """Records from a CSV file (binary stream), streaming.

    ``mapping`` ``{column index: target}`` defaults to :func:`profiles.propose_mapping` of the
    header; ``encoding`` and ``delimiter`` default to sniffing; ``date_order`` to the profile's.
    The header is the first row; ``headers``, ``profile`` and ``confidence`` are known after
    :meth:`open` (called by :meth:`records`)."""

    def __init__(
        self,
        stream: IO[bytes],
        mapping: Mapping[int, str] | None = None,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        date_order: str | None = None,
        phone_region: str | None = None,
        keep_raw: bool = True,
    ) -> None:
        self._stream = stream
        self._mapping = mapping
        self._encoding = encoding
        self._delimiter = delimiter
        self._date_order = date_order
        self._phone_region = phone_region
        self.keep_raw = keep_raw
        self.headers: list[str] = []
        self.profile = ""
        self.confidence = 0.0
        self.dialect: Dialect | None = None
        self.mapper: RowMapper | None = None
        self._rows: Iterator[list[str]] | None = None
        self._reader: Any = None

    def open(self) -> RowMapper:
        """Sniff, read the header and compile the mapping (idempotent)."""
        if self.mapper is not None:
            return self.mapper
        sample, stream = _peek(self._stream)
        encoding = sniff_encoding(sample, self._encoding)
        sample_text = sample.decode(
            encoding.name if encoding.name != "utf-16" else "utf-16",
            errors="replace" if encoding.errors == "strict" else encoding.errors,
        )
        if sample_text.startswith("\ufeff"):
            sample_text = sample_text[1:]
        _refuse_binary(sample, sample_text, encoding.name)
        delimiter = self._delimiter or sniff_delimiter(sample_text)
        self.dialect = Dialect(encoding, delimiter)
        strict = encoding.errors == "strict"
        text: Iterator[str] = io.TextIOWrapper(
            stream,
            encoding=encoding.name,
            errors="surrogateescape" if strict else encoding.errors,
            newline="",
        )
        if strict:
            text = _decoded(text, encoding.name)
        csv.field_size_limit(MAX_CELL)
        # A last line after the file's own: a quote left open swallows it into its cell
        # (csv.reader ends such a cell at the end of the input without a word).
        lines = itertools.chain(text, [_END])
        self._reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True)
        self._rows = iter(self._reader)
        try:
            header: list[str] = next(self._rows, [])
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvFormatError(
                _("line %(line)d: %(problem)s") % {"line": 1, "problem": _problem(exc)}
            ) from None
        if header and header[-1].endswith(_END):
            if header != [_END]:
                raise CsvFormatError(
                    _("line %(line)d: a quoted cell is never closed (a quote is missing).")
                    % {"line": 1}
                )
            header = []  # an empty file
        self.headers = [h.replace("\ufeff", "").strip() for h in header]
        self.profile, self.confidence = profiles.detect_profile(self.headers)
        mapping = (
            self._mapping
            if self._mapping is not None
            else profiles.propose_mapping(self.headers, self.profile)
        )
        order = self._date_order or profiles.date_order(self.profile, delimiter)
        self.mapper = RowMapper(
            self.headers, mapping, date_order=order, phone_region=self._phone_region
        )
        return self.mapper

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(first line number, cells) of each data row; blank rows are skipped."""
        self.open()
        assert self._rows is not None
        reader = self._reader
        line = reader.line_num + 1
        while True:
            try:
                cells = next(self._rows)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise CsvFormatError(
                    _("line %(line)d: %(problem)s") % {"line": line, "problem": _problem(exc)}
                ) from None
            start, line = line, reader.line_num + 1
            if cells and cells[-1].endswith(_END):
                if len(cells) == 1 and cells[0] == _END:
                    return
                raise CsvFormatError(
                    _("line %(line)d: a quoted cell is never closed (a quote is missing).")
                    % {"line": start}
                )
            if cells and (len(cells) > 1 or cells[0].strip()):
                yield start, cells

    def records(self) -> Iterator[SourceRecord]:
        mapper = self.open()
        record = mapper.record
        raw = self.keep_raw
        for line, cells in self.rows():
            yield record(cells, line, raw=raw)


def preview(
    stream: IO[bytes],
    mapping: Mapping[int, str] | None = None,
    n: int = 20,
    **options: Any,
) -> dict[str, Any]:
    """What the first ``n`` rows become, for the mapping screen (JSON-serialisable):
    ``headers``, ``profile``, ``confidence``, ``encoding``, ``delimiter``, ``mapping`` (every
    column's target) and ``rows``: ``{"line", "cells": [{"column", "header", "value", "target",
    "problem"}], "data", "organization", "errors"}`` (``problem`` None when the cell is fine)."""
    reader = CsvReader(stream, mapping, **options)
    mapper = reader.open()
    assert reader.dialect is not None
    return _preview(reader.rows(), mapper, n) | {
        "headers": reader.headers,
        "profile": reader.profile,
        "confidence": reader.confidence,
        "encoding": reader.dialect.encoding.name,
        "delimiter": reader.dialect.delimiter,
    }


def _preview(rows: Iterator[tuple[int, list[str]]], mapper: RowMapper, n: int) -> dict[str, Any]:
    targets = mapper.cell_targets()
    out_rows: list[dict[str, Any]] = []
    for line, cells in rows:
        if len(out_rows) >= n:
            break
        record, problems = mapper.record_and_problems(cells, line)
        by_column: dict[int, str] = {}
        for column, message in problems:
            by_column.setdefault(column, message)
        out_rows.append(
            {
                "line": line,
                "cells": [
                    {
                        "column": index,
                        "header": mapper.column_name(index),
                        "value": cell,
                        "target": targets.get(index, "ignore"),
                        "problem": by_column.get(index),
                    }
                    for index, cell in enumerate(cells)
                    if cell
                ],
                "data": record.data,
                "organization": record.organization,
                "errors": [*record.errors, *record.set_aside],
            }
        )
    return {
        "mapping": {i: targets.get(i, "ignore") for i in range(len(mapper.headers))},
        "rows": out_rows,
    }


def _problem(exc: csv.Error | UnicodeDecodeError) -> str:
    """What went wrong reading a row, in the person's language (Python's own messages are
    English and name its internals)."""
    if isinstance(exc, UnicodeDecodeError):
        return _stray_bytes(exc.encoding, exc.object[exc.start : exc.end])
    if "field larger than field limit" in str(exc):
        return _(
            "a cell is longer than %(limit)s characters (perhaps a quote that is never closed)."
        ) % {"limit": f"{MAX_CELL:,}"}
    return str(exc)


_ESCAPED = re.compile("[\udc80-\udcff]+")


def _decoded(lines: Iterator[str], encoding: str) -> Iterator[str]:
    """The lines of a file in an encoding that admits no stray byte (UTF-8 chosen by the
    person, UTF-16), read with ``surrogateescape``: the first line holding bytes that are not
    that encoding stops the import naming it and them. (Strict decoding stopped at the
    decoder's read-ahead, hundreds of lines before the culprit.)"""
    for number, line in enumerate(lines, 1):
        if not line.isascii() and _ESCAPED.search(line):
            stray = "".join(_ESCAPED.findall(line)).encode("utf-8", "surrogateescape")
            raise CsvFormatError(
                _("line %(line)d: %(problem)s")
                % {"line": number, "problem": _stray_bytes(encoding, stray)}
            )
        yield line


def _stray_bytes(encoding: str, stray: bytes) -> str:
    return _(
        "bytes that are not %(encoding)s text (%(bytes)s): choose the file's encoding "
        "(Outlook writes Windows-1252)."
    ) % {
        "encoding": encoding.upper().replace("_", "-"),
        "bytes": " ".join(f"0x{b:02x}" for b in stray[:4]),
    }
