"""The one reader of spreadsheets and CSV files: every import of every app reads through it.

Offices hand over what Excel and WPS save: XLSX workbooks with several sheets,
CSV files in UTF-8 (with or without a byte-order mark) or, from Excel on
Chinese Windows, in GBK/GB18030. What goes wrong with such files, and is
handled here once:

* **Encoding.** A CSV is read as UTF-8, else as GB18030 (a superset of GBK).
* **Headers.** Columns are found by their header as the office writes it
  (Chinese, or the English key, or an alias), in any order; unknown columns
  are ignored; the header as written is kept for messages.
* **Numbers that should be text.** Excel keeps 15 significant digits, so an ID
  number (18 digits) typed into a cell formatted as a number has already lost
  its last digits. A number in a column marked ``numeric_allowed=False``, and
  any number of 16 or more digits anywhere, is refused with a hint instead of
  being guessed at. Whole numbers read as ``123``, not ``123.0``.
* **Dates.** A date cell is a date; a date written as text is parsed
  (2025-09-15, 2025/9/15, 2025年9月15日, 2025.09.15, 20250915); a date that Excel
  shows as a plain number (a serial date, days since 1899-12-30) is converted.
  A date and time (:func:`cell_datetime`) is read in the same shapes with a time
  after it (2019/2/28 9:05:05, 2019年2月28日 11时25分, 2019.02.28 11:25, ISO 8601
  with or without an offset), a date alone as midnight, and a serial with a
  fraction of a day (43524.378) as that moment.
* **Problems.** Each is ``(row, column as written, message)``, the row being
  the spreadsheet's own (header = row 1). A wrong file may produce millions:
  :class:`Problems` lists the first ``limit`` and counts them all, so a report
  says "600 problems" while it lists 500.

The importers (regions, registry, cases) keep their own rules about what a
value means; this module only turns a file into rows of cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from .text import clean_text

# Excel keeps 15 significant digits; a number with more has lost some.
EXCEL_DIGITS = 15
# Day 0 of Excel's (1900) date system, with its leap-year bug folded in: serial 60 is the
# non-existent 1900-02-29, and serials from 61 on are right counted from here.
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serials that can only mean a date in the range an import deals with (1927-05-18 … 2173-10-14).
SERIAL_DATES = range(10_000, 100_000)
# How many problems a report lists; it counts them all.
LISTED = 500
csv.field_size_limit(64 * 1024 * 1024)  # a region's boundary in one cell runs to megabytes


class FormatError(Exception):
    """The file cannot be read as a table at all (wrong type, broken, empty, unknown encoding)."""


@dataclass(frozen=True)
class Column:
    """A column an importer knows: its key, the header offices write, and what else they write."""

    key: str
    header: str
    required: bool = False
    help: str = ""
    aliases: tuple[str, ...] = ()
    numeric_allowed: bool = True


def header_map(columns: Iterable[Column]) -> dict[str, str]:
    """{header text as accepted (stripped, lower case): column key}."""
    mapping = {}
    for column in columns:
        for text in (column.header, column.key, *column.aliases):
            mapping.setdefault(normal_header(text), column.key)
    return mapping


def normal_header(text) -> str:
    # Full-width brackets and spaces as WPS writes them: 联系电话（手机） is 联系电话(手机).
    return str(text or "").strip().replace("（", "(").replace("）", ")").replace("\u3000", " ").lower()


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file: where (sheet, row, column as written) and what."""

    row: int
    column: str
    message: str
    sheet: str = ""

    def __str__(self):
        if self.sheet and self.row:
            return _("Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s") % {
                "sheet": self.sheet, "row": self.row, "column": self.column or "—", "message": self.message}
        if self.sheet:
            return _("Sheet %(sheet)s: %(message)s") % {"sheet": self.sheet, "message": self.message}
        if self.row:
            return _("Row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row, "column": self.column or "—", "message": self.message}
        return str(self.message)


@dataclass
class Problems:
    """The problems of one file: the first ``limit`` listed, all of them counted."""

    limit: int = LISTED
    listed: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, row: int, column: str, message, sheet: str = "") -> None:
        self.total += 1
        if len(self.listed) < self.limit:
            self.listed.append(Problem(row, column, str(message), sheet))

    @property
    def truncated(self) -> bool:
        return self.total > len(self.listed)

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.listed)

    def __len__(self) -> int:
        return len(self.listed)


class ProblemReport:
    """What an import report with a ``problems`` field answers: ok, the problems listed, all counted."""

    problems: Problems

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def errors(self) -> list[Problem]:
        """The problems listed (the first ``problems.limit``); ``error_count`` counts them all."""
        return self.problems.listed

    @property
    def error_count(self) -> int:
        return self.problems.total

    @property
    def truncated(self) -> bool:
        return self.problems.truncated


@dataclass
class Table:
    """One sheet (or a CSV file): the columns found and the non-blank rows, numbered as in the file."""

    title: str
    headers: dict[str, str]  # {column key: header as written}
    rows: Iterator[tuple[int, dict[str, object]]] = field(repr=False)
    count: int = 0  # data rows as the file declares them (an upper bound: blank rows are skipped)
    raw_headers: list[str] = field(default_factory=list)

    def column(self, key: str) -> str:
        """The header of ``key`` as written in the file, for messages."""
        return self.headers.get(key, key)


# A long import reports its phases: ``progress(phase, total)`` returns ``tick(n)``, called as rows pass.
Progress = Callable[[str, int], Callable[[int], None]]


def no_progress(phase: str, total: int) -> Callable[[int], None]:
    return lambda n: None


# --- reading ----------------------------------------------------------------------------------

def decode(data: bytes | str) -> str:
    """The text of a CSV (or other text) file: UTF-8 with or without BOM, else GB18030."""
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FormatError(_("The CSV file is neither UTF-8 nor GB18030 encoded."))


def csv_lines(data: bytes | str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(decode(data), newline="")))
    except csv.Error as exc:
        raise FormatError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from None


def is_csv(filename: str) -> bool:
    return filename.lower().endswith(".csv")


def is_xlsx(filename: str) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm"))


def read(data: bytes, filename: str) -> list[tuple[str, list[object], Iterator[tuple[int, list]], int]]:
    """Every sheet of a workbook, or the one table of a CSV file, unmapped.

    Each as ``(title, header cells, iterator of (row number, cells), declared row count)``; a
    CSV file's title is "". Refuses other file types with :class:`FormatError`.
    """
    if is_csv(filename):
        lines = csv_lines(data)
        if not lines:
            raise FormatError(_("The file is empty."))
        return [("", list(lines[0]), enumerate(lines[1:], start=2), len(lines) - 1)]
    if is_xlsx(filename):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise FormatError(_("The file is not a readable XLSX workbook.")) from exc
        sheets = []
        for worksheet in workbook.worksheets:
            raw = worksheet.iter_rows(values_only=True)
            headers = list(next(raw, None) or [])
            sheets.append((worksheet.title, headers, enumerate(raw, start=2), max((worksheet.max_row or 1) - 1, 0)))
        return sheets
    raise FormatError(_("Only .xlsx and .csv files can be imported."))


def table(title: str, headers: list, numbered_rows, columns: Iterable[Column] | dict[str, str],
          count: int = 0) -> Table:
    """Map a sheet's columns to keys by their headers; blank rows are skipped, short rows padded.

    ``columns`` is the importer's columns, or a ready :func:`header_map`. The first column with
    a known header wins when a header appears twice.
    """
    mapping = columns if isinstance(columns, dict) else header_map(columns)
    positions, written = {}, {}
    for index, header in enumerate(headers):
        key = mapping.get(normal_header(header))
        if key and key not in positions:
            positions[key] = index
            written[key] = str(header).strip()
    keys, indexes = list(positions), list(positions.values())

    def rows():
        for number, values in numbered_rows:
            if all(value is None or (type(value) is str and not value.strip()) for value in values):
                continue
            yield number, {key: values[i] if i < len(values) else None for key, i in zip(keys, indexes, strict=True)}

    return Table(title=title, headers=written, rows=rows(), count=count,
                 raw_headers=[str(h or "").strip() for h in headers])


def recognised(headers: list, columns: Iterable[Column] | dict[str, str]) -> set[str]:
    """The column keys a header row names."""
    mapping = columns if isinstance(columns, dict) else header_map(columns)
    return {mapping[normal_header(h)] for h in headers if normal_header(h) in mapping}


# --- cells --------------------------------------------------------------------------------------

def cell_text(value, *, numeric_allowed: bool = True) -> str:
    """A cell as stripped text: whole numbers without ``.0``, dates as YYYY-MM-DD.

    Raises ValueError (with a message for the user) for a number in a column that must be text,
    for any number too long for Excel to have kept all its digits, and for text that breaks the
    input rule of :mod:`gongzhi.core.text` (NUL, control characters, bidi overrides, invisible only).
    """
    if type(value) is str:  # every CSV cell, most XLSX cells
        return clean_text(value).strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        if not numeric_allowed:
            raise ValueError(_("This cell holds a number, so Excel may have changed its last digits; "
                               "format the column as text and type it again."))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and len(str(abs(value))) > EXCEL_DIGITS:
            raise ValueError(_("This number has more than 15 digits, so Excel has changed its last digits; "
                               "format the column as text and type it again."))
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def cell_date(value) -> dt.date | None:
    """A date from a date cell, a date written as text, or an Excel serial date; None when blank.

    Raises ValueError with a message for the user when it is none of these.
    """
    if value is None or (type(value) is str and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial_date(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # a serial date saved into a CSV as its number
        return _serial_date(float(text))
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE_TEXT.match(text)
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass  # shaped like a date but none (2025-02-30): said as "not a date" below
    raise ValueError(_("“%(value)s” is not a date such as 2025-09-15.") % {"value": text[:40]})


def _serial_date(number: float) -> dt.date:
    if not float(number).is_integer() or int(number) not in SERIAL_DATES:
        raise ValueError(_("“%(value)s” is not a date such as 2025-09-15.") % {"value": number})
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


_TIME_TEXT = re.compile(
    r"^(?P<date>\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)"
    r"(?:(?:\s+|\s*T\s*|(?<=日)\s*)(?P<hour>\d{1,2})\s*[:：时点]\s*(?P<minute>\d{1,2})\s*分?"
    r"(?:\s*[:：]?\s*(?P<second>\d{1,2})(?:\.\d+)?\s*秒?)?)?$")
_SERIAL_TEXT = re.compile(r"^\d{5}(\.\d+)?$")


def cell_datetime(value) -> dt.datetime | None:
    """A naive date and time from a cell (see "Dates" above); None when blank.

    An offset written in the text (ISO 8601, ``+08:00``) is kept, so the result may be aware.
    Raises ValueError with a message for the user when the cell is no date and time.
    """
    if value is None or (type(value) is str and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial_moment(float(value))
    text = str(value).strip()
    if _SERIAL_TEXT.match(text):  # a serial date saved into a CSV as its number
        return _serial_moment(float(text))
    if re.fullmatch(r"\d{14}", text):  # 20190228090505
        text = f"{text[:4]}-{text[4:6]}-{text[6:8]} {text[8:10]}:{text[10:12]}:{text[12:]}"
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _TIME_TEXT.match(text)
    if match:
        try:
            day = cell_date(match["date"])
            if match["hour"] is None:
                return dt.datetime.combine(day, dt.time())
            return dt.datetime.combine(day, dt.time(int(match["hour"]), int(match["minute"]),
                                                    int(match["second"] or 0)))
        except ValueError:
            pass  # 2019-02-30, 25:00: said as "not a date and time" below
    raise ValueError(_("“%(value)s” is not a date and time such as 2025-09-15 10:23.") % {"value": text[:40]})


def _serial_moment(number: float) -> dt.datetime:
    # Not finite (a cell holding inf or nan): found by the fuzzing of core/tests/test_fuzz_parsers.py.
    if not math.isfinite(number) or number < 0 or int(number) not in SERIAL_DATES:
        raise ValueError(_("“%(value)s” is not a date and time such as 2025-09-15 10:23.") % {"value": number})
    day = EXCEL_EPOCH + dt.timedelta(days=int(number))
    seconds = round((number - int(number)) * 86_400)
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
