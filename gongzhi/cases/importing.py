"""Batch hand-off from the 12345 hotline: work orders from XLSX or CSV, checked whole, written in short batches.

The hotline's export has Chinese headers (工单编号, 来电时间, 诉求类别, 紧急程度,
标题, 诉求内容, 地址, 经度, 纬度, 坐标系, 来电人, 联系电话; 区划代码 where the
hotline knows the place but not the point). How an import runs:

1. **Check, writing nothing.** Every row is read and checked: required cells,
   the category (by code, by the name of a leaf, by its path 环境保护/噪声扰民, or
   by the name of a group alone, 城乡建设, which goes to the group's catch-all
   leaf 其他), urgency, the call time (the shapes :func:`core.tabular.cell_datetime`
   reads), the coordinate system, hotline ids repeated in the file, and then
   every check of intake (:func:`gongzhi.cases.services.hotline.check_hotline_case`:
   texts, place, grid, area, phone). A row whose 工单编号 was imported before is
   compared with its case: unchanged, it is counted and left alone (importing the
   same file twice changes nothing); changed, it is applied as an update with
   the differences in the audit trail, or, when the case has moved on too far
   for that (:func:`~gongzhi.cases.services.hotline.update_conflict`), reported
   as a conflict. Never skipped in silence.
2. **Any problem refuses the whole file**, before anything is written: the
   report counts every problem and lists the first 500 (spreadsheet row,
   header = row 1; the column as written in the file; a message in the active
   language). A dry run stops here too.
3. **Write in short batches.** New cases go through the intake path in batches
   of :data:`BATCH` rows (:func:`~gongzhi.cases.services.hotline.register_hotline_cases`:
   the cases, their intake events, contacts and audit events, one multi-row
   INSERT per table), each batch its own short transaction, so that sign-ins
   and other writers wait for one batch at most, never for the whole file (on
   SQLite, whose write lock is the whole database, the import also pauses
   briefly between batches so that a waiting writer gets its turn).

All or nothing, and why not one transaction: since every row has passed every
check before the first write, a batch fails only for what changed meanwhile
(someone entered the same 工单编号 by hand) or a crash. The import is then
**resumable, keyed by the 工单编号**: the report says how many rows were
written and asks for the same file again; importing it again recognises the
rows written (unchanged) and writes the rest, so the file ends up imported
whole. Deleting what was written instead is not possible: case events and
audit events are append-only by design.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
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

from . import duplicates, taxonomy
from .machine import may_intake
from .models import Case, CaseContact, CaseEvent, Category, Urgency
from .services.hotline import (
    CheckedOrder,
    check_hotline_case,
    hotline_changes,
    register_hotline_cases,
    search_entries,
    update_conflict,
    update_hotline_case,
)

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
# Rows written per transaction: what a sign-in waiting for the write lock waits for at most.
BATCH = 1000
# On SQLite, how long the write lock is left free between two batches at least, so a writer waiting
# for it (SQLite's busy handler polls every 25-100 ms) gets its turn before the next batch takes it
# again. Preparing the next batch (segmenting its texts for the search index) counts: the import
# sleeps only for what is left of it.
SQLITE_PAUSE = 0.04
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
    updated: int = 0  # imported before, content changed: updated with an audited diff
    skipped: int = 0  # imported before, unchanged
    written: int = 0  # rows written when the writing stopped (see ``stopped``)
    stopped: bool = False  # the writing stopped part way (resumable: import the same file again)
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
    """Categories by code, by leaf name, and by path (环境保护/噪声扰民); a group's name gives its 其他."""

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
        self.catch_all = {c.parent_id: c for c in categories
                          if c.parent_id and c.name == taxonomy.CATCH_ALL_NAME and c.pk in self.leaves}
        self.missing: dict[int, Category] = {}  # groups without 其他: created (unsaved) on first use

    def find(self, text: str) -> Category:
        path = text.replace(" ", "").replace("／", "/").replace("-", "/").replace(">", "/")
        found = self.by_code.get(text) or self.by_path.get(path)
        if found is None:
            named = self.by_name.get(text, [])
            groups = [c for c in named if c.pk not in self.leaves]
            if len(named) > 1 and len(groups) == 1 and not groups[0].parent_id:
                named = groups  # 其他 names a leaf of every group; a first-level group's name wins
            if len(named) > 1:
                raise ValueError(_("“%(name)s” names several categories; write its code or path.") % {"name": text})
            found = named[0] if named else None
        if found is None:
            raise ValueError(_("There is no category “%(name)s” (give its code, name or path).") % {"name": text})
        if found.pk not in self.leaves:
            return self._catch_all(found)
        return found

    def _catch_all(self, group: Category) -> Category:
        leaf = self.catch_all.get(group.pk) or self.missing.get(group.pk)
        if leaf is None:
            leaf = self.missing[group.pk] = taxonomy.catch_all_of(Category, group)
        return leaf


def _number(value, label) -> float | None:
    text = cell_text(value)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(_("%(label)s must be a number, not “%(value)s”.") % {"label": label, "value": text}) from None


def _received_at(value, now) -> dt.datetime:
    moment = tabular.cell_datetime(value)
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    if moment > now + dt.timedelta(minutes=5):
        raise ValueError(_("The call time lies in the future."))
    if moment.year < 2000:
        raise ValueError(_("The call time is before 2000."))
    return moment


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
        except ValueError as exc:  # a number Excel has cut short, text the input rule refuses
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
            values["received_at"] = _received_at(cells["received_at"], now)
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
    for key in ("lon", "lat"):
        try:
            values[key] = _number(cells.get(key), HEADER_OF[key])
        except ValueError as exc:
            fail(key, exc)
    if not ok:
        return None
    description = text["description"]
    title = text["title"] or _title_from(description)
    return HotlineRow(
        row=number, hotline_id=text["hotline_id"], received_at=values["received_at"], category=values["category"],
        urgency=urgency, title=title, description=description, address=text["address"], lon=values["lon"],
        lat=values["lat"], crs=crs, region=text["region"], caller_name=text["caller_name"],
        caller_phone=text["caller_phone"])


def _title_from(description: str) -> str:
    """A title from a letter without one: its first line, cut to 30 characters."""
    lines = [line.strip() for line in description.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first if len(first) <= 30 else first[:29] + "…"


@contextmanager
def _quiet_collector():
    """The garbage collector paused while a file is checked and written: every pass walked all its rows."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    with _quiet_collector():
        return _import(actor=actor, data=data, filename=filename, dry_run=dry_run, default_region=default_region,
                       progress=progress, now=now or timezone.now())


def _import(*, actor, data, filename, dry_run, default_region, progress, now) -> ImportReport:
    report = ImportReport(filename=filename, dry_run=dry_run)
    headers: dict[str, str] = {}

    def add_error(row: int, key: str, message) -> None:
        report.problems.add(row, headers.get(key, HEADER_OF.get(key, "")), message)

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

    # 1. Check every row: its cells, then every check of intake. Nothing is written.
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
    known = _known_cases([r.hotline_id for r in checked])
    regions = _regions({r.region for r in checked if r.region})
    fresh: list[tuple[HotlineRow, CheckedOrder]] = []
    changed: list[tuple[HotlineRow, CheckedOrder, Case]] = []
    tick = progress(_("checking places"), len(checked))
    for row in checked:
        order = _intake_check(actor, row, regions, fallback, add_error)
        tick(1)
        if order is None:
            continue
        case = known.get(row.hotline_id)
        if case is None:
            fresh.append((row, order))
            continue
        changes = hotline_changes(case, case.imported_contact, order)
        if not changes:
            report.skipped += 1
            continue
        conflict = update_conflict(case, changes)
        if conflict:
            add_error(row.row, "hotline_id", conflict)
        else:
            changed.append((row, order, case))
    _warn_repeats([row for row, _order in fresh], report, headers)
    if report.problems or dry_run:
        report.created, report.updated = len(fresh), len(changed)  # what would be written
        if report.problems:
            report.created = report.updated = 0
        return report

    # 2. Write in short batches (see the module docstring).
    _write(actor, report, fresh, changed, categories, filename, data, progress)
    if report.created >= BULK_ROWS:
        refresh_statistics([Case, CaseEvent, CaseContact, AuditEvent])
    return report


def _known_cases(ids: list[str]) -> dict[str, Case]:
    """The cases already imported under these hotline ids, each with its contact (``imported_contact``)."""
    known: dict[str, Case] = {}
    for start in range(0, len(ids), 900):
        for case in Case.objects.filter(hotline_id__in=ids[start:start + 900]):
            case.imported_contact = None
            known[case.hotline_id] = case
    by_pk = {case.pk: case for case in known.values()}
    pks = list(by_pk)
    for start in range(0, len(pks), 900):
        for contact in CaseContact.objects.filter(case_id__in=pks[start:start + 900]):
            by_pk[contact.case_id].imported_contact = contact
    return known


def _regions(codes: set[str]) -> dict[str, Region]:
    """The regions a file names by code, read at once (a code not found stays a code: intake names it)."""
    found, codes = {}, sorted(codes)
    for start in range(0, len(codes), 900):
        found.update((r.code, r) for r in Region.objects.filter(code__in=codes[start:start + 900]))
    return found


def _intake_check(actor, row: HotlineRow, regions, fallback, add_error) -> CheckedOrder | None:
    try:
        order = check_hotline_case(
            actor=actor, hotline_id=row.hotline_id, category=row.category, title=row.title,
            description=row.description, urgency=row.urgency, lon=row.lon, lat=row.lat, crs=row.crs,
            region=regions.get(row.region, row.region) if row.region else fallback, address=row.address,
            caller_name=row.caller_name, caller_phone=row.caller_phone, received_at=row.received_at)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            for message in messages:
                add_error(row.row, COLUMN_OF_FIELD.get(field_name, "hotline_id"), message)
        return None
    if not may_intake(order.case, actor):
        add_error(row.row, "region" if row.lon is None else "lon",
                  _("This place lies outside your area; you may not register cases there."))
        return None
    return order


def _write(actor, report, fresh, changed, categories, filename, data, progress) -> None:
    """Write the checked rows, batch by batch; on a failure, stop and say how to resume."""
    pause = SQLITE_PAUSE if connection.vendor == "sqlite" else 0
    current_row = 0
    try:
        if categories.missing:
            with transaction.atomic():
                for leaf in categories.missing.values():
                    leaf.save()
                    record(actor=actor, action="cases.category.catch_all", obj=leaf,
                           changes={"code": [None, leaf.code], "parent": [None, leaf.parent.code]})
            for order in [order for _row, order in fresh] + [order for _row, order, _case in changed]:
                order.case.category = order.case.category  # the leaf saved just now: take its key
        tick = progress(_("importing"), len(fresh) + len(changed))
        committed = None
        for start in range(0, len(fresh), BATCH):
            batch = fresh[start:start + BATCH]
            current_row = batch[0][0].row
            orders = [order for _row, order in batch]
            entries = search_entries(orders)  # between two transactions: the lock is free meanwhile
            if pause and committed is not None:  # free for at least ``pause`` since the last commit
                time.sleep(max(0.0, pause - (time.monotonic() - committed)))
            cases = register_hotline_cases(actor=actor, orders=orders, entries=entries)
            committed = time.monotonic()
            report.case_ids.extend(case.pk for case in cases)
            report.created += len(cases)
            report.written += len(cases)
            tick(len(batch))
        for start in range(0, len(changed), BATCH):
            with transaction.atomic():
                for row, order, case in changed[start:start + BATCH]:
                    current_row = row.row
                    update_hotline_case(actor=actor, case=case, order=order, filename=filename)
                    report.updated += 1
            report.written += len(changed[start:start + BATCH])
            tick(len(changed[start:start + BATCH]))
            if pause:
                time.sleep(pause)
        with transaction.atomic():
            record(actor=actor, action="cases.import", object_type="cases.case", object_repr=filename[:200],
                   changes={"file": filename, "sha256": hashlib.sha256(data).hexdigest(), "rows": report.rows,
                            "created": report.created, "updated": report.updated, "unchanged": report.skipped,
                            "repeats": report.warnings.total})
    except (ValidationError, PermissionDenied, DatabaseError) as exc:
        report.stopped = True
        message = "; ".join(m for ms in exc.message_dict.values() for m in ms) if (
            isinstance(exc, ValidationError) and hasattr(exc, "error_dict")) else str(exc)
        report.problems.add(current_row, "", _(
            "The import stopped at this row: %(error)s. %(written)d of %(total)d rows were written. Import the "
            "same file again to write the rest: rows written already are recognised by their 工单编号.") % {
            "error": message, "written": report.written, "total": len(fresh) + len(changed)})
