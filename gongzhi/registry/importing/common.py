"""What every sheet of a registry import shares: the report, the context of the check, lookups in chunks."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can
from gongzhi.core import tabular
from gongzhi.core.scoping import scope_of, scope_queryset
from gongzhi.core.tabular import cell_text
from gongzhi.regions.models import Level, Region

from ..models import CareTag, Dwelling
from ..spreadsheets import IMPORT_ORDER, SHEETS, SheetData


CHUNK = 900  # stays under every database's limit of query parameters
RowError = tabular.Problem


@dataclass
class ImportReport(tabular.ProblemReport):
    filename: str
    dry_run: bool
    problems: tabular.Problems = field(default_factory=tabular.Problems)
    rows: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()))

    def counts(self) -> dict:
        return {kind: {"rows": self.rows[kind], "created": self.created[kind], "updated": self.updated[kind],
                       "unchanged": self.unchanged[kind]} for kind in IMPORT_ORDER if self.rows[kind]}


class Errors:
    """Adds a problem of a sheet by column key; the report names the column as the file wrote it."""

    def __init__(self, report: ImportReport):
        self.report = report

    def add(self, sheet: SheetData | str, row: int, column_key: str, message) -> None:
        if isinstance(sheet, SheetData):
            self.report.problems.add(row, sheet.column(column_key), message, sheet=sheet.title)
        else:
            self.report.problems.add(row, column_key, message, sheet=sheet)


# --- parsed rows --------------------------------------------------------------------


@dataclass
class DwellingRow:
    row: int
    external_id: str
    grid: Region
    compound: str
    building: str
    entrance: str
    room: str
    floor: int | None
    street_address: str
    floor_area: Decimal | None
    use: str
    note: str
    exclusive_area: Decimal | None = None


@dataclass(slots=True)
class PersonRow:
    row: int
    external_id: str
    name: str
    name_pinyin: str
    name_initials: str
    id_type: str
    id_number: str
    id_index: str
    gender: str
    birth_date: dt.date | None
    phone: str
    phone_index: str
    residence_type: str
    dwelling_key: str
    dwelling_role: str
    grid: Region | None
    tags: list[CareTag] | tuple
    note: str
    existing_pk: int | None = None


@dataclass
class MemberRow:
    row: int
    household: str
    dwelling_key: str
    person_key: tuple[str, str]  # ("index", blind index) or ("external", external id)
    relation: str


class Context:
    """What every sheet's checks need: the actor's grids, tags, and what is already registered."""

    def __init__(self, actor):
        self.actor = actor
        self.scope = scope_of(actor)
        self.grids = {g.code: g for g in scope_queryset(Region.objects.filter(level=Level.GRID), actor)}
        self.tags = {}
        for tag in CareTag.objects.filter(is_active=True):
            self.tags[tag.code.lower()] = tag
            self.tags[tag.name] = tag
        self.may_see_sensitive = can(actor, "registry.view_sensitive")
        self.file_dwellings: dict[str, DwellingRow] = {}
        self.db_dwellings: dict[str, tuple[int, int, str]] = {}  # external id -> (pk, grid pk, grid code)
        self.file_persons: list[PersonRow] = []


def text_reader(sheet: SheetData, errors: Errors):
    """``texts(number, values)``: the row's cells as text, and the keys of unreadable cells (reported)."""
    strict = {c.key for c in SHEETS[sheet.kind].columns if not c.numeric_allowed}

    def texts(number: int, values: dict) -> tuple[dict[str, str], set[str]]:
        text, bad = {}, set()
        for key, value in values.items():
            try:  # refuses text against gongzhi.core.text too (NUL, control characters, invisible only)
                text[key] = cell_text(value, numeric_allowed=key not in strict)
            except ValueError as exc:
                errors.add(sheet, number, key, exc)
                text[key] = ""
                bad.add(key)
        return text, bad

    return texts


def ticking(rows, tick, every: int = 500):
    """The rows of a sheet, advancing the progress bar every ``every`` rows (not once a row)."""
    pending = 0
    for item in rows:
        yield item
        pending += 1
        if pending == every:
            tick(pending)
            pending = 0
    tick(pending)


def choice(text, labels, sheet, number, key, errors, default=""):
    if not text:
        return default
    if text in labels:
        return labels[text]
    if text in set(labels.values()):
        return text
    errors.add(sheet, number, key, _("“%(value)s” is not one of: %(allowed)s.") % {
        "value": text[:20], "allowed": " / ".join(dict.fromkeys(labels))})
    return default


def grid_in_area(text, ctx, sheet, number, errors) -> Region | None:
    grid = ctx.grids.get(text)
    if grid is None:
        errors.add(sheet, number, "grid", _("There is no grid %(code)s in your area.") % {"code": text[:20]})
    return grid


def objects_in_chunks(queryset, field: str, values) -> list:
    found = []
    for start in range(0, len(values), CHUNK):
        found.extend(queryset.filter(**{f"{field}__in": values[start:start + CHUNK]}))
    return found


def existing_in_chunks(model, field: str, values) -> dict:
    """{value of ``field``: (pk, grid code)} of the registered rows with the given values.

    One plain statement per chunk (building 100,000 ``IN`` parameters through
    the ORM's lookups cost more than the lookups themselves). The natural keys
    are unique only where not empty (partial unique indexes); repeating that
    condition lets SQLite and PostgreSQL use those indexes. Every model looked
    up here is placed by its ``grid``; callers check the area in Python.
    """
    assert model.scoping.region == "grid__code", model
    values = sorted({v for v in values if v})
    if not values:
        return {}
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(field).column)
    base = (f"SELECT t.{column}, t.{quote(model._meta.pk.column)}, r.{quote(Region._meta.get_field('code').column)} "
            f"FROM {quote(model._meta.db_table)} t JOIN {quote(Region._meta.db_table)} r "
            f"ON r.{quote(Region._meta.pk.column)} = t.{quote(model._meta.get_field('grid').column)} "
            f"WHERE t.{column} <> '' AND t.{column} IN ")
    found = {}
    with connection.cursor() as cursor:
        for start in range(0, len(values), CHUNK):
            chunk = values[start:start + CHUNK]
            cursor.execute(base + "(" + ", ".join(["%s"] * len(chunk)) + ")", chunk)
            for value, pk, code in cursor.fetchall():
                found[value] = (pk, code)
    return found



def covers(ctx: Context, code: str) -> bool:
    return ctx.scope.covers_code(code)

def lookup_db_dwellings(keys, ctx: Context) -> None:
    """Remember the registered dwellings in the actor's area that the file refers to."""
    wanted = sorted({k for k in keys if k and k not in ctx.file_dwellings and k not in ctx.db_dwellings})
    for key, (pk, code) in existing_in_chunks(Dwelling, "external_id", wanted).items():
        if covers(ctx, code) and code in ctx.grids:
            ctx.db_dwellings[key] = (pk, ctx.grids[code].pk, code)


def resolve_dwellings_of(rows, sheet, ctx: Context, errors: Errors) -> None:
    lookup_db_dwellings([r.dwelling_key for r in rows], ctx)
    for row in rows:
        if not row.dwelling_key:
            continue
        if row.dwelling_key in ctx.file_dwellings:
            grid = ctx.file_dwellings[row.dwelling_key].grid
        elif row.dwelling_key in ctx.db_dwellings:
            grid = ctx.grids.get(ctx.db_dwellings[row.dwelling_key][2])
        else:
            errors.add(sheet, row.row, "dwelling", _("Dwelling %(key)s is neither in the file nor registered in "
                                                     "your area.") % {"key": row.dwelling_key[:30]})
            continue
        if row.grid is not None and grid is not None and row.grid != grid:
            errors.add(sheet, row.row, "grid", _("The grid differs from the grid of the dwelling."))
        row.grid = grid


def field_names(model, attnames) -> list[str]:
    by_attname = {f.attname: f.name for f in model._meta.concrete_fields}
    return [by_attname[a] for a in attnames]


def match_existing(rows, sheet, ctx: Context, errors: Errors, *, model, key_field: str, key_of, key_column: str,
                   two_records: str, elsewhere: str) -> None:
    """Set ``row.existing_pk`` where a row names a registered record, by external id or natural key.

    The natural key is ``key_field`` of ``model`` (a person's ID-number blind index, an
    organisation's credit code), ``key_of(row)`` its value in the row. A row whose two keys name
    two records, or that names a record outside the importer's area, is reported instead.
    """
    by_key = existing_in_chunks(model, key_field, [key_of(r) for r in rows])
    by_external = existing_in_chunks(model, "external_id", [r.external_id for r in rows])
    for row in rows:
        match_ext = by_external.get(row.external_id) if row.external_id else None
        match_key = by_key.get(key_of(row)) if key_of(row) else None
        if match_ext and match_key and match_ext[0] != match_key[0]:
            errors.add(sheet, row.row, "external_id", two_records)
            continue
        match = match_ext or match_key
        if match is None:
            continue
        if not covers(ctx, match[1]):
            errors.add(sheet, row.row, key_column if match_key else "external_id", elsewhere)
            continue
        row.existing_pk = match[0]
