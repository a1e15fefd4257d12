"""Imports started from the console: a file uploaded, imported as a background task, its progress polled.

:func:`start_import` keeps the file in an :class:`~gongzhi.cases.models.ImportRun`
and enqueues :func:`gongzhi.cases.tasks.import_hotline_file` after the commit
(the ops task mechanism: a worker takes it, or, with the immediate backend of a
development install, the same process right away). :func:`run_import` is the
task's work: :func:`gongzhi.cases.importing.import_cases` as the person who
uploaded the file, in the language they used, writing its phase and progress
into the run as it goes (each a short write of its own, between the import's
batches) and its report at the end. The file is kept while its problem report
may be asked for (a refused or stopped import), and dropped after a clean one.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core import tabular

from ..models import ImportRun, ImportState

logger = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
# Progress is written at most this often (seconds): a write per row would be a write per row.
PROGRESS_EVERY = 0.5


def start_import(*, actor, data: bytes, filename: str, dry_run: bool = False, default_region: str = "") -> ImportRun:
    """Keep the uploaded file and queue its import; refuses what cannot be a hotline export."""
    require(actor, "cases.intake")
    errors = {}
    name = str(filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:255]
    if not (tabular.is_csv(name) or tabular.is_xlsx(name)):
        errors["file"] = _("Only .xlsx and .csv files can be imported.")
    elif not data:
        errors["file"] = _("The file is empty.")
    elif len(data) > MAX_BYTES:
        errors["file"] = _("The file is larger than %(n)d MB; split it into several files.") % {
            "n": MAX_BYTES // (1024 * 1024)}
    if len(str(default_region or "").strip()) > 15:
        errors["default_region"] = _("There is no region with code “%(code)s”.") % {"code": default_region}
    if errors:
        raise ValidationError(errors)
    from ..tasks import import_hotline_file  # the task module imports this one

    with transaction.atomic():
        run = ImportRun.objects.create(created_by=user_of(actor), filename=name, data=data, dry_run=dry_run,
                                       default_region=str(default_region or "").strip(),
                                       language=translation.get_language() or "")
        record(actor=actor, action="cases.import.start", obj=run, object_repr=name,
               changes={"file": name, "bytes": len(data), "dry_run": dry_run})
        transaction.on_commit(lambda: import_hotline_file.enqueue(run.pk))
    return run


def run_import(run_id: int) -> str:
    """The background work of one run (see the module docstring); returns the run's final state."""
    from ..importing import import_cases

    run = ImportRun.objects.select_related("created_by").filter(pk=run_id).first()
    if run is None or run.state != ImportState.QUEUED:
        return run.state if run else "missing"
    actor = run.created_by
    with translation.override(run.language or settings.LANGUAGE_CODE):
        progress = _Progress(run)
        try:
            if actor is None or not actor.is_active:
                raise PermissionError(_("The person who started this import can no longer import."))
            report = import_cases(actor=actor, data=bytes(run.data), filename=run.filename, dry_run=run.dry_run,
                                  default_region=run.default_region, progress=progress)
        except (PermissionError, ValidationError) as exc:  # said to the person: the run shows why
            problems = tabular.Problems()
            problems.add(0, "", " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
            _finish(run, ImportState.FAILED, problems=problems)
            return run.state
        except Exception:  # noqa: BLE001 - a fault: logged for the operators, the run still ends visibly
            logger.exception("hotline import run %s failed", run.pk)
            problems = tabular.Problems()
            problems.add(0, "", _("The import failed because of a fault in the system; nothing more was written. "
                                  "Tell the administrator, then import the same file again."))
            _finish(run, ImportState.FAILED, problems=problems)
            return run.state
    state = ImportState.DONE if report.ok else ImportState.FAILED if report.stopped else ImportState.REFUSED
    _finish(run, state, problems=report.problems, rows=report.rows, created=report.created,
            updated=report.updated, unchanged=report.skipped, keep_file=not report.ok)
    return run.state


class _Progress:
    """A ``tabular.Progress`` that writes the phase and rows done into the run, now and then."""

    def __init__(self, run: ImportRun):
        self.run, self.written_at = run, 0.0

    def __call__(self, phase: str, total: int):
        state = ImportState.WRITING if total and phase == _("importing") else ImportState.CHECKING
        self.run.phase, self.run.total, self.run.done, self.run.state = phase, total, 0, state
        self._save(force=True)

        def tick(n: int) -> None:
            self.run.done += n
            self._save()

        return tick

    def _save(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.written_at >= PROGRESS_EVERY or self.run.done >= self.run.total:
            self.written_at = now
            ImportRun.objects.filter(pk=self.run.pk).update(phase=self.run.phase[:60], total=self.run.total,
                                                            done=self.run.done, state=self.run.state)


def _finish(run: ImportRun, state: str, *, problems: tabular.Problems, rows: int = 0, created: int = 0,
            updated: int = 0, unchanged: int = 0, keep_file: bool = True) -> None:
    run.state, run.finished_at = state, timezone.now()
    run.rows, run.created, run.updated, run.unchanged = rows, created, updated, unchanged
    run.problem_count = problems.total
    run.problems = [[p.row, p.column, p.message] for p in problems]
    fields = ["state", "finished_at", "rows", "created", "updated", "unchanged", "problem_count", "problems"]
    if not keep_file:
        run.data = None
        fields.append("data")
    run.save(update_fields=fields)


def problem_workbook(run: ImportRun, *, watermark) -> bytes:
    """The problem report as a workbook: each problem beside its row of the file, as the file has it.

    Columns: the row number, the problems of that row, then the row's cells under the file's own
    headers, the caller's name and phone masked (the report is a download; the file had them). Problems of the whole file (row 0) come first; a last line says how many more there
    are when only the first ones were listed.
    """
    from gongzhi.core import crypto, exports

    from ..importing import HEADERS

    by_row: dict[int, list[str]] = {}
    for row, column, message in run.problems:
        by_row.setdefault(row, []).append(f"{column}: {message}" if column else message)
    headers, cells = [], {}
    if run.data:
        try:
            for _title, sheet_headers, numbered, _count in tabular.read(bytes(run.data), run.filename):
                headers = [str(h or "") for h in sheet_headers]
                masks = {i: crypto.mask_phone if HEADERS.get(tabular.normal_header(h)) == "caller_phone"
                         else crypto.mask_name for i, h in enumerate(headers)
                         if HEADERS.get(tabular.normal_header(h)) in ("caller_phone", "caller_name")}
                cells = {number: [masks[i](str(v)) if i in masks and v not in (None, "") else v
                                  for i, v in enumerate(values)]
                         for number, values in numbered if number in by_row}
                break
        except tabular.FormatError:
            pass  # the file the import refused to read: its report has the whole-file problem alone, no cells
    book = exports.Workbook(watermark=watermark)
    sheet = book.sheet(_("Problems"))
    sheet.append(exports.Cell(text, bold=True) for text in [_("Row"), _("Problems"), *headers])
    for row in sorted(by_row):
        sheet.append([row or "", "\n".join(by_row[row]), *[_cell(v) for v in cells.get(row, [])]])
    if run.problem_count > len(run.problems):
        sheet.append(["", _("%(listed)d of %(total)d problems are listed; correct these and check the file "
                            "again to see the rest.") % {"listed": len(run.problems), "total": run.problem_count}])
    return book.save()


def _cell(value):
    return value if isinstance(value, (int, float, str)) or value is None else str(value)
