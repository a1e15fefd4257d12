"""The 户 sheet: households, one row per member, the head first."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from gongzhi.core import crypto

from ..models import Dwelling, Household, HouseholdMember, Person, Relation
from ..spreadsheets import RELATION_LABELS, SheetData
from .common import (
    Context,
    Errors,
    ImportReport,
    MemberRow,
    choice,
    covers,
    existing_in_chunks,
    lookup_db_dwellings,
    objects_in_chunks,
    text_reader,
    ticking,
)


def check_households(sheet: SheetData, ctx: Context, errors: Errors, tick) -> list[MemberRow]:
    rows: list[MemberRow] = []
    texts = text_reader(sheet, errors)
    index_of = crypto.indexer("id_number", normalized=True)
    for number, values in ticking(sheet.rows, tick):
        text, unreadable = texts(number, values)
        household = text.get("external_id", "")[:64]
        if not household:
            errors.add(sheet, number, "external_id", _("The household number is required."))
        relation = choice(text.get("relation", ""), RELATION_LABELS, sheet, number, "relation", errors)
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
        {value for value, (_pk, code) in existing_in_chunks(
            Person, field_name, [r.person_key[1] for r in rows if r.person_key[0] == kind]).items()
         if covers(ctx, code)}
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
        lookup_db_dwellings(dwellings, ctx)
        for key in dwellings:
            if key not in ctx.file_dwellings and key not in ctx.db_dwellings:
                errors.add(sheet, members[0].row, "dwelling", _("Dwelling %(key)s is neither in the file nor "
                                                                "registered in your area.") % {"key": key[:30]})
    existing = existing_in_chunks(Household, "external_id", list(groups))
    for household, (pk, code) in existing.items():
        if not covers(ctx, code):
            errors.add(sheet, groups[household][0].row, "external_id",
                       _("This household number belongs to a household outside your area."))
    return rows


def write_households(rows: list[MemberRow], dwellings: dict[str, Dwelling], persons: dict, ctx: Context,
                      report: ImportReport, tick) -> None:
    groups: dict[str, list[MemberRow]] = defaultdict(list)
    for row in rows:
        groups[row.household].append(row)
    # Resolve members not in the file.
    missing = [r.person_key for r in rows if r.person_key not in persons]
    for kind, field_name in (("index", "id_number_index"), ("external", "external_id")):
        values = [v for k, v in missing if k == kind]
        for value, (pk, _code) in existing_in_chunks(Person, field_name, values).items():
            persons[(kind, value)] = pk
    existing = {h.external_id: h for h in objects_in_chunks(Household.objects.all(), "external_id", list(groups))}
    heads = [persons[r.person_key] for r in rows if r.relation == Relation.HEAD]
    person_grid = {p.pk: p.grid_id for p in objects_in_chunks(Person.objects.only("pk", "grid_id"), "pk", heads)}
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
