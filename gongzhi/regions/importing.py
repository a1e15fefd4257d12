"""Loading regions and grids from a file: parse, validate everything, then write.

Used by ``manage.py import_regions`` and, later, by an upload page, so it
takes bytes and a file name, never a request. Two formats:

- GeoJSON: a FeatureCollection; each feature's ``properties`` carry ``code``,
  ``name``, ``level``, ``parent_code`` and ``community_type``; its geometry is
  the boundary (required for grids, optional otherwise).
- CSV (UTF-8, with or without BOM, or GB18030 as saved by Excel in China):
  columns ``code,name,level,parent_code,community_type`` and the boundary as
  either ``boundary_geojson`` (a geometry in JSON) or ``wkt``.

The import is all-or-nothing. The whole file is checked first and every
problem is reported as (place, field, message), where the place is "row N"
(the spreadsheet row, the header being row 1) or "feature N" (counting from
1); if there is any, nothing is written. Otherwise every create and update is
written in one transaction with its audit event. Existing codes are updated;
rows that already match the database are counted as unchanged and not
touched, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import shapely.wkt
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.errors import ShapelyError
from shapely.geometry import mapping

from gongzhi.accounts.roles import require
from gongzhi.audit.services import diff, record, snapshot
from gongzhi.core import tabular
from gongzhi.core.scoping import scope_of

from . import boundaries
from .models import CODE_LENGTH, PARENT_LEVEL, PREFIX_LENGTH, CommunityType, Level, Region
from .services import lock_grid_writes

IMPORT = "regions.import"
LEVEL_ORDER = [Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY, Level.GRID]
CSV_REQUIRED = ("code", "name", "level")
CSV_KNOWN = (*CSV_REQUIRED, "parent_code", "community_type", "boundary_geojson", "wkt")
NAME_MAX = Region._meta.get_field("name").max_length
_FILE = "file"


@dataclass(frozen=True)
class Problem:
    place: str
    field: str
    message: str

    def __str__(self):
        return f"{self.place}, {self.field}: {self.message}" if self.field else f"{self.place}: {self.message}"


@dataclass
class Entry:
    """One region as the file describes it."""

    place: str
    code: str = ""
    name: str = ""
    level: str = ""
    parent_code: str = ""
    community_type: str = ""
    raw_boundary: object = None
    boundary_field: str = "geometry"  # the column or member the boundary came from, for messages
    boundary: dict | None = None
    geom: object = None
    ok: bool = True  # False once a problem makes the entry unusable for later checks


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        text = _("created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d") % {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
        }
        if self.dry_run:
            text += " " + _("(dry run: nothing was written)")
        return text


class _Refused(Exception):
    """Raised inside the transaction to roll everything back."""


def _identity(iterable, **kwargs):
    return iterable


# --- reading ----------------------------------------------------------------

def detect_format(filename: str, text: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix == ".csv":
        return "csv"
    return "geojson" if text.lstrip().startswith("{") else "csv"


def _text(value, place, name, problems) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, float):
        problems.append(Problem(place, name, _("Must be text, not %(value)r.") % {"value": value}))
        return ""
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        problems.append(Problem(place, name, _("Must be text, not %(value)r.") % {"value": value}))
        return ""
    return value.strip()


def read_geojson(text: str, problems: list[Problem]) -> list[Entry]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        problems.append(Problem(_FILE, "", _("Not valid JSON: %(error)s") % {"error": exc}))
        return []
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        problems.append(Problem(_FILE, "type", _("A GeoJSON FeatureCollection with a list of features is expected.")))
        return []
    entries = []
    for number, feature in enumerate(doc["features"], start=1):
        place = _("feature %(n)d") % {"n": number}
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem(place, "type", _("Not a GeoJSON Feature.")))
            continue
        props = feature.get("properties")
        if not isinstance(props, dict):
            problems.append(Problem(place, "properties", _("The feature has no properties object.")))
            continue
        entry = Entry(place=place, raw_boundary=feature.get("geometry"))
        for name in ("code", "name", "level", "parent_code", "community_type"):
            setattr(entry, name, _text(props.get(name), place, name, problems))
        entries.append(entry)
    return entries


def read_csv(text: str, problems: list[Problem]) -> list[Entry]:
    try:
        lines = tabular.csv_lines(text)
    except tabular.FormatError as exc:
        problems.append(Problem(_FILE, "", str(exc)))
        return []
    header = [h.strip() for h in (lines[0] if lines else [])]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        problems.append(Problem(_("row 1"), "header", _("Missing column(s): %(cols)s (expected: %(all)s).") % {
            "cols": ", ".join(missing), "all": ", ".join(CSV_KNOWN)}))
        return []
    table = tabular.table("", header, enumerate(lines[1:], start=2), {h.lower(): h for h in header if h})
    entries = []
    for number, row in table.rows:
        place = _("row %(n)d") % {"n": number}
        if len(lines[number - 1]) > len(header):
            problems.append(Problem(place, "", _("The row has more cells than the header.")))
            continue
        values = {k: (v or "").strip() for k, v in row.items()}
        entry = Entry(place=place, code=values["code"], name=values["name"], level=values["level"],
                      parent_code=values.get("parent_code", ""),
                      community_type=values.get("community_type", ""), boundary_field="boundary_geojson")
        geojson_text, wkt_text = values.get("boundary_geojson", ""), values.get("wkt", "")
        if geojson_text and wkt_text:
            problems.append(Problem(place, "wkt", _("Give the boundary as boundary_geojson or wkt, not both.")))
            entry.ok = False
        elif geojson_text:
            entry.raw_boundary, entry.boundary_field = geojson_text, "boundary_geojson"
        elif wkt_text:
            entry.boundary_field = "wkt"
            try:
                entry.raw_boundary = mapping(shapely.wkt.loads(wkt_text))
            except (ShapelyError, ValueError, TypeError) as exc:
                problems.append(Problem(place, "wkt", _("Not valid WKT: %(error)s") % {"error": exc}))
                entry.ok = False
        entries.append(entry)
    return entries


def _plain(geojson):
    """shapely's mapping() gives tuples; normalise() wants GeoJSON lists."""
    if isinstance(geojson, dict):
        return {k: _plain(v) for k, v in geojson.items()}
    if isinstance(geojson, (list, tuple)):
        return [_plain(v) for v in geojson]
    return geojson


# --- checking ---------------------------------------------------------------

def _check_fields(entry: Entry, problems: list[Problem]) -> None:
    add = lambda name, message: problems.append(Problem(entry.place, name, message))  # noqa: E731
    if entry.level not in Level.values:
        add("level", _("Unknown level %(level)r; use one of: %(levels)s.") % {
            "level": entry.level, "levels": ", ".join(Level.values)})
        entry.ok = False
    if not entry.code:
        add("code", _("The code is missing."))
        entry.ok = False
    elif not entry.code.isdigit() or (entry.level in CODE_LENGTH and len(entry.code) != CODE_LENGTH[entry.level]):
        n = CODE_LENGTH.get(entry.level)
        add("code", (_("Code %(code)s must be %(n)d digits for a %(level)s.") if n else
                     _("Code %(code)s must consist of digits.")) % {"code": entry.code, "n": n or 0,
                                                                    "level": entry.level})
        entry.ok = False
    if not entry.name:
        add("name", _("The name is missing."))
    elif len(entry.name) > NAME_MAX:
        add("name", _("The name is longer than %(n)d characters.") % {"n": NAME_MAX})
    if entry.community_type and entry.community_type not in CommunityType.values:
        add("community_type", _("Unknown community type %(value)r; use one of: %(choices)s, or leave it empty.") % {
            "value": entry.community_type, "choices": ", ".join(CommunityType.values)})
    if entry.level == Level.DISTRICT and entry.parent_code:
        add("parent_code", _("A district has no parent in this system; leave parent_code empty."))
    elif entry.level in PARENT_LEVEL and not entry.parent_code:
        add("parent_code", _("A %(level)s needs a parent_code.") % {"level": entry.level})
    if entry.raw_boundary is not None:
        label = entry.code or entry.place
        try:
            raw = _plain(entry.raw_boundary) if not isinstance(entry.raw_boundary, str) else entry.raw_boundary
            entry.boundary, entry.geom = boundaries.parse(raw, code=label)
        except boundaries.BoundaryError as exc:
            add(entry.boundary_field, str(exc))
    elif entry.level == Level.GRID and entry.ok:
        add(entry.boundary_field, _("Grid %(code)s has no boundary.") % {"code": entry.code})


def _check_tree(entries: list[Entry], existing: dict[str, Region], problems: list[Problem], actor) -> None:
    by_code: dict[str, Entry] = {}
    for entry in entries:
        if not entry.code:
            continue
        first = by_code.get(entry.code)
        if first is not None:
            problems.append(Problem(entry.place, "code", _("Code %(code)s appears again (first at %(first)s).") % {
                "code": entry.code, "first": first.place}))
            entry.ok = False
            continue
        by_code[entry.code] = entry
    scope = scope_of(actor) if actor is not None else None
    for entry in entries:
        if not entry.ok:
            continue
        current = existing.get(entry.code)
        if current is not None and current.level != entry.level:
            problems.append(Problem(entry.place, "level", _(
                "%(code)s already exists as a %(old)s; an import cannot change its level.") % {
                "code": entry.code, "old": current.level}))
        if entry.level in PARENT_LEVEL and entry.parent_code:
            parent_level = _level_of(entry.parent_code, by_code, existing)
            parent_entry = by_code.get(entry.parent_code)
            if parent_entry is not None and not parent_entry.ok:
                problems.append(Problem(entry.place, "parent_code", _(
                    "Parent %(parent)s cannot be checked until its own problems (%(place)s) are fixed.") % {
                    "parent": entry.parent_code, "place": parent_entry.place}))
            elif parent_level is None:
                problems.append(Problem(entry.place, "parent_code", _(
                    "Parent %(parent)s is neither in this file nor in the database.") % {
                    "parent": entry.parent_code}))
            elif parent_level != PARENT_LEVEL[entry.level]:
                problems.append(Problem(entry.place, "parent_code", _(
                    "Parent %(parent)s is a %(found)s; a %(level)s belongs to a %(expected)s.") % {
                    "parent": entry.parent_code, "found": parent_level, "level": entry.level,
                    "expected": PARENT_LEVEL[entry.level]}))
            elif not entry.code.startswith(entry.parent_code[:PREFIX_LENGTH[parent_level]]):
                problems.append(Problem(entry.place, "code", _(
                    "Code %(code)s does not extend its parent's code %(parent)s.") % {
                    "code": entry.code, "parent": entry.parent_code}))
            elif current is not None and current.parent is not None and current.parent.code != entry.parent_code:
                problems.append(Problem(entry.place, "parent_code", _(
                    "%(code)s already belongs to %(old)s; an import cannot move it.") % {
                    "code": entry.code, "old": current.parent.code}))
        if scope is not None and not scope.covers_code(entry.parent_code or entry.code):
            problems.append(Problem(entry.place, "code", _("%(code)s is outside your area.") % {"code": entry.code}))


def _level_of(code, by_code, existing):
    if code in by_code:
        return by_code[code].level if by_code[code].ok else None
    region = existing.get(code)
    return region.level if region is not None else None


def _check_overlaps(entries: list[Entry], problems: list[Problem], progress) -> None:
    """Grids of the file against each other and against the database's other grids."""
    from .grid_index import GridIndex, load_from_database

    file_grids = [e for e in entries if e.level == Level.GRID and e.geom is not None and e.ok]
    if not file_grids:
        return
    replaced = {e.code for e in entries}
    database = load_from_database()
    db_entries = [(code, database.geometry_of(code)) for code in database.codes if code not in replaced]
    place_of = {e.code: e.place for e in file_grids}
    combined = GridIndex([(e.code, e.geom) for e in file_grids] + db_entries)
    order = {e.code: i for i, e in enumerate(file_grids)}
    for entry in progress(file_grids, desc=_("checking overlaps"), unit="grid"):
        for other, area in combined.overlaps(entry.geom, exclude=[entry.code]):
            if other in order and order[other] > order[entry.code]:
                continue  # a pair inside the file is reported once, at its later grid
            message = boundaries.overlap_message(entry.code, other, area)
            where = place_of.get(other)
            message += " " + (_("(%(place)s of this file)") % {"place": where} if where
                              else _("(already in the database)"))
            problems.append(Problem(entry.place, entry.boundary_field, message))


def _existing(codes: Iterable[str]) -> dict[str, Region]:
    codes = sorted(set(codes))
    found = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        for region in Region.objects.select_related("parent").filter(code__in=chunk):
            found[region.code] = region
    return found


def _same(region: Region, entry: Entry) -> bool:
    if region.name != entry.name or region.community_type != (entry.community_type or ""):
        return False
    if entry.boundary is None:
        return region.boundary is None
    try:
        stored = boundaries.normalize(region.boundary, code=region.code) if region.boundary is not None else None
    except boundaries.BoundaryError:
        return False
    return stored == entry.boundary


# --- the whole import -------------------------------------------------------

def import_regions(data: bytes | str, *, filename: str = "", actor=None, dry_run: bool = False,
                   fmt: str | None = None, progress: Callable = _identity) -> ImportReport:
    """Check ``data`` and, when it is free of problems and not a dry run, write it.

    ``actor`` is the signed-in user of an upload page (checked for
    ``regions.import`` and for the area of every row), or None for the
    operator at the shell, who holds the database already; events are then
    recorded as "system". ``progress`` wraps iterables (e.g. ``tqdm``).
    """
    if actor is not None:
        require(actor, IMPORT)
    report = ImportReport(dry_run=dry_run)
    try:
        text = tabular.decode(data)
    except tabular.FormatError:
        report.problems.append(Problem(_FILE, "", _("The file is neither UTF-8 nor GB18030 text.")))
        return report
    fmt = fmt or detect_format(filename, text)
    entries = read_geojson(text, report.problems) if fmt == "geojson" else read_csv(text, report.problems)
    if not entries and not report.problems:
        report.problems.append(Problem(_FILE, "", _("The file contains no regions.")))
    if report.problems and not entries:
        return report
    try:
        with transaction.atomic():
            _check_and_apply(entries, report, actor=actor, filename=filename, progress=progress)
            if report.problems or dry_run:
                raise _Refused
    except _Refused:
        pass
    return report


def _check_and_apply(entries, report, *, actor, filename, progress):
    for entry in progress(entries, desc=_("checking rows"), unit="row"):
        _check_fields(entry, report.problems)
    if any(entry.level == Level.GRID for entry in entries):
        lock_grid_writes()  # what is read from here on, checked and written is one step (see there)
    existing = _existing([e.code for e in entries if e.code] + [e.parent_code for e in entries if e.parent_code])
    _check_tree(entries, existing, report.problems, actor)
    _check_overlaps(entries, report.problems, progress)
    if report.problems:
        return
    reason = _("import from %(file)s") % {"file": filename or _("a file")}
    saved = dict(existing)
    ordered = sorted(entries, key=lambda e: LEVEL_ORDER.index(e.level))
    for entry in progress(ordered, desc=_("writing"), unit="region"):
        region = existing.get(entry.code)
        if region is not None and _same(region, entry):
            report.unchanged += 1
            continue
        if report.dry_run:
            if region is None:
                report.created += 1
            else:
                report.updated += 1
            continue
        before = snapshot(region) if region is not None else None
        if region is None:
            region = Region(code=entry.code, level=entry.level)
        region.name = entry.name
        region.community_type = entry.community_type or ""
        region.boundary = entry.boundary
        region.parent = saved.get(entry.parent_code) if entry.parent_code else None
        try:
            region.full_clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                report.problems.extend(Problem(entry.place, name, m) for m in messages)
            continue
        region.save()
        saved[entry.code] = region
        if before is None:
            report.created += 1
            record(actor=actor, action="regions.region.create", obj=region, changes=diff(region, None), reason=reason)
        else:
            report.updated += 1
            record(actor=actor, action="regions.region.update", obj=region, changes=diff(region, before),
                   reason=reason)
    if not report.dry_run and (report.created or report.updated) and not report.problems:
        record(actor=actor, action="regions.import", object_type="regions.import", object_repr=filename[:200],
               changes={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
               reason=reason)


def import_file(path: str | Path, **kwargs) -> ImportReport:
    path = Path(path)
    return import_regions(path.read_bytes(), filename=path.name, **kwargs)
