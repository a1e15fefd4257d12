"""The nightly analytics export: de-identified case events as Parquet, one folder per day.

Why: a city's analysts want years of events in DuckDB, Spark or a BI tool without a login to the
production database and without seeing anyone. Parquet is the columnar format all of them read;
the export holds no names, numbers or free text, and places only down to the community.

Layout (Hive-style partitions, read with ``hive_partitioning``)::

    <ANALYTICS_DIR>/case_events/day=2026-11-30/events.parquet
    <ANALYTICS_DIR>/case_events/_manifest.json

What a row holds (:data:`SCHEMA`): a keyed pseudonym of the event and of its case (stable across
exports, so an analyst can follow one case's events, but not reversible without the deployment's
secret key), the time to the minute, the action and the states, the unit's code (an
organisation, never a person), the case's channel, urgency, category and first-level category,
the community's region code (a grid's code cut to its community), and the figures the three
rates are made of (response deadline, acknowledged in time, solved, satisfaction). Left out on
purpose: the actor, the reason and details of the event, and the case's title, description,
address, coordinates, reporter, contact and numbers.

When: the periodic job ``analytics_export`` (daily) writes every closed day not yet written, and
writes a day again when an event dated in it was recorded after it was written (a hotline import
of last month's orders): the manifest keeps the highest event id each run saw. A day's file is
written to a temporary name and renamed, so a reader never sees half a file and a crash leaves
the previous file in place. ``manage.py export_analytics`` does the same on demand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import Category, CaseEvent

SCHEMA = pa.schema([
    ("event", pa.string()),
    ("case", pa.string()),
    ("occurred_at", pa.timestamp("s", tz="UTC")),
    ("action", pa.string()),
    ("from_state", pa.string()),
    ("to_state", pa.string()),
    ("unit", pa.string()),
    ("channel", pa.string()),
    ("urgency", pa.string()),
    ("category", pa.string()),
    ("category_top", pa.string()),
    ("community", pa.string()),
    ("response_due", pa.timestamp("s", tz="UTC")),
    ("on_time", pa.bool_()),
    ("solved", pa.bool_()),
    ("satisfaction", pa.string()),
])
# The database columns each row is made from, in the order of SCHEMA's inputs.
COLUMNS = ("id", "case_id", "at", "action", "from_state", "to_state", "unit__code", "case__channel",
           "case__urgency", "case__category_id", "case__region_code", "response_due", "on_time", "solved",
           "satisfaction")
COMMUNITY_CODE_LENGTH = 12  # 12-digit statistical codes down to the community; grids add three digits
BATCH = 20_000


def folder() -> Path:
    return Path(settings.ANALYTICS_DIR) / "case_events"


def pseudonym(kind: str, pk: int) -> str:
    """A stable, keyed stand-in for an id: the same id always gives the same text in this deployment."""
    return salted_hmac(f"gongzhi.cases.analytics.{kind}", str(pk), algorithm="sha256").hexdigest()[:20]


def _categories() -> tuple[dict[int, str], dict[int, str]]:
    rows = {pk: (code, parent) for pk, code, parent in Category.objects.values_list("id", "code", "parent_id")}

    def top(pk):
        seen = set()
        while rows[pk][1] is not None and pk not in seen:
            seen.add(pk)
            pk = rows[pk][1]
        return rows[pk][0]

    return {pk: code for pk, (code, _parent) in rows.items()}, {pk: top(pk) for pk in rows}


def _minute(moment: datetime | None) -> datetime | None:
    return moment.replace(second=0, microsecond=0) if moment else None


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def write_day(day: date, categories=None) -> int:
    """Write one day's events (in the deployment's time zone) to its Parquet file; returns the row count."""
    codes, tops = categories or _categories()
    start, end = _day_bounds(day)
    target = folder() / f"day={day.isoformat()}" / "events.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".parquet.partial")
    rows = 0
    with pq.ParquetWriter(partial, SCHEMA, compression="zstd") as writer:
        events = (CaseEvent.objects.filter(at__gte=start, at__lt=end).order_by("id")
                  .values_list(*COLUMNS).iterator(chunk_size=BATCH))
        batch = []
        for row in events:
            batch.append(row)
            if len(batch) >= BATCH:
                writer.write_batch(_record_batch(batch, codes, tops))
                rows += len(batch)
                batch = []
        if batch or rows == 0:
            writer.write_batch(_record_batch(batch, codes, tops))
            rows += len(batch)
    os.replace(partial, target)
    return rows


def _record_batch(rows, codes, tops) -> pa.RecordBatch:
    columns = {name: [] for name in SCHEMA.names}
    for (pk, case_id, at, action, from_state, to_state, unit, channel, urgency, category_id, region_code,
         response_due, on_time, solved, satisfaction) in rows:
        columns["event"].append(pseudonym("event", pk))
        columns["case"].append(pseudonym("case", case_id))
        columns["occurred_at"].append(_minute(at))
        columns["action"].append(action)
        columns["from_state"].append(from_state or None)
        columns["to_state"].append(to_state or None)
        columns["unit"].append(unit)
        columns["channel"].append(channel)
        columns["urgency"].append(urgency)
        columns["category"].append(codes.get(category_id))
        columns["category_top"].append(tops.get(category_id))
        columns["community"].append((region_code or "")[:COMMUNITY_CODE_LENGTH] or None)
        columns["response_due"].append(_minute(response_due))
        columns["on_time"].append(on_time)
        columns["solved"].append(solved)
        columns["satisfaction"].append(satisfaction or None)
    return pa.RecordBatch.from_pydict(columns, schema=SCHEMA)


def _manifest_path() -> Path:
    return folder() / "_manifest.json"


def _read_manifest() -> dict:
    try:
        return json.loads(_manifest_path().read_text())
    except FileNotFoundError:
        return {"max_event_id": 0, "days": {}}


def _write_manifest(manifest: dict) -> None:
    path = _manifest_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(partial, path)


def days_to_write(*, today: date | None = None, since: date | None = None, rebuild=False) -> list[date]:
    """Closed days with events that have no file yet, or that got events after theirs was written."""
    today = today or timezone.localdate()
    manifest = {"max_event_id": 0, "days": {}} if rebuild else _read_manifest()
    events = CaseEvent.objects.filter(at__lt=_day_bounds(today)[0])
    if since:
        events = events.filter(at__gte=_day_bounds(since)[0])
    written = set(manifest["days"])
    if written and not since:  # the nightly run looks only past the last day written, plus late events
        events_new = events.filter(at__gte=_day_bounds(date.fromisoformat(max(written)) + timedelta(days=1))[0])
    else:
        events_new = events
    # Days in the deployment's time zone (datetimes() truncates in the current one).
    with_events = {moment.date() for moment in events_new.datetimes("at", "day")}
    late = {moment.date() for moment in events.filter(id__gt=manifest["max_event_id"]).datetimes("at", "day")}
    return sorted(day for day in with_events | late if day.isoformat() not in written or day in late)


def export(*, today: date | None = None, since: date | None = None, rebuild=False,
           progress: Callable[[date, int], None] | None = None) -> dict[str, int]:
    """Write every day that needs it (see :func:`days_to_write`); returns {day: rows}."""
    max_id = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    days = days_to_write(today=today, since=since, rebuild=rebuild)
    manifest = {"max_event_id": 0, "days": {}} if rebuild else _read_manifest()
    categories = _categories()
    written = {}
    for day in days:
        written[day.isoformat()] = rows = write_day(day, categories)
        manifest["days"][day.isoformat()] = {"rows": rows, "written_at": timezone.now().isoformat()}
        if progress:
            progress(day, rows)
    # Only after every day is written: a crash part-way re-does the late days next time.
    manifest["max_event_id"] = max(max_id, manifest["max_event_id"])
    _write_manifest(manifest)
    return written


def run_periodic():
    """The daily job (registered in CasesConfig.ready)."""
    written = export()
    return {"days": len(written), "rows": sum(written.values())}
