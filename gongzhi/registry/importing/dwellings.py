"""The 房屋 sheet: dwellings, with their compound, building and entrance created as needed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ..models import Building, Compound, Dwelling, Entrance
from ..spreadsheets import USE_LABELS, SheetData
from .common import (
    Context,
    DwellingRow,
    Errors,
    ImportReport,
    choice,
    covers,
    existing_in_chunks,
    field_names,
    grid_in_area,
    objects_in_chunks,
    text_reader,
    ticking,
)


def _area(text: dict, field: str, sheet, number: int, errors: Errors, message: str) -> Decimal | None:
    """A number of square metres with at most two decimals, or None when the cell is empty or refused."""
    if not text.get(field):
        return None
    try:
        area = Decimal(text[field])
        if area < 0 or area >= Decimal("10000000") or area.as_tuple().exponent < -2:
            raise InvalidOperation
    except InvalidOperation:
        errors.add(sheet, number, field, message)
        return None
    return area


def check_dwellings(sheet: SheetData, ctx: Context, errors: Errors, tick) -> list[DwellingRow]:
    parsed: list[DwellingRow] = []
    seen: dict[str, int] = {}
    texts = text_reader(sheet, errors)
    for number, values in ticking(sheet.rows, tick):
        text, _unreadable = texts(number, values)
        external_id = text.get("external_id", "")
        if not external_id:
            errors.add(sheet, number, "external_id", _("The dwelling number is required."))
        elif external_id in seen:
            errors.add(sheet, number, "external_id", _("The same dwelling number is already on row %(row)d.")
                       % {"row": seen[external_id]})
        seen.setdefault(external_id, number)
        grid = grid_in_area(text.get("grid", ""), ctx, sheet, number, errors) if text.get("grid") else None
        if not text.get("grid"):
            errors.add(sheet, number, "grid", _("The grid code is required."))
        floor = None
        if text.get("floor"):
            try:
                floor = int(text["floor"])
            except ValueError:
                errors.add(sheet, number, "floor", _("The floor is a whole number."))
        area = _area(text, "floor_area", sheet, number, errors,
                     _("The floor area is a number of square metres with at most two decimals."))
        exclusive = _area(text, "exclusive_area", sheet, number, errors,
                          _("The exclusive area is a number of square metres with at most two decimals."))
        if not text.get("compound") and not text.get("street_address"):
            errors.add(sheet, number, "street_address", _("Give the compound or a street address."))
        if text.get("entrance") and not text.get("building"):
            errors.add(sheet, number, "building", _("An entrance needs its building."))
        if text.get("building") and not text.get("compound"):
            errors.add(sheet, number, "compound", _("A building needs its compound."))
        use = choice(text.get("use", ""), USE_LABELS, sheet, number, "use", errors, Dwelling.Use.OWNER_OCCUPIED)
        if grid is not None and external_id:
            row = DwellingRow(number, external_id, grid, text.get("compound", "")[:100], text.get("building", "")[:20],
                              text.get("entrance", "")[:20], text.get("room", "")[:20], floor,
                              text.get("street_address", "")[:200], area, use, text.get("note", ""),
                              exclusive)
            parsed.append(row)
            ctx.file_dwellings[external_id] = row
    existing = existing_in_chunks(Dwelling, "external_id", [r.external_id for r in parsed])
    for row in parsed:
        if row.external_id in existing and not covers(ctx, existing[row.external_id][1]):
            errors.add(sheet, row.row, "external_id", _("This dwelling number belongs to a dwelling outside your "
                                                        "area."))
    return parsed


def write_dwellings(rows: list[DwellingRow], report: ImportReport, tick) -> dict[str, Dwelling]:
    """Create or update dwellings (and the compounds, buildings, entrances they name)."""
    grids = {r.grid.pk: r.grid for r in rows}
    compounds = {(c.grid_id, c.name): c for c in Compound.objects.filter(grid_id__in=list(grids))}
    for row in rows:
        if row.compound and (row.grid.pk, row.compound) not in compounds:
            compounds[(row.grid.pk, row.compound)] = Compound.objects.create(name=row.compound, grid=row.grid)
    buildings = {(b.compound_id, b.number): b for b in
                 Building.objects.filter(compound__in=[c for c in compounds.values()])}
    entrances = {(e.building_id, e.number): e for e in Entrance.objects.filter(building__in=list(buildings.values()))}
    existing = {d.external_id: d for d in objects_in_chunks(Dwelling.objects.all(), "external_id",
                                                             [r.external_id for r in rows])}
    result, new, changed = {}, [], []
    fields = ["grid_id", "compound_id", "building_id", "entrance_id", "room", "floor", "street_address",
              "floor_area", "exclusive_area", "use", "note", "address_text"]
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
        dwelling.exclusive_area = row.exclusive_area
        dwelling.refresh_address_text()
        if dwelling.pk is None:
            new.append(dwelling)
        elif [getattr(dwelling, f) for f in fields] != before:
            changed.append(dwelling)
        else:
            report.unchanged["dwellings"] += 1
        result[row.external_id] = dwelling
    Dwelling.objects.bulk_create(new, batch_size=500)
    Dwelling.objects.bulk_update(changed, field_names(Dwelling, fields), batch_size=500)
    report.created["dwellings"] += len(new)
    report.updated["dwellings"] += len(changed)
    return result
