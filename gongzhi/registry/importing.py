"""Import of dwellings, persons, households and organisations from XLSX or CSV: all or nothing, idempotent.

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

import datetime as dt
import gc
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can, require
from gongzhi.audit.services import record
from gongzhi.core import crypto
from gongzhi.core.ids import normalize_credit_code, parse_id_number, validate_credit_code
from gongzhi.core.maintenance import BULK_ROWS, refresh_statistics
from gongzhi.core.scoping import scope_of, scope_queryset
from gongzhi.core.text import problem as text_problem
from gongzhi.regions.models import Level, Region

from .models import (
    Building,
    CareTag,
    Compound,
    Dwelling,
    Entrance,
    Household,
    HouseholdMember,
    IdType,
    Organisation,
    Person,
    PersonCareTag,
    Relation,
    Residence,
    ResidenceType,
    Sensitivity,
)
from .bulk import insert_tuples, large_cache
from .names import name_pinyin
from .spreadsheets import (
    GENDER_LABELS,
    ID_TYPE_LABELS,
    IMPORT_ORDER,
    ORGANISATION_KIND_LABELS,
    RELATION_LABELS,
    RESIDENCE_LABELS,
    ROLE_LABELS,
    SHEETS,
    USE_LABELS,
    FormatError,
    SheetData,
    cell_text,
    read_file,
)

CHUNK = 900  # stays under every database's limit of query parameters
Progress = Callable[[str, int], Callable[[int], None]]


def _no_progress(phase: str, total: int) -> Callable[[int], None]:
    return lambda n: None


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self):
        if self.row:
            return _("Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s") % {
                "sheet": self.sheet, "row": self.row, "column": self.column or "—", "message": self.message}
        return _("Sheet %(sheet)s: %(message)s") % {"sheet": self.sheet, "message": self.message}


@dataclass
class ImportReport:
    filename: str
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    rows: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()))

    def counts(self) -> dict:
        return {kind: {"rows": self.rows[kind], "created": self.created[kind], "updated": self.updated[kind],
                       "unchanged": self.unchanged[kind]} for kind in IMPORT_ORDER if self.rows[kind]}


class _Errors:
    """Collects row errors up to a limit (a wrong file could produce millions)."""

    def __init__(self, report: ImportReport, limit: int):
        self.report, self.limit = report, limit

    def add(self, sheet: SheetData | str, row: int, column_key: str, message) -> None:
        if len(self.report.errors) >= self.limit:
            self.report.truncated = True
            return
        if isinstance(sheet, SheetData):
            title, column = sheet.title, sheet.headers.get(column_key, column_key)
        else:
            title = sheet
            column = column_key
        self.report.errors.append(RowError(title, row, column, str(message)))


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


class _Context:
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


def _text_reader(sheet: SheetData, errors: _Errors):
    """``texts(number, values)``: the row's cells as text, and the keys of unreadable cells (reported)."""
    strict = {c.key for c in SHEETS[sheet.kind].columns if not c.numeric_allowed}

    def texts(number: int, values: dict) -> tuple[dict[str, str], set[str]]:
        text, bad = {}, set()
        for key, value in values.items():
            if type(value) is str:  # every CSV cell, most XLSX cells
                if refused := text_problem(value):  # gongzhi.core.text: NUL, control characters, invisible only
                    errors.add(sheet, number, key, refused)
                    text[key] = ""
                    bad.add(key)
                    continue
                text[key] = value.strip()
                continue
            try:
                text[key] = cell_text(value, numeric_allowed=key not in strict)
            except ValueError as exc:
                errors.add(sheet, number, key, exc)
                text[key] = ""
                bad.add(key)
        return text, bad

    return texts


def _ticking(rows, tick, every: int = 500):
    """The rows of a sheet, advancing the progress bar every ``every`` rows (not once a row)."""
    pending = 0
    for item in rows:
        yield item
        pending += 1
        if pending == every:
            tick(pending)
            pending = 0
    tick(pending)


def _choice(text, labels, sheet, number, key, errors, default=""):
    if not text:
        return default
    if text in labels:
        return labels[text]
    if text in set(labels.values()):
        return text
    errors.add(sheet, number, key, _("“%(value)s” is not one of: %(allowed)s.") % {
        "value": text[:20], "allowed": " / ".join(dict.fromkeys(labels))})
    return default


def _grid(text, ctx, sheet, number, errors) -> Region | None:
    grid = ctx.grids.get(text)
    if grid is None:
        errors.add(sheet, number, "grid", _("There is no grid %(code)s in your area.") % {"code": text[:20]})
    return grid


def _objects_in_chunks(queryset, field: str, values) -> list:
    found = []
    for start in range(0, len(values), CHUNK):
        found.extend(queryset.filter(**{f"{field}__in": values[start:start + CHUNK]}))
    return found


def _existing_in_chunks(model, field: str, values) -> dict:
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


# --- checking ------------------------------------------------------------------------


def _check_dwellings(sheet: SheetData, ctx: _Context, errors: _Errors, tick) -> list[DwellingRow]:
    parsed: list[DwellingRow] = []
    seen: dict[str, int] = {}
    texts = _text_reader(sheet, errors)
    for number, values in _ticking(sheet.rows, tick):
        text, _unreadable = texts(number, values)
        external_id = text.get("external_id", "")
        if not external_id:
            errors.add(sheet, number, "external_id", _("The dwelling number is required."))
        elif external_id in seen:
            errors.add(sheet, number, "external_id", _("The same dwelling number is already on row %(row)d.")
                       % {"row": seen[external_id]})
        seen.setdefault(external_id, number)
        grid = _grid(text.get("grid", ""), ctx, sheet, number, errors) if text.get("grid") else None
        if not text.get("grid"):
            errors.add(sheet, number, "grid", _("The grid code is required."))
        floor = None
        if text.get("floor"):
            try:
                floor = int(text["floor"])
            except ValueError:
                errors.add(sheet, number, "floor", _("The floor is a whole number."))
        area = None
        if text.get("floor_area"):
            try:
                area = Decimal(text["floor_area"])
                if area < 0 or area >= Decimal("10000000") or area.as_tuple().exponent < -2:
                    raise InvalidOperation
            except InvalidOperation:
                errors.add(sheet, number, "floor_area", _("The floor area is a number of square metres with at "
                                                          "most two decimals."))
                area = None
        if not text.get("compound") and not text.get("street_address"):
            errors.add(sheet, number, "street_address", _("Give the compound or a street address."))
        if text.get("entrance") and not text.get("building"):
            errors.add(sheet, number, "building", _("An entrance needs its building."))
        if text.get("building") and not text.get("compound"):
            errors.add(sheet, number, "compound", _("A building needs its compound."))
        use = _choice(text.get("use", ""), USE_LABELS, sheet, number, "use", errors, Dwelling.Use.OWNER_OCCUPIED)
        if grid is not None and external_id:
            row = DwellingRow(number, external_id, grid, text.get("compound", "")[:100], text.get("building", "")[:20],
                              text.get("entrance", "")[:20], text.get("room", "")[:20], floor,
                              text.get("street_address", "")[:200], area, use, text.get("note", ""))
            parsed.append(row)
            ctx.file_dwellings[external_id] = row
    existing = _existing_in_chunks(Dwelling, "external_id", [r.external_id for r in parsed])
    for row in parsed:
        if row.external_id in existing and not _covers(ctx, existing[row.external_id][1]):
            errors.add(sheet, row.row, "external_id", _("This dwelling number belongs to a dwelling outside your "
                                                        "area."))
    return parsed


def _covers(ctx: _Context, code: str) -> bool:
    return ctx.scope.covers_code(code)


def _check_persons(sheet: SheetData, ctx: _Context, errors: _Errors, tick) -> list[PersonRow]:
    """Check every person row and compute what is stored with it, in one pass.

    Each row is read, validated and turned into everything the write needs
    (normalised numbers, both blind indexes, pinyin), so that writing is only
    building tuples. This is the bulk of a large import: the work per row is
    kept to lookups in dictionaries prepared once.
    """
    parsed: list[PersonRow] = []
    by_index: dict[str, int] = {}
    by_external: dict[str, int] = {}
    today = timezone.localdate()
    id_index_of = crypto.indexer("id_number", normalized=True)
    phone_index_of = crypto.indexer("phone", normalized=True)
    normalize_id, normalize_phone = crypto.normalize_id, crypto.normalize_phone
    texts, add = _text_reader(sheet, errors), errors.add
    resident_id, registered = IdType.RESIDENT_ID, ResidenceType.REGISTERED
    for number, values in _ticking(sheet.rows, tick):
        text, unreadable = texts(number, values)
        get = text.get
        name = get("name", "")
        if not name:
            add(sheet, number, "name", _("The name is required."))
        elif len(name) > 50:
            add(sheet, number, "name", _("The name is longer than 50 characters."))
        value = get("id_type", "")
        id_type = (ID_TYPE_LABELS.get(value) or _choice(value, ID_TYPE_LABELS, sheet, number, "id_type", errors,
                                                       resident_id)) if value else resident_id
        id_number = normalize_id(get("id_number", ""))
        value = get("gender", "")
        gender = (GENDER_LABELS.get(value) or _choice(value, GENDER_LABELS, sheet, number, "gender", errors)
                  ) if value else ""
        birth_date = None
        value = get("birth_date", "")
        if value:
            try:
                birth_date = dt.date.fromisoformat(value.replace("/", "-")[:10])
            except ValueError:
                add(sheet, number, "birth_date", _("The birth date is written YYYY-MM-DD."))
        if id_number and id_type == resident_id:
            try:
                info = parse_id_number(id_number, today=today)
            except ValidationError as exc:
                add(sheet, number, "id_number", exc.messages[0])
            else:
                if gender and gender != info.gender:
                    add(sheet, number, "gender", _("The gender does not match the ID number."))
                if birth_date and birth_date != info.birth_date:
                    add(sheet, number, "birth_date", _("The birth date does not match the ID number."))
                gender, birth_date = info.gender, info.birth_date
        elif id_number and len(id_number) > 40:
            add(sheet, number, "id_number", _("The document number is longer than 40 characters."))
        external_id = get("external_id", "")[:64]
        if not id_number and not external_id and "id_number" not in unreadable:
            add(sheet, number, "id_number", _("Give the ID number or the person number."))
        id_index = id_index_of(id_number) if id_number else ""
        if id_index:
            first = by_index.setdefault(id_index, number)
            if first != number:
                add(sheet, number, "id_number", _("The same ID number is already on row %(row)d.") % {"row": first})
        if external_id:
            first = by_external.setdefault(external_id, number)
            if first != number:
                add(sheet, number, "external_id", _("The same person number is already on row %(row)d.")
                    % {"row": first})
        phone = normalize_phone(get("phone", ""))
        if phone and not 7 <= len(phone) <= 12:
            add(sheet, number, "phone", _("A phone number has 7 to 12 digits."))
        value = get("residence_type", "")
        residence_type = (RESIDENCE_LABELS.get(value) or _choice(value, RESIDENCE_LABELS, sheet, number,
                                                                "residence_type", errors, registered)
                          ) if value else registered
        dwelling_key = get("dwelling", "")
        value = get("dwelling_role", "")
        role = (ROLE_LABELS.get(value) or _choice(value, ROLE_LABELS, sheet, number, "dwelling_role", errors)
                ) if value else ""
        if dwelling_key and not role:
            add(sheet, number, "dwelling_role", _("Say whether the person owns, rents or is family there."))
        grid = None
        value = get("grid", "")
        if value:
            grid = ctx.grids.get(value) or _grid(value, ctx, sheet, number, errors)
        elif not dwelling_key:
            add(sheet, number, "grid", _("Give the dwelling number or the grid code."))
        value = get("care_tags", "")
        tags = _care_tags(value, ctx, sheet, number, errors) if value else ()
        name = name[:50]
        pinyin, initials = name_pinyin(name)
        parsed.append(PersonRow(number, external_id, name, pinyin, initials, id_type, id_number, id_index, gender,
                                birth_date, phone, phone_index_of(phone) if phone else "", residence_type,
                                dwelling_key, role if dwelling_key else "", grid, tags, get("note", "")))
    _resolve_dwellings_of(parsed, sheet, ctx, errors)
    _match_existing_persons(parsed, sheet, ctx, errors)
    ctx.file_persons = parsed
    return parsed


_TAG_SEPARATORS = re.compile(r"[、,，;；]\s*")


def _care_tags(value: str, ctx: _Context, sheet, number: int, errors: _Errors) -> list[CareTag]:
    tags = []
    for item in _TAG_SEPARATORS.split(value):
        item = item.strip()
        if not item:
            continue
        tag = ctx.tags.get(item) or ctx.tags.get(item.lower())
        if tag is None or (tag.sensitivity == Sensitivity.HIGH and not ctx.may_see_sensitive):
            errors.add(sheet, number, "care_tags", _("There is no care tag “%(tag)s”.") % {"tag": item[:20]})
        elif tag not in tags:
            tags.append(tag)
    return tags


def _lookup_db_dwellings(keys, ctx: _Context) -> None:
    """Remember the registered dwellings in the actor's area that the file refers to."""
    wanted = sorted({k for k in keys if k and k not in ctx.file_dwellings and k not in ctx.db_dwellings})
    for key, (pk, code) in _existing_in_chunks(Dwelling, "external_id", wanted).items():
        if _covers(ctx, code) and code in ctx.grids:
            ctx.db_dwellings[key] = (pk, ctx.grids[code].pk, code)


def _resolve_dwellings_of(rows, sheet, ctx: _Context, errors: _Errors) -> None:
    _lookup_db_dwellings([r.dwelling_key for r in rows], ctx)
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


def _match_existing_persons(rows, sheet, ctx: _Context, errors: _Errors) -> None:
    by_index = _existing_in_chunks(Person, "id_number_index", [r.id_index for r in rows])
    by_external = _existing_in_chunks(Person, "external_id", [r.external_id for r in rows])
    for row in rows:
        match_ext = by_external.get(row.external_id) if row.external_id else None
        match_idx = by_index.get(row.id_index) if row.id_index else None
        if match_ext and match_idx and match_ext[0] != match_idx[0]:
            errors.add(sheet, row.row, "external_id", _("The person number and the ID number belong to two "
                                                        "different registered persons."))
            continue
        match = match_ext or match_idx
        if match is None:
            continue
        if not _covers(ctx, match[1]):
            errors.add(sheet, row.row, "id_number" if match_idx else "external_id",
                       _("This person is registered in another area; that area must move them out first."))
            continue
        row.existing_pk = match[0]


def _check_households(sheet: SheetData, ctx: _Context, errors: _Errors, tick) -> list[MemberRow]:
    rows: list[MemberRow] = []
    texts = _text_reader(sheet, errors)
    index_of = crypto.indexer("id_number", normalized=True)
    for number, values in _ticking(sheet.rows, tick):
        text, unreadable = texts(number, values)
        household = text.get("external_id", "")[:64]
        if not household:
            errors.add(sheet, number, "external_id", _("The household number is required."))
        relation = _choice(text.get("relation", ""), RELATION_LABELS, sheet, number, "relation", errors)
        if not text.get("relation"):
            errors.add(sheet, number, "relation", _("The relation to the head of household is required."))
        id_number = crypto.normalize_id(text.get("id_number", ""))
        if id_number:
            key = ("index", index_of(id_number))
        elif text.get("person"):
            key = ("external", text["person"])
        else:
            if "id_number" not in unreadable:
                errors.add(sheet, number, "id_number", _("Give the member's ID number or person number."))
            continue
        if household and relation:
            rows.append(MemberRow(number, household, text.get("dwelling", ""), key, relation))
    # Persons referred to must be in the file or registered in the importer's area.
    in_file = {("index", p.id_index) for p in ctx.file_persons if p.id_index}
    in_file |= {("external", p.external_id) for p in ctx.file_persons if p.external_id}
    known_index, known_external = (
        {value for value, (_pk, code) in _existing_in_chunks(
            Person, field_name, [r.person_key[1] for r in rows if r.person_key[0] == kind]).items()
         if _covers(ctx, code)}
        for kind, field_name in (("index", "id_number_index"), ("external", "external_id")))
    seen_person: dict[tuple, int] = {}
    groups: dict[str, list[MemberRow]] = defaultdict(list)
    for row in rows:
        kind, value = row.person_key
        if row.person_key not in in_file and value not in (known_index if kind == "index" else known_external):
            errors.add(sheet, row.row, "id_number" if kind == "index" else "person",
                       _("This member is neither in the persons sheet nor registered in your area."))
        if row.person_key in seen_person:
            errors.add(sheet, row.row, "id_number" if kind == "index" else "person",
                       _("The same person is already on row %(row)d.") % {"row": seen_person[row.person_key]})
        seen_person.setdefault(row.person_key, row.row)
        groups[row.household].append(row)
    for household, members in groups.items():
        heads = [m for m in members if m.relation == Relation.HEAD]
        if len(heads) != 1:
            errors.add(sheet, members[0].row, "relation", _("Household %(household)s must have exactly one head "
                                                            "(户主); it has %(n)d.") % {"household": household[:30],
                                                                                       "n": len(heads)})
        dwellings = {m.dwelling_key for m in members if m.dwelling_key}
        if len(dwellings) > 1:
            errors.add(sheet, members[0].row, "dwelling", _("The rows of household %(household)s name different "
                                                            "dwellings.") % {"household": household[:30]})
        _lookup_db_dwellings(dwellings, ctx)
        for key in dwellings:
            if key not in ctx.file_dwellings and key not in ctx.db_dwellings:
                errors.add(sheet, members[0].row, "dwelling", _("Dwelling %(key)s is neither in the file nor "
                                                                "registered in your area.") % {"key": key[:30]})
    existing = _existing_in_chunks(Household, "external_id", list(groups))
    for household, (pk, code) in existing.items():
        if not _covers(ctx, code):
            errors.add(sheet, groups[household][0].row, "external_id",
                       _("This household number belongs to a household outside your area."))
    return rows


# --- writing -------------------------------------------------------------------------


def _write_dwellings(rows: list[DwellingRow], report: ImportReport, tick) -> dict[str, Dwelling]:
    """Create or update dwellings (and the compounds, buildings, entrances they name)."""
    grids = {r.grid.pk: r.grid for r in rows}
    compounds = {(c.grid_id, c.name): c for c in Compound.objects.filter(grid_id__in=list(grids))}
    for row in rows:
        if row.compound and (row.grid.pk, row.compound) not in compounds:
            compounds[(row.grid.pk, row.compound)] = Compound.objects.create(name=row.compound, grid=row.grid)
    buildings = {(b.compound_id, b.number): b for b in
                 Building.objects.filter(compound__in=[c for c in compounds.values()])}
    entrances = {(e.building_id, e.number): e for e in Entrance.objects.filter(building__in=list(buildings.values()))}
    existing = {d.external_id: d for d in _objects_in_chunks(Dwelling.objects.all(), "external_id",
                                                             [r.external_id for r in rows])}
    result, new, changed = {}, [], []
    fields = ["grid_id", "compound_id", "building_id", "entrance_id", "room", "floor", "street_address",
              "floor_area", "use", "note", "address_text"]
    for row in rows:
        tick(1)
        compound = compounds.get((row.grid.pk, row.compound)) if row.compound else None
        building = entrance = None
        if row.building and compound is not None:
            building = buildings.get((compound.pk, row.building))
            if building is None:
                building = buildings[(compound.pk, row.building)] = Building.objects.create(
                    compound=compound, number=row.building, grid=row.grid)
        if row.entrance and building is not None:
            entrance = entrances.get((building.pk, row.entrance))
            if entrance is None:
                entrance = entrances[(building.pk, row.entrance)] = Entrance.objects.create(
                    building=building, number=row.entrance)
        dwelling = existing.get(row.external_id) or Dwelling(external_id=row.external_id)
        before = [getattr(dwelling, f) for f in fields] if dwelling.pk else None
        dwelling.grid, dwelling.compound, dwelling.building, dwelling.entrance = row.grid, compound, building, entrance
        dwelling.room, dwelling.floor, dwelling.street_address = row.room, row.floor, row.street_address
        dwelling.floor_area, dwelling.use, dwelling.note = row.floor_area, row.use, row.note
        dwelling.refresh_address_text()
        if dwelling.pk is None:
            new.append(dwelling)
        elif [getattr(dwelling, f) for f in fields] != before:
            changed.append(dwelling)
        else:
            report.unchanged["dwellings"] += 1
        result[row.external_id] = dwelling
    Dwelling.objects.bulk_create(new, batch_size=500)
    Dwelling.objects.bulk_update(changed, _field_names(Dwelling, fields), batch_size=500)
    report.created["dwellings"] += len(new)
    report.updated["dwellings"] += len(changed)
    return result


_PERSON_FIELDS = ("name", "name_pinyin", "name_initials", "id_type", "id_number", "id_number_index", "gender",
                  "birth_date", "phone", "phone_index", "residence_type", "grid_id", "dwelling_id", "dwelling_role",
                  "external_id", "note")


def _write_persons(rows: list[PersonRow], dwellings: dict[str, Dwelling], ctx: _Context, report: ImportReport,
                   tick) -> dict[tuple[str, str], int]:
    """Create or update persons, their current residence and care tags; {person key: pk} of those it knows.

    New persons go in as plain tuples with :func:`gongzhi.registry.bulk.insert_tuples`
    (the bulk of an import; every value was computed while checking); existing
    ones are compared value by value and updated only when something differs.
    The returned keys cover the updated persons and the new ones with a
    residence or care tags; households look up the others.
    """
    db_dwellings = {key: value[0] for key, value in ctx.db_dwellings.items()}
    file_dwellings = {key: dwelling.pk for key, dwelling in dwellings.items()}
    existing = {p.pk: p for p in _objects_in_chunks(Person.objects.all(), "pk",
                                                    [r.existing_pk for r in rows if r.existing_pk])}
    today = timezone.localdate()
    new_rows: list[tuple] = []
    linked: list[tuple[PersonRow, int | None]] = []  # new rows that need their primary key afterwards
    changed, moves = [], []
    for row in rows:
        key = row.dwelling_key
        dwelling_id = (file_dwellings.get(key) or db_dwellings.get(key)) if key else None
        person = existing.get(row.existing_pk) if row.existing_pk else None
        values = (row.name, row.name_pinyin, row.name_initials, row.id_type, row.id_number, row.id_index, row.gender,
                  row.birth_date, row.phone, row.phone_index, row.residence_type, row.grid.pk, dwelling_id,
                  row.dwelling_role, row.external_id or (person.external_id if person else ""), row.note)
        if person is None:
            new_rows.append(values)
            if dwelling_id or row.tags:
                linked.append((row, dwelling_id))
            continue
        differs = [name for name, value in zip(_PERSON_FIELDS, values, strict=True) if getattr(person, name) != value]
        if not differs:
            report.unchanged["persons"] += 1
            continue
        if "dwelling_id" in differs or "dwelling_role" in differs:
            moves.append(person)
        for name, value in zip(_PERSON_FIELDS, values, strict=True):
            setattr(person, name, value)
        changed.append(person)
    tick(len(rows) - len(new_rows))  # the new rows advance the bar as they are inserted
    insert_tuples(Person, _PERSON_FIELDS, new_rows, progress=tick)
    Person.objects.bulk_update(changed, _field_names(Person, _PERSON_FIELDS), batch_size=500)
    report.created["persons"] += len(new_rows)
    report.updated["persons"] += len(changed)

    # Primary keys of the updated persons and of the new ones that need theirs here.
    keys: dict[tuple[str, str], int] = {}
    for person in existing.values():
        if person.id_number_index:
            keys[("index", person.id_number_index)] = person.pk
        if person.external_id:
            keys[("external", person.external_id)] = person.pk
    for index, (pk, _code) in _existing_in_chunks(Person, "id_number_index",
                                                   [row.id_index for row, _d in linked if row.id_index]).items():
        keys[("index", index)] = pk
    for external_id, (pk, _code) in _existing_in_chunks(Person, "external_id",
                                                         [row.external_id for row, _d in linked
                                                          if not row.id_index]).items():
        keys[("external", external_id)] = pk

    def pk_of(row: PersonRow) -> int:
        return keys[("index", row.id_index)] if row.id_index else keys[("external", row.external_id)]

    # Residence history: close what changed, open what is new.
    moved_ids = [p.pk for p in moves]
    for start in range(0, len(moved_ids), CHUNK):
        Residence.objects.filter(person_id__in=moved_ids[start:start + CHUNK], end_date__isnull=True).exclude(
            start_date__gt=today).update(end_date=today)
    Residence.objects.bulk_create(
        [Residence(person_id=p.pk, dwelling_id=p.dwelling_id, role=p.dwelling_role, start_date=today)
         for p in moves if p.dwelling_id], batch_size=1000, ignore_conflicts=True)
    insert_tuples(Residence, ("person_id", "dwelling_id", "role", "start_date"),
                  ((pk_of(row), dwelling_id, row.dwelling_role, today) for row, dwelling_id in linked if dwelling_id))

    # Care tags are added, never removed, by an import.
    tagged = [r.existing_pk for r in rows if r.tags and r.existing_pk]
    have = {(link.person_id, link.tag_id)
            for link in _objects_in_chunks(PersonCareTag.objects.only("person_id", "tag_id"), "person_id", tagged)}
    added_by = _user(ctx.actor)
    added_by_id = added_by.pk if added_by else None
    links = [(r.existing_pk, tag.pk, today, added_by_id)
             for r in rows if r.existing_pk for tag in r.tags if (r.existing_pk, tag.pk) not in have]
    only_tagged = {link[0] for link in links} - {p.pk for p in changed}
    links += [(pk_of(row), tag.pk, today, added_by_id) for row, _d in linked for tag in row.tags]
    insert_tuples(PersonCareTag, ("person_id", "tag_id", "since", "added_by_id"), links)
    report.updated["persons"] += len(only_tagged)
    report.unchanged["persons"] -= len(only_tagged)
    return keys


def _field_names(model, attnames) -> list[str]:
    by_attname = {f.attname: f.name for f in model._meta.concrete_fields}
    return [by_attname[a] for a in attnames]


def _user(actor):
    return actor if hasattr(actor, "username") else None


def _write_households(rows: list[MemberRow], dwellings: dict[str, Dwelling], persons: dict, ctx: _Context,
                      report: ImportReport, tick) -> None:
    groups: dict[str, list[MemberRow]] = defaultdict(list)
    for row in rows:
        groups[row.household].append(row)
    # Resolve members not in the file.
    missing = [r.person_key for r in rows if r.person_key not in persons]
    for kind, field_name in (("index", "id_number_index"), ("external", "external_id")):
        values = [v for k, v in missing if k == kind]
        for value, (pk, _code) in _existing_in_chunks(Person, field_name, values).items():
            persons[(kind, value)] = pk
    existing = {h.external_id: h for h in _objects_in_chunks(Household.objects.all(), "external_id", list(groups))}
    heads = [persons[r.person_key] for r in rows if r.relation == Relation.HEAD]
    person_grid = {p.pk: p.grid_id for p in _objects_in_chunks(Person.objects.only("pk", "grid_id"), "pk", heads)}
    for household_key, members in groups.items():
        tick(len(members))
        head_pk = next(persons[m.person_key] for m in members if m.relation == Relation.HEAD)
        dwelling_key = next((m.dwelling_key for m in members if m.dwelling_key), "")
        dwelling = dwellings.get(dwelling_key)
        dwelling_id = dwelling.pk if dwelling is not None else ctx.db_dwellings.get(dwelling_key, (None,))[0]
        if dwelling is not None:
            grid_id = dwelling.grid_id
        elif dwelling_key in ctx.db_dwellings:
            grid_id = ctx.db_dwellings[dwelling_key][1]
        else:
            grid_id = person_grid[head_pk]
        household = existing.get(household_key)
        created = household is None
        if created:
            household = Household.objects.create(external_id=household_key, grid_id=grid_id, dwelling_id=dwelling_id,
                                                 head_id=head_pk)
        desired = {persons[m.person_key]: m.relation for m in members}
        current = dict(household.members.values_list("person_id", "relation"))
        household_changed = (household.grid_id, household.dwelling_id, household.head_id) != (grid_id, dwelling_id,
                                                                                              head_pk)
        if household_changed:
            household.grid_id, household.dwelling_id, household.head_id = grid_id, dwelling_id, head_pk
            household.save(update_fields=["grid", "dwelling", "head", "updated_at"])
        if current != desired:
            household.members.exclude(person_id__in=list(desired)).delete()
            HouseholdMember.objects.filter(person_id__in=list(desired)).exclude(household=household).delete()
            # Free the head slot before re-assigning relations.
            household.members.filter(relation=Relation.HEAD).exclude(person_id=head_pk).delete()
            for person_id, relation in desired.items():
                if current.get(person_id) != relation:
                    HouseholdMember.objects.update_or_create(person_id=person_id, defaults={
                        "household": household, "relation": relation})
        if created:
            report.created["households"] += 1
        elif household_changed or current != desired:
            report.updated["households"] += 1
        else:
            report.unchanged["households"] += 1


# --- organisations -------------------------------------------------------------------


@dataclass(slots=True)
class OrganisationRow:
    row: int
    external_id: str
    name: str
    kind: str
    credit_code: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    address: str
    longitude: float | None
    latitude: float | None
    dwelling_key: str
    grid: Region | None
    note: str
    existing_pk: int | None = None


_ORGANISATION_TEXT_LIMITS = (("legal_representative", 50), ("contact_name", 50), ("address", 200))


def _coordinates(text: dict, sheet, number: int, errors: _Errors) -> tuple[float | None, float | None]:
    result = []
    for key, limit in (("longitude", 180), ("latitude", 90)):
        value = None
        if text.get(key):
            try:
                value = float(text[key])
                if not -limit <= value <= limit:
                    raise ValueError
            except ValueError:
                errors.add(sheet, number, key, _("A coordinate is a number of degrees between -%(limit)d and "
                                                 "%(limit)d.") % {"limit": limit})
                value = None
        result.append(value)
    if bool(text.get("longitude")) != bool(text.get("latitude")):
        errors.add(sheet, number, "longitude", _("Give both longitude and latitude, or neither."))
    return result[0], result[1]


def _check_organisations(sheet: SheetData, ctx: _Context, errors: _Errors, tick) -> list[OrganisationRow]:
    parsed: list[OrganisationRow] = []
    by_code: dict[str, int] = {}
    by_external: dict[str, int] = {}
    texts = _text_reader(sheet, errors)
    for number, values in _ticking(sheet.rows, tick):
        text, unreadable = texts(number, values)
        get = text.get
        name = get("name", "")
        if not name:
            errors.add(sheet, number, "name", _("The name of the organisation is required."))
        elif len(name) > 200:
            errors.add(sheet, number, "name", _("The name is longer than 200 characters."))
        kind = _choice(get("kind", ""), ORGANISATION_KIND_LABELS, sheet, number, "kind", errors)
        if not get("kind"):
            errors.add(sheet, number, "kind", _("The kind of organisation is required."))
        credit_code = normalize_credit_code(get("credit_code", ""))
        if credit_code:
            try:
                validate_credit_code(credit_code)
            except ValidationError as exc:
                errors.add(sheet, number, "credit_code", exc.messages[0])
            first = by_code.setdefault(credit_code, number)
            if first != number:
                errors.add(sheet, number, "credit_code", _("The same credit code is already on row %(row)d.")
                           % {"row": first})
        external_id = get("external_id", "")[:64]
        if external_id:
            first = by_external.setdefault(external_id, number)
            if first != number:
                errors.add(sheet, number, "external_id", _("The same organisation number is already on row "
                                                           "%(row)d.") % {"row": first})
        if not credit_code and not external_id and "credit_code" not in unreadable:
            errors.add(sheet, number, "credit_code", _("Give the unified social credit code or the organisation "
                                                       "number."))
        for key, limit in _ORGANISATION_TEXT_LIMITS:
            if len(get(key, "")) > limit:
                errors.add(sheet, number, key, _("This cell is longer than %(n)d characters.") % {"n": limit})
        phone = crypto.normalize_phone(get("contact_phone", ""))
        if phone and not 7 <= len(phone) <= 12:
            errors.add(sheet, number, "contact_phone", _("A phone number has 7 to 12 digits."))
        longitude, latitude = _coordinates(text, sheet, number, errors)
        dwelling_key = get("dwelling", "")
        grid = None
        if get("grid"):
            grid = _grid(get("grid"), ctx, sheet, number, errors)
        elif not dwelling_key:
            errors.add(sheet, number, "grid", _("Give the dwelling number or the grid code."))
        parsed.append(OrganisationRow(number, external_id, name[:200], kind, credit_code,
                                      get("legal_representative", ""), get("contact_name", ""), phone,
                                      get("address", ""), longitude, latitude, dwelling_key, grid, get("note", "")))
    _resolve_dwellings_of(parsed, sheet, ctx, errors)
    _match_existing_organisations(parsed, sheet, ctx, errors)
    return parsed


def _match_existing_organisations(rows, sheet, ctx: _Context, errors: _Errors) -> None:
    by_code = _existing_in_chunks(Organisation, "credit_code", [r.credit_code for r in rows])
    by_external = _existing_in_chunks(Organisation, "external_id", [r.external_id for r in rows])
    for row in rows:
        match_ext = by_external.get(row.external_id) if row.external_id else None
        match_code = by_code.get(row.credit_code) if row.credit_code else None
        if match_ext and match_code and match_ext[0] != match_code[0]:
            errors.add(sheet, row.row, "external_id", _("The organisation number and the credit code belong to two "
                                                        "different registered organisations."))
            continue
        match = match_ext or match_code
        if match is None:
            continue
        if not _covers(ctx, match[1]):
            errors.add(sheet, row.row, "credit_code" if match_code else "external_id",
                       _("This organisation is registered in another area."))
            continue
        row.existing_pk = match[0]


_ORGANISATION_FIELDS = ("name", "kind", "credit_code", "legal_representative", "contact_name", "contact_phone",
                        "address", "longitude", "latitude", "grid_id", "dwelling_id", "external_id", "note")


def _write_organisations(rows: list[OrganisationRow], dwellings: dict[str, Dwelling], ctx: _Context,
                         report: ImportReport, tick) -> None:
    """Create or update organisations; a registered one is matched by its number or credit code.

    An identifier missing from the file (the number or the credit code) keeps
    its registered value; every other column is taken as the file gives it.
    """
    existing = {o.pk: o for o in _objects_in_chunks(Organisation.objects.all(), "pk",
                                                    [r.existing_pk for r in rows if r.existing_pk])}
    new, changed = [], []
    now = timezone.now()
    for row in _ticking(rows, tick):
        dwelling = dwellings.get(row.dwelling_key)
        dwelling_id = dwelling.pk if dwelling is not None else ctx.db_dwellings.get(row.dwelling_key, (None,))[0]
        organisation = existing.get(row.existing_pk) or Organisation()
        values = (row.name, row.kind, row.credit_code or organisation.credit_code, row.legal_representative,
                  row.contact_name, row.contact_phone, row.address, row.longitude, row.latitude, row.grid.pk,
                  dwelling_id, row.external_id or organisation.external_id, row.note)
        if organisation.pk is not None and all(getattr(organisation, name) == value
                                               for name, value in zip(_ORGANISATION_FIELDS, values, strict=True)):
            report.unchanged["organisations"] += 1
            continue
        for name, value in zip(_ORGANISATION_FIELDS, values, strict=True):
            setattr(organisation, name, value)
        organisation.updated_at = now
        (changed if organisation.pk is not None else new).append(organisation)
    Organisation.objects.bulk_create(new, batch_size=500)
    Organisation.objects.bulk_update(changed, [*_field_names(Organisation, _ORGANISATION_FIELDS), "updated_at"],
                                     batch_size=500)
    report.created["organisations"] += len(new)
    report.updated["organisations"] += len(changed)


# --- the entry point ---------------------------------------------------------------


def import_registry(*, actor, data: bytes, filename: str, dry_run: bool = False, kind: str | None = None,
                    progress: Progress = _no_progress, max_errors: int = 1000) -> ImportReport:
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
    report = ImportReport(filename=filename, dry_run=dry_run)
    errors = _Errors(report, max_errors)
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

    ctx = _Context(actor)
    parsed = {}
    checkers = {"dwellings": _check_dwellings, "persons": _check_persons, "households": _check_households,
                "organisations": _check_organisations}
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
                dwellings = _write_dwellings(parsed["dwellings"], report, tick)
            persons = {}
            if "persons" in parsed:
                tick = progress(_("Writing %(sheet)s") % {"sheet": by_kind["persons"].title}, len(parsed["persons"]))
                persons = _write_persons(parsed["persons"], dwellings, ctx, report, tick)
            if "households" in parsed:
                tick = progress(_("Writing %(sheet)s") % {"sheet": by_kind["households"].title},
                                len(parsed["households"]))
                _write_households(parsed["households"], dwellings, persons, ctx, report, tick)
            if "organisations" in parsed:
                tick = progress(_("Writing %(sheet)s") % {"sheet": by_kind["organisations"].title},
                                len(parsed["organisations"]))
                _write_organisations(parsed["organisations"], dwellings, ctx, report, tick)
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
