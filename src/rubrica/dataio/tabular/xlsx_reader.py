"""The XLSX reader under the name the import jobs use (the code lives in ``tabular.xlsx``)."""

from rubrica.dataio.tabular.xlsx import XlsxFormatError, XlsxReader, cell_text, preview

__all__ = ["XlsxFormatError", "XlsxReader", "cell_text", "preview"]
