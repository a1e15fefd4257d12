"""Batch hand-off from the 12345 hotline: work orders from XLSX or CSV, all or nothing, idempotent.

The hotline's export has Chinese headers (工单编号, 来电时间, 诉求类别, 紧急程度,
标题, 诉求内容, 地址, 经度, 纬度, 坐标系, 来电人, 联系电话; 区划代码 where the
hotline knows the place but not the point). How an import runs:

1. Every row is read and checked: required cells, the category (by code, by
   the name of a leaf, or by its path 环境保护/噪声扰民), urgency, the call
   time, the coordinate system, the phone number, hotline ids repeated in the
   file. Rows whose hotline id was imported before are skipped: importing the
   same file twice creates nothing the second time.
2. The remaining rows go, one by one and inside one transaction, through the
   same intake service as every other channel
   (:func:`gongzhi.cases.services.hotline.register_hotline_case`, channel
   ``hotline_12345``), which also checks the place (grid, area) and keeps the
   caller's phone encrypted. Its errors are reported against the row and the
   column they concern.
3. If any row is wrong, the transaction is rolled back: nothing is imported,
   and the report lists every problem (spreadsheet row, header = row 1;
   column as written in the file; a message in the active language). A dry
   run does all of this and always rolls back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import record
from gongzhi.core import tabular
from gongzhi.core.maintenance import BULK_ROWS, refresh_statistics
from gongzhi.core.scoping import ensure_code_in_scope
from gongzhi.core.tabular import Column, FormatError, Progress, cell_text, no_progress
from gongzhi.regions.models import Region

from . import duplicates
from .models import Case, CaseEvent, Category, Urgency
from .services.hotline import register_hotline_case

MAX_ROWS = 200_000


COLUMNS = (
    Column("hotline_id", "工单编号", True, aliases=("工单号", "hotline_id")),
    Column("received_at", "来电时间", True, aliases=("受理时间", "received_at")),
    Column("category", "诉求类别", True, aliases=("问题分类", "category")),
    Column("urgency", "紧急程度", False, aliases=("urgency",)),
    Column("title", "标题", False, aliases=("title",)),
    Column("description", "诉求内容", True, aliases=("问题描述", "description")),
    Column("address", "地址", False, aliases=("事发地址", "address")),
    Column("lon", "经度", False, aliases=("lon", "longitude")),
    Column("lat", "纬度", False, aliases=("lat", "latitude")),
    Column("crs", "坐标系", False, aliases=("crs",)),
    Column("region", "区划代码", False, aliases=("region",)),
    Column("caller_name", "来电人", False, aliases=("来电人姓名", "caller_name")),
    Column("caller_phone", "联系电话", False, aliases=("来电号码", "caller_phone")),
)
HEADERS = tabular.header_map(COLUMNS)
HEADER_OF = {c.key: c.header for c in COLUMNS}

URGENCY_LABELS = {"": Urgency.NORMAL, "一般": Urgency.NORMAL, "普通": Urgency.NORMAL, "normal": Urgency.NORMAL,
                  "紧急": Urgency.URGENT, "加急": Urgency.URGENT, "特急": Urgency.URGENT, "urgent": Urgency.URGENT}
CRS_LABELS = {"": "wgs84", "wgs84": "wgs84", "wgs-84": "wgs84", "gps": "wgs84", "cgcs2000": "cgcs2000",
              "国家2000": "cgcs2000", "gcj02": "gcj02", "gcj-02": "gcj02", "火星坐标": "gcj02", "高德": "gcj02",
              "腾讯": "gcj02", "bd09": "bd09", "bd-09": "bd09", "百度": "bd09"}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y%m%d%H%M%S")
# Fields of the intake service's errors → the column they concern.
COLUMN_OF_FIELD = {"title": "title", "description": "description", "address": "address", "lon": "lon",
                   "lat": "lat", "crs": "crs", "location": "lon", "region": "region", "category": "category",
                   "urgency": "urgency", "hotline_id": "hotline_id", "contact_name": "caller_name",
                   "contact_phone": "caller_phone", "channel": "hotline_id"}


RowError = tabular.Problem


@dataclass
class ImportReport(tabular.ProblemReport):
    filename: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    skipped: int = 0  # imported before (same hotline id)
    problems: tabular.Problems = field(default_factory=tabular.Problems)
    case_ids: list[int] = field(default_factory=list)
    # Not errors: rows imported all the same, for a person to look at (exact repeats of a caller).
    warnings: tabular.Problems = field(default_factory=tabular.Problems)


@dataclass
class HotlineRow:
    row: int
    hotline_id: str
    received_at: dt.datetime
    category: Category
    urgency: str
    title: str
    description: str
    address: str
    lon: float | None
    lat: float | None
    crs: str
    region: str
    caller_name: str
    caller_phone: str


# --- reading ------------------------------------------------------------------------

def read_rows(data: bytes, filename: str) -> tuple[dict[str, str], list[tuple[int, dict]]]:
    """({column key: header as written}, [(row number, {column key: cell})]); header = row 1.

    A workbook's first sheet with a column of a hotline export is read; a CSV file is that sheet.
    """
    for title, headers, rows, count in tabular.read(data, filename):
        if tabular.recognised(headers, HEADERS):
            found = tabular.table(title, headers, rows, HEADERS, count)
            return found.headers, list(found.rows)
    if tabular.is_csv(filename):
        return {}, []  # no known column: reported as the required columns missing
    raise FormatError(_("No sheet of the workbook has the columns of a hotline export (工单编号, …)."))


# --- checking -----------------------------------------------------------------------

class _Categories:
    """Categories by code, by leaf name, and by path (环境保护/噪声扰民)."""

    def __init__(self):
        categories = list(Category.objects.filter(is_active=True).select_related("parent"))
        parents = {c.parent_id for c in categories if c.parent_id}
        self.by_code = {c.code: c for c in categories}
        self.by_name: dict[str, list[Category]] = {}
        self.by_path = {}
        for c in categories:
            self.by_name.setdefault(c.name, []).append(c)
            self.by_path[c.path_name.replace(" ", "")] = c
        self.leaves = {c.pk for c in categories if c.pk not in parents}

    def find(self, text: str) -> Category:
        path = text.replace(" ", "").replace("／", "/").replace("-", "/").replace(">", "/")
        found = self.by_code.get(text) or self.by_path.get(path)
        if found is None:
            named = self.by_name.get(text, [])
            if len(named) > 1:
                raise ValueError(_("“%(name)s” names several categories; write its code or path.") % {"name": text})
            found = named[0] if named else None
        if found is None:
            raise ValueError(_("There is no category “%(name)s” (give its code, name or path).") % {"name": text})
        if found.pk not in self.leaves:
            raise ValueError(_("“%(name)s” is a group; name one of its categories.") % {"name": found.name})
        return found


def _time(value, now) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = cell_text(value)
        moment = None
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for pattern in TIME_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise ValueError(_("“%(value)s” is not a date and time such as 2025-09-15 10:23.") % {"value": text})
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    if moment > now + dt.timedelta(minutes=5):
        raise ValueError(_("The call time lies in the future."))
    if moment.year < 2000:
        raise ValueError(_("The call time is before 2000."))
    return moment


def _number(value, label) -> float | None:
    text = cell_text(value)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(_("%(label)s must be a number, not “%(value)s”.") % {"label": label, "value": text}) from None


def _check_row(number: int, cells: dict, categories: _Categories, now, add_error) -> HotlineRow | None:
    values, ok = {}, True

    def fail(key, message):
        nonlocal ok
        ok = False
        add_error(number, key, message)

    text = {}
    for key in HEADER_OF:
        try:
            text[key] = cell_text(cells.get(key))
        except ValueError as exc:  # a number Excel has cut short
            fail(key, exc)
            text[key] = None
    for column in COLUMNS:
        if column.required and text[column.key] == "":
            fail(column.key, _("This cell is required."))
    text = {key: value or "" for key, value in text.items()}
    if text["hotline_id"] and len(text["hotline_id"]) > 64:
        fail("hotline_id", _("The hotline id is too long."))
    if text["received_at"]:
        try:
            values["received_at"] = _time(cells["received_at"], now)
        except ValueError as exc:
            fail("received_at", exc)
    if text["category"]:
        try:
            values["category"] = categories.find(text["category"])
        except ValueError as exc:
            fail("category", exc)
    urgency = URGENCY_LABELS.get(text["urgency"].lower())
    if urgency is None:
        fail("urgency", _("“%(value)s” is not an urgency; write 紧急 or 一般.") % {"value": text["urgency"]})
    crs = CRS_LABELS.get(text["crs"].lower())
    if crs is None:
        fail("crs", _("“%(value)s” is not a coordinate system; write WGS84, GCJ02 (高德/腾讯), BD09 (百度) or "
                      "CGCS2000.") % {"value": text["crs"]})
    for key, label in (("lon", HEADER_OF["lon"]), ("lat", HEADER_OF["lat"])):
        try:
            values[key] = _number(cells.get(key), label)
        except ValueError as exc:
            fail(key, exc)
    if not ok:
        return None
    description = text["description"]
    title = text["title"] or (description.splitlines()[0][:30] if description else "")
    return HotlineRow(
        row=number, hotline_id=text["hotline_id"], received_at=values["received_at"], category=values["category"],
        urgency=urgency, title=title, description=description, address=text["address"], lon=values["lon"],
        lat=values["lat"], crs=crs, region=text["region"], caller_name=text["caller_name"],
        caller_phone=text["caller_phone"])


# --- the import ---------------------------------------------------------------------

def _warn_repeats(rows: list[HotlineRow], report: ImportReport, headers: dict[str, str]) -> None:
    """Warn of rows that repeat, word for word, an earlier report from the same phone (a stored case
    or an earlier row): imported all the same, for the dispatcher to merge (gongzhi.cases.duplicates)."""
    column = headers.get("description", HEADER_OF["description"])
    found = duplicates.exact_repeats([(row.description, row.caller_phone) for row in rows])
    for row, repeat in zip(rows, found, strict=True):
        if repeat is None:
            continue
        if repeat.case_id is not None:
            message = _("The same text from the same caller as case #%(id)s: probably a repeat; merge it if so.") % {
                "id": repeat.case_id}
        else:
            message = _("The same text from the same caller as row %(row)d: probably a repeat; merge it if so.") % {
                "row": rows[repeat.item].row}
        report.warnings.add(row.row, column, message)


def import_cases(*, actor, data: bytes, filename: str, dry_run: bool = False, default_region: str = "",
                 progress: Progress = no_progress, now: dt.datetime | None = None) -> ImportReport:
    """Import a hotline export; see the module docstring. Nothing is written unless every row is right."""
    require(actor, "cases.intake")
    now = now or timezone.now()
    report = ImportReport(filename=filename, dry_run=dry_run)

    def add_error(row: int, key: str, message) -> None:
        report.problems.add(row, headers.get(key, HEADER_OF.get(key, key)), message)

    headers: dict[str, str] = {}
    try:
        headers, rows = read_rows(data, filename)
    except FormatError as exc:
        report.problems.add(0, "", str(exc))
        return report
    missing = [c.header for c in COLUMNS if c.required and c.key not in headers]
    if missing:
        report.problems.add(1, "", _("The file has no column %(columns)s.") % {
            "columns": "、".join(missing)})
        return report
    if len(rows) > MAX_ROWS:
        report.problems.add(0, "", _("At most %(n)d rows can be imported at once.") % {"n": MAX_ROWS})
        return report
    report.rows = len(rows)

    fallback = None
    if default_region:
        fallback = Region.objects.filter(code=default_region.strip()).first()
        if fallback is None:
            report.problems.add(0, "", _("There is no region with code “%(code)s”.")
                                          % {"code": default_region})
            return report
        ensure_code_in_scope(fallback.code, actor)

    # 1. Check every row.
    categories, checked, first_row = _Categories(), [], {}
    tick = progress(_("checking"), len(rows))
    for number, cells in rows:
        parsed = _check_row(number, cells, categories, now, add_error)
        tick(1)
        if parsed is None:
            continue
        if parsed.hotline_id in first_row:
            add_error(number, "hotline_id", _("Hotline id %(id)s appears twice in the file (rows %(first)d and "
                                              "%(row)d).") % {"id": parsed.hotline_id,
                                                              "first": first_row[parsed.hotline_id], "row": number})
            continue
        first_row[parsed.hotline_id] = number
        checked.append(parsed)
    known = set()
    ids = [r.hotline_id for r in checked]
    for start in range(0, len(ids), 900):
        known.update(Case.objects.filter(hotline_id__in=ids[start:start + 900]).values_list("hotline_id", flat=True))
    fresh = [r for r in checked if r.hotline_id not in known]
    report.skipped = len(checked) - len(fresh)
    if report.errors:
        return report
    _warn_repeats(fresh, report, headers)

    # 2. Intake, all in one transaction.
    tick = progress(_("importing"), len(fresh))
    with transaction.atomic():
        for row in fresh:
            try:
                case = register_hotline_case(
                    actor=actor, hotline_id=row.hotline_id, category=row.category, title=row.title,
                    description=row.description, urgency=row.urgency, lon=row.lon, lat=row.lat, crs=row.crs,
                    region=row.region or fallback, address=row.address, caller_name=row.caller_name,
                    caller_phone=row.caller_phone, received_at=row.received_at)
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    for message in messages:
                        add_error(row.row, COLUMN_OF_FIELD.get(field_name, field_name), message)
            except PermissionDenied as exc:
                add_error(row.row, "region" if row.lon is None else "lon", exc)
            else:
                report.case_ids.append(case.pk)
            tick(1)
        report.created = len(report.case_ids)
        if not report.errors:
            record(actor=actor, action="cases.import", object_type="cases.case", object_repr=filename[:200],
                   changes={"file": filename, "sha256": hashlib.sha256(data).hexdigest(), "rows": report.rows,
                            "created": report.created, "skipped": report.skipped,
                            "repeats": report.warnings.total})
        if report.errors or dry_run:
            transaction.set_rollback(True)
    if report.errors:
        report.created = 0
    if report.errors or dry_run:
        report.case_ids = []  # rolled back: these ids name nothing
    elif report.created >= BULK_ROWS:
        refresh_statistics([Case, CaseEvent, AuditEvent])
    return report
