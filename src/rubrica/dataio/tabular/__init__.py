"""Spreadsheet formats (CSV, XLSX) for import and export.

Readers: :class:`CsvReader`, :class:`XlsxReader` (both yield
:class:`rubrica.dataio.records.SourceRecord`), :func:`detect_profile`, :func:`propose_mapping`,
:func:`preview` / :func:`preview_xlsx`. The mapping vocabulary is documented in
:mod:`rubrica.dataio.tabular.targets`. Writers: :func:`write_csv`, :func:`write_xlsx` with a
:class:`Layout`.
"""

from rubrica.dataio.tabular.csv_reader import CsvFormatError, CsvReader, preview
from rubrica.dataio.tabular.profiles import PROFILES, detect_profile, propose_mapping
from rubrica.dataio.tabular.targets import is_target, parse_target
from rubrica.dataio.tabular.writers import Layout, default_layout, neutralise, write_csv
from rubrica.dataio.tabular.xlsx import XlsxFormatError, XlsxReader, write_xlsx
from rubrica.dataio.tabular.xlsx import preview as preview_xlsx

__all__ = [
    "PROFILES",
    "CsvFormatError",
    "CsvReader",
    "Layout",
    "XlsxFormatError",
    "XlsxReader",
    "default_layout",
    "detect_profile",
    "is_target",
    "neutralise",
    "parse_target",
    "preview",
    "preview_xlsx",
    "propose_mapping",
    "write_csv",
    "write_xlsx",
]
