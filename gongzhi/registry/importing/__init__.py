"""Import of dwellings, persons, households and organisations from XLSX or CSV: all or nothing, idempotent.

One module per sheet kind (:mod:`.dwellings`, :mod:`.persons`, :mod:`.households`,
:mod:`.organisations`), what they share in :mod:`.common`; files are read by
:mod:`gongzhi.core.tabular`, the one reader of every import.

How an import runs
    1. Every row of every sheet is read and checked (formats, GB 11643 check
       characters, allowed values, references between sheets and to what is
       already registered, the importer's area). Each problem becomes one
       :class:`RowError` naming sheet, row (the spreadsheet's own row number,
       header = row 1) and column, with a message in the active language and
       never the personal value itself.
    2. If there is any error, nothing is written.
    3. Otherwise everything is written in one transaction, in bulk. A row is
       matched to an existing record by its external id, or for a person by
       the blind index of the ID number, for an organisation by its unified
       social credit code; a matched record is updated only if
       a value differs, so importing the same file twice changes nothing the
       second time.
    4. One audit event ``registry.import`` records who imported which file
       (name and SHA-256) and how many records were created and updated.
       Per-record events are not written for bulk imports: the file hash and
       the counts identify the change, and 100,000 events would double its cost.

A dry run does everything, then rolls the transaction back: its report gives
the same errors and the same counts as the real import would.

Speed (bench/import_registry.py, 100,000 persons): each person row is read,
checked and turned into everything stored with it (normalised numbers, blind
indexes, pinyin) in one pass; new persons are written as plain tuples
(:func:`~gongzhi.registry.bulk.insert_tuples`); existing records are looked up
by plain ``IN`` statements per chunk; the garbage collector is paused and
SQLite gets a larger page cache while the import runs.
"""

from __future__ import annotations

import gc
import hashlib
from contextlib import contextmanager

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core import tabular
from gongzhi.core.maintenance import BULK_ROWS, refresh_statistics
from gongzhi.core.tabular import FormatError, Progress, no_progress

from ..bulk import large_cache
from ..spreadsheets import IMPORT_ORDER, SHEETS, SheetData, read_file
from .common import Context, Errors, ImportReport, RowError
from .dwellings import check_dwellings, write_dwellings
from .households import check_households, write_households
from .organisations import check_organisations, write_organisations
from .persons import check_persons, write_persons

__all__ = ["ImportReport", "RowError", "import_registry"]

# --- the entry point ---------------------------------------------------------------


def import_registry(*, actor, data: bytes, filename: str, dry_run: bool = False, kind: str | None = None,
                    progress: Progress = no_progress, max_errors: int = tabular.LISTED) -> ImportReport:
    """Check and import a spreadsheet; see the module documentation.

    Returns the report; when ``report.ok`` is false nothing was written.
    """
    require(actor, "registry.import")
    with _collector_paused(), large_cache():
        report = _import(actor=actor, data=data, filename=filename, dry_run=dry_run, kind=kind, progress=progress,
                         max_errors=max_errors)
    if report.ok and not dry_run and sum(report.created.values()) >= BULK_ROWS:
        refresh_statistics(apps.get_app_config("registry").get_models())
    return report


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while an import runs.

    An import keeps a few objects per row until it ends, and every pass of the
    collector walks all of them again: about a third of the time of a
    100,000-row import (bench/import_registry.py). The import makes no
    reference cycles of its own (reference counting frees what it drops), and
    the collector runs again as soon as it ends. Process-wide, so a
    concurrent import may re-enable it early; that costs speed, not memory.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(*, actor, data: bytes, filename: str, dry_run: bool, kind: str | None, progress: Progress,
            max_errors: int) -> ImportReport:
    report = ImportReport(filename=filename, dry_run=dry_run, problems=tabular.Problems(limit=max_errors))
    errors = Errors(report)
    try:
        sheets = read_file(data, filename, kind)
    except FormatError as exc:
        errors.add(filename, 0, "", exc)
        return report
    by_kind: dict[str, SheetData] = {}
    for sheet in sheets:
        if sheet.kind in by_kind:
            errors.add(sheet, 0, "", _("A workbook can hold only one sheet of each kind."))
        by_kind[sheet.kind] = sheet
    for sheet in by_kind.values():
        missing = [c.header for c in SHEETS[sheet.kind].columns if c.required and c.key not in sheet.headers]
        if missing:
            errors.add(sheet, 0, "", _("Required columns are missing: %(columns)s.") % {"columns": "、".join(missing)})
    if report.errors:
        return report

    ctx = Context(actor)
    parsed = {}
    checkers = {"dwellings": check_dwellings, "persons": check_persons, "households": check_households,
                "organisations": check_organisations}
    for kind_name in IMPORT_ORDER:
        if kind_name in by_kind:
            sheet = by_kind[kind_name]
            tick = progress(_("Checking %(sheet)s") % {"sheet": sheet.title}, sheet.count)
            parsed[kind_name] = checkers[kind_name](sheet, ctx, errors, tick)
            report.rows[kind_name] = len(parsed[kind_name])
    if report.errors:
        return report

    try:
        with transaction.atomic():
            dwellings = {}
            if "dwellings" in parsed:
                tick = progress(_("Writing %(sheet)s") % {"sheet": by_kind["dwellings"].title}, len(parsed["dwellings"]))
                dwellings = write_dwellings(parsed["dwellings"], report, tick)
            persons = {}
            if "persons" in parsed:
                tick = progress(_("Writing %(sheet)s") % {"sheet": by_kind["persons"].title}, len(parsed["persons"]))
                persons = write_persons(parsed["persons"], dwellings, ctx, report, tick)
            if "households" in parsed:
                tick = progress(_("Writing %(sheet)s") % {"sheet": by_kind["households"].title},
                                len(parsed["households"]))
                write_households(parsed["households"], dwellings, persons, ctx, report, tick)
            if "organisations" in parsed:
                tick = progress(_("Writing %(sheet)s") % {"sheet": by_kind["organisations"].title},
                                len(parsed["organisations"]))
                write_organisations(parsed["organisations"], dwellings, ctx, report, tick)
            if dry_run:
                transaction.set_rollback(True)
            elif report.changed:
                record(actor=actor, action="registry.import", object_type="registry.import", object_repr=filename[:200],
                       changes={"file": filename, "sha256": hashlib.sha256(data).hexdigest(), **report.counts()},
                       region_code=_region_code_of(actor))
    except IntegrityError:
        # Someone registered the same records while this import ran; nothing was written.
        errors.add(filename, 0, "", _("The data changed while importing (a record was added at the same time). "
                                      "Nothing was written; please import again."))
    return report


def _region_code_of(actor) -> str:
    """Where the import event sits in the tree: the importer's own area."""
    region = getattr(actor, "region", None)
    return region.code if region is not None else ""
