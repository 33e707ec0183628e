"""The import jobs' side of the CSV, XLSX and JSON readers (``dataio.tabular``,
``dataio.jsonio``): open a stored file with the options a person chose, and describe it for the
mapping screen. Kept apart so the job code does not depend on each reader's constructor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from rubrica.dataio.records import SourceRecord


def _mapping(params: dict[str, Any]) -> dict[int, str] | None:
    mapping = params.get("mapping")
    if not mapping:
        return None
    try:
        return {int(column): str(target) for column, target in mapping.items()}
    except (TypeError, ValueError):
        raise ValidationError(
            {"mapping": 'The mapping must name columns by number: {"0": "given_name"}.'}
        ) from None


class _Guarded:
    """Turns a format error raised half-way through a file (a broken quote on line 9,000) into
    a ValidationError naming the line, so the job reports it instead of crashing."""

    def __init__(self, reader: Any, handle: Any) -> None:
        self.reader = reader
        self.handle = handle

    def records(self) -> Iterator[SourceRecord]:
        try:
            yield from self.reader.records()
        except ValidationError:
            raise
        except (ValueError, LookupError, OSError) as exc:
            raise ValidationError(str(exc)) from None
        finally:
            if self.handle is not None:
                self.handle.close()


def reader(path: Path, fmt: str, params: dict[str, Any]) -> Any:
    mapping = _mapping(params)
    encoding = params.get("encoding") or None
    if fmt == "csv":
        from rubrica.dataio.tabular.csv_reader import CsvReader

        handle = open(path, "rb")  # noqa: SIM115 - closed by _Guarded when the stream ends
        return _Guarded(
            CsvReader(
                handle,
                mapping,
                encoding=encoding,
                date_order=params.get("date_order") or None,
                keep_raw=False,
            ),
            handle,
        )
    if fmt == "xlsx":
        from rubrica.dataio.tabular import xlsx_reader

        handle = open(path, "rb")  # noqa: SIM115
        return _Guarded(
            xlsx_reader.XlsxReader(handle, mapping, sheet=params.get("sheet") or None),
            handle,
        )
    if fmt == "json":
        from rubrica.dataio import jsonio

        handle = open(path, "rb")  # noqa: SIM115
        return _Guarded(jsonio.JsonReader(handle), handle)
    raise ValidationError({"format": f"Unknown format {fmt}."})


def describe(path: Path, fmt: str, params: dict[str, Any], n: int = 20) -> dict[str, Any]:
    """For the mapping screen: headers, the proposed (or chosen) mapping and the first rows with
    each cell's target and problem (see ``tabular.csv_reader.preview``)."""
    mapping = _mapping(params)
    with open(path, "rb") as handle:
        try:
            if fmt == "csv":
                from rubrica.dataio.tabular import csv_reader

                return dict(
                    csv_reader.preview(handle, mapping, n, encoding=params.get("encoding") or None)
                )
            if fmt == "xlsx":
                from rubrica.dataio.tabular import xlsx_reader

                return dict(
                    xlsx_reader.preview(handle, mapping, n, sheet=params.get("sheet") or None)
                )
        except ValidationError:
            raise
        except (ValueError, LookupError, OSError) as exc:
            raise ValidationError({"file": str(exc)}) from None
    return {}
