"""The 人员 sheet: persons, their residence in a dwelling and their care tags."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.core import crypto
from gongzhi.core.ids import parse_id_number

from ..bulk import insert_tuples
from ..models import CareTag, Dwelling, IdType, Person, PersonCareTag, Residence, ResidenceType, Sensitivity
from ..names import name_pinyin
from ..spreadsheets import GENDER_LABELS, ID_TYPE_LABELS, RESIDENCE_LABELS, ROLE_LABELS, SheetData
from .common import (
    CHUNK,
    Context,
    Errors,
    ImportReport,
    PersonRow,
    choice,
    existing_in_chunks,
    field_names,
    grid_in_area,
    match_existing,
    objects_in_chunks,
    resolve_dwellings_of,
    text_reader,
    ticking,
)


def check_persons(sheet: SheetData, ctx: Context, errors: Errors, tick) -> list[PersonRow]:
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
    texts, add = text_reader(sheet, errors), errors.add
    resident_id, registered = IdType.RESIDENT_ID, ResidenceType.REGISTERED
    for number, values in ticking(sheet.rows, tick):
        text, unreadable = texts(number, values)
        get = text.get
        name = get("name", "")
        if not name:
            add(sheet, number, "name", _("The name is required."))
        elif len(name) > 50:
            add(sheet, number, "name", _("The name is longer than 50 characters."))
        value = get("id_type", "")
        id_type = (ID_TYPE_LABELS.get(value) or choice(value, ID_TYPE_LABELS, sheet, number, "id_type", errors,
                                                       resident_id)) if value else resident_id
        id_number = normalize_id(get("id_number", ""))
        value = get("gender", "")
        gender = (GENDER_LABELS.get(value) or choice(value, GENDER_LABELS, sheet, number, "gender", errors)
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
        residence_type = (RESIDENCE_LABELS.get(value) or choice(value, RESIDENCE_LABELS, sheet, number,
                                                                "residence_type", errors, registered)
                          ) if value else registered
        dwelling_key = get("dwelling", "")
        value = get("dwelling_role", "")
        role = (ROLE_LABELS.get(value) or choice(value, ROLE_LABELS, sheet, number, "dwelling_role", errors)
                ) if value else ""
        if dwelling_key and not role:
            add(sheet, number, "dwelling_role", _("Say whether the person owns, rents or is family there."))
        grid = None
        value = get("grid", "")
        if value:
            grid = ctx.grids.get(value) or grid_in_area(value, ctx, sheet, number, errors)
        elif not dwelling_key:
            add(sheet, number, "grid", _("Give the dwelling number or the grid code."))
        value = get("care_tags", "")
        tags = _care_tags(value, ctx, sheet, number, errors) if value else ()
        name = name[:50]
        pinyin, initials = name_pinyin(name)
        parsed.append(PersonRow(number, external_id, name, pinyin, initials, id_type, id_number, id_index, gender,
                                birth_date, phone, phone_index_of(phone) if phone else "", residence_type,
                                dwelling_key, role if dwelling_key else "", grid, tags, get("note", "")))
    resolve_dwellings_of(parsed, sheet, ctx, errors)
    _match_existing_persons(parsed, sheet, ctx, errors)
    ctx.file_persons = parsed
    return parsed


_TAG_SEPARATORS = re.compile(r"[、,，;；]\s*")


def _care_tags(value: str, ctx: Context, sheet, number: int, errors: Errors) -> list[CareTag]:
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


def _match_existing_persons(rows, sheet, ctx: Context, errors: Errors) -> None:
    match_existing(rows, sheet, ctx, errors, model=Person, key_field="id_number_index", key_of=lambda r: r.id_index,
                   key_column="id_number",
                   two_records=_("The person number and the ID number belong to two different registered persons."),
                   elsewhere=_("This person is registered in another area; that area must move them out first."))


_PERSON_FIELDS = ("name", "name_pinyin", "name_initials", "id_type", "id_number", "id_number_index", "gender",
                  "birth_date", "phone", "phone_index", "residence_type", "grid_id", "dwelling_id", "dwelling_role",
                  "external_id", "note")


def write_persons(rows: list[PersonRow], dwellings: dict[str, Dwelling], ctx: Context, report: ImportReport,
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
    existing = {p.pk: p for p in objects_in_chunks(Person.objects.all(), "pk",
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
    Person.objects.bulk_update(changed, field_names(Person, _PERSON_FIELDS), batch_size=500)
    report.created["persons"] += len(new_rows)
    report.updated["persons"] += len(changed)

    # Primary keys of the updated persons and of the new ones that need theirs here.
    keys: dict[tuple[str, str], int] = {}
    for person in existing.values():
        if person.id_number_index:
            keys[("index", person.id_number_index)] = person.pk
        if person.external_id:
            keys[("external", person.external_id)] = person.pk
    for index, (pk, _code) in existing_in_chunks(Person, "id_number_index",
                                                   [row.id_index for row, _d in linked if row.id_index]).items():
        keys[("index", index)] = pk
    for external_id, (pk, _code) in existing_in_chunks(Person, "external_id",
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
            for link in objects_in_chunks(PersonCareTag.objects.only("person_id", "tag_id"), "person_id", tagged)}
    added_by = user_of(ctx.actor)
    added_by_id = added_by.pk if added_by else None
    links = [(r.existing_pk, tag.pk, today, added_by_id)
             for r in rows if r.existing_pk for tag in r.tags if (r.existing_pk, tag.pk) not in have]
    only_tagged = {link[0] for link in links} - {p.pk for p in changed}
    links += [(pk_of(row), tag.pk, today, added_by_id) for row, _d in linked for tag in row.tags]
    insert_tuples(PersonCareTag, ("person_id", "tag_id", "since", "added_by_id"), links)
    report.updated["persons"] += len(only_tagged)
    report.unchanged["persons"] -= len(only_tagged)
    return keys
