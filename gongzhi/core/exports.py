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

Every export carries who made it, when and why (:class:`Watermark`, built by the
face with ``Watermark.of(actor, why)``): a workbook in its properties (author,
description, custom properties) and in the printed header and footer of each
sheet, a CSV file in its last line, a PDF (:mod:`gongzhi.core.documents`) in its
metadata and on the footer of each page. Each file made with a watermark is
handed to the export log handlers (:func:`register_log`; ``audit`` registers the
one that writes the ``export.file`` audit event a data-protection officer reads).
Every call passes ``watermark=`` (``None`` only for a blank template holding no
data); ``core/tests/test_exports.py`` checks each call site.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

# What a spreadsheet program may read as the start of a formula (OWASP's list), and the full-width
# forms a Chinese input method types for the same keys.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class Watermark:
    """Who made an export, when, and why (what it is for)."""

    who: str
    when: datetime
    why: str
    actor: object = field(default=None, compare=False, repr=False)  # for the export log; opaque here

    @classmethod
    def of(cls, actor, why) -> Watermark:
        name = str(actor) if actor is not None else ""
        username = getattr(actor, "username", "") or ""
        who = f"{name} ({username})" if username and username != name else name
        return cls(who=who or "?", when=timezone.now(), why=str(why), actor=actor)

    @property
    def stamp(self) -> str:
        return timezone.localtime(self.when).strftime("%Y-%m-%d %H:%M:%S")

    def line(self) -> str:
        return _("Exported by %(who)s at %(when)s for: %(why)s") % {"who": self.who, "when": self.stamp,
                                                                     "why": self.why}


_LOGS: list[Callable] = []


def register_log(handler: Callable) -> None:
    """``handler(watermark, *, fmt, title, rows)`` is called for every file made with a watermark."""
    if handler not in _LOGS:
        _LOGS.append(handler)


def logged(watermark: Watermark | None, *, fmt: str, title, rows: int) -> None:
    """Hand a file just made to the export log (nothing for a blank template)."""
    if watermark is None:
        return
    for handler in _LOGS:
        handler(watermark, fmt=fmt, title=str(title), rows=rows)


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
        self.rows = 0

    def append(self, values: Iterable = ()) -> None:
        """One row; plain values, or :class:`Cell` for a styled one."""
        self.rows += 1
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

    def __init__(self, *, watermark: Watermark | None):
        self._book = _OpenpyxlWorkbook(write_only=True)
        self._watermark = watermark
        self._sheets: list[Sheet] = []

    def sheet(self, title) -> Sheet:
        sheet = Sheet(self._book.create_sheet(sheet_title(title)))
        if self._watermark is not None:  # printed on every page of the sheet
            line = self._watermark.line()[:200]
            sheet._sheet.oddHeader.right.text = line.replace("&", "&&")
            sheet._sheet.oddFooter.center.text = line.replace("&", "&&")
        self._sheets.append(sheet)
        return sheet

    def save(self) -> bytes:
        mark = self._watermark
        if mark is not None:
            props = self._book.properties
            props.creator = props.lastModifiedBy = mark.who[:255]
            props.description = mark.line()
            props.subject = mark.why[:255]
            for name, value in (("exported_by", mark.who), ("exported_at", mark.stamp), ("export_purpose", mark.why)):
                self._book.custom_doc_props.append(StringProperty(name=name, value=value[:255] or "-"))
        buffer = io.BytesIO()
        self._book.save(buffer)
        title = self._sheets[0]._sheet.title if self._sheets else ""
        logged(mark, fmt="xlsx", title=title, rows=sum(sheet.rows for sheet in self._sheets))
        return buffer.getvalue()


def xlsx(title, headers: Iterable, rows: Iterable[Iterable], *, watermark: Watermark | None) -> bytes:
    """A single-sheet workbook: a bold header row, then ``rows``."""
    book = Workbook(watermark=watermark)
    sheet = book.sheet(title)
    sheet.append(Cell(header, bold=True) for header in headers)
    for row in rows:
        sheet.append(row)
    return book.save()


def csv_bytes(rows: Iterable[Iterable], *, watermark: Watermark | None, title="") -> bytes:
    """Rows as CSV in UTF-8 with a byte-order mark (so that Excel reads the Chinese text); the watermark is the
    last line, after an empty one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
        count += 1
    if watermark is not None:
        writer.writerow([])
        writer.writerow([neutralise(watermark.line())])
    logged(watermark, fmt="csv", title=title, rows=count)
    return buffer.getvalue().encode("utf-8-sig")


def attachment(content: bytes, filename: str, *, private: bool = True) -> HttpResponse:
    """``content`` as a download named ``filename`` (its extension gives the type); not cached when private."""
    content_type = CSV_TYPE if filename.endswith(".csv") else XLSX_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        response["Cache-Control"] = "no-store"
    return response
