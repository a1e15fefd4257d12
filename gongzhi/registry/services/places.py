"""Writes of places: compounds, buildings, entrances, dwellings."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.audit.services import record
from gongzhi.registry.models import Building, Compound, Dwelling, Entrance

from .common import apply_changes, audit_diff, check, ensure_grid, full_clean, take_snapshot


def _save_new(instance, actor, action):
    full_clean(instance)
    instance.save()
    record(actor=actor, action=action, obj=instance, changes=audit_diff(instance, None))
    return instance


@transaction.atomic
def create_compound(*, actor, name: str, grid, kind: str = Compound.Kind.COMPOUND, street_address: str = "",
                    property_company=None, external_id: str = "") -> Compound:
    check(actor, "registry.change", ensure_grid(grid), property_company)
    compound = Compound(name=name.strip(), grid=grid, kind=kind, street_address=street_address.strip(),
                        property_company=property_company, external_id=external_id.strip())
    return _save_new(compound, actor, "registry.compound.create")


@transaction.atomic
def update_compound(*, actor, compound: Compound, reason: str = "", **changes) -> Compound:
    check(actor, "registry.change", compound)
    before = take_snapshot(compound)
    apply_changes(compound, changes, {"name", "kind", "grid", "street_address", "property_company", "external_id",
                                     "longitude", "latitude"})
    check(actor, "registry.change", ensure_grid(compound.grid), compound.property_company)
    full_clean(compound)
    compound.save()
    if "name" in changes:
        _refresh_addresses(Dwelling.objects.filter(compound=compound))
    record(actor=actor, action="registry.compound.update", obj=compound, changes=audit_diff(compound, before),
           reason=reason)
    return compound


@transaction.atomic
def create_building(*, actor, number: str, compound: Compound | None = None, grid=None, name: str = "",
                    floors: int | None = None, external_id: str = "") -> Building:
    grid = grid or (compound.grid if compound else None)
    check(actor, "registry.change", ensure_grid(grid), compound)
    building = Building(compound=compound, number=str(number).strip(), grid=grid, name=name.strip(), floors=floors,
                        external_id=external_id.strip())
    if compound and Building.objects.filter(compound=compound, number=building.number).exists():
        raise ValidationError({"number": _("This compound already has a building %(n)s.") % {"n": building.number}})
    return _save_new(building, actor, "registry.building.create")


@transaction.atomic
def create_entrance(*, actor, building: Building, number: str) -> Entrance:
    check(actor, "registry.change", building)
    number = str(number).strip()
    if Entrance.objects.filter(building=building, number=number).exists():
        raise ValidationError({"number": _("This building already has an entrance %(n)s.") % {"n": number}})
    return _save_new(Entrance(building=building, number=number), actor, "registry.entrance.create")


@transaction.atomic
def update_building(*, actor, building: Building, reason: str = "", **changes) -> Building:
    check(actor, "registry.change", building)
    before = take_snapshot(building)
    apply_changes(building, changes, {"compound", "number", "grid", "name", "floors", "external_id", "longitude",
                                      "latitude"})
    check(actor, "registry.change", ensure_grid(building.grid), building.compound)
    building.number, building.name = str(building.number).strip(), (building.name or "").strip()
    clash = Building.objects.filter(compound=building.compound, number=building.number).exclude(pk=building.pk)
    if building.compound_id and clash.exists():
        raise ValidationError({"number": _("This compound already has a building %(n)s.") % {"n": building.number}})
    full_clean(building)
    building.save()
    if {"number", "compound"} & set(changes):
        _refresh_addresses(Dwelling.objects.filter(building=building))
    record(actor=actor, action="registry.building.update", obj=building, changes=audit_diff(building, before),
           reason=reason)
    return building


@transaction.atomic
def update_entrance(*, actor, entrance: Entrance, number: str, reason: str = "") -> Entrance:
    check(actor, "registry.change", entrance)
    before = take_snapshot(entrance)
    entrance.number = str(number).strip()
    if Entrance.objects.filter(building=entrance.building, number=entrance.number).exclude(pk=entrance.pk).exists():
        raise ValidationError({"number": _("This building already has an entrance %(n)s.") % {"n": entrance.number}})
    full_clean(entrance)
    entrance.save()
    _refresh_addresses(Dwelling.objects.filter(entrance=entrance))
    record(actor=actor, action="registry.entrance.update", obj=entrance, changes=audit_diff(entrance, before),
           reason=reason)
    return entrance


def _check_parts(dwelling: Dwelling) -> None:
    errors = {}
    if dwelling.entrance_id and dwelling.building_id and dwelling.entrance.building_id != dwelling.building_id:
        errors["entrance"] = _("The entrance belongs to another building.")
    if dwelling.entrance_id and not dwelling.building_id:
        dwelling.building = dwelling.entrance.building
    if dwelling.building_id and dwelling.compound_id and dwelling.building.compound_id not in (None,
                                                                                              dwelling.compound_id):
        errors["building"] = _("The building belongs to another compound.")
    if dwelling.building_id and not dwelling.compound_id:
        dwelling.compound = dwelling.building.compound
    if not (dwelling.compound_id or dwelling.street_address):
        errors["street_address"] = _("Give the compound or a street address.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_dwelling(*, actor, grid=None, compound=None, building=None, entrance=None, room: str = "",
                    floor: int | None = None, street_address: str = "", floor_area=None,
                    exclusive_area=None, use: str = Dwelling.Use.OWNER_OCCUPIED, external_id: str = "", note: str = "") -> Dwelling:
    grid = grid or next((p.grid for p in (building, compound) if p is not None), None)
    if grid is None and entrance is not None:
        grid = entrance.building.grid
    check(actor, "registry.change", ensure_grid(grid), compound, building, entrance)
    dwelling = Dwelling(grid=grid, compound=compound, building=building, entrance=entrance, room=str(room).strip(),
                        floor=floor, street_address=street_address.strip(), floor_area=floor_area,
                        exclusive_area=exclusive_area, use=use, external_id=external_id.strip(), note=note)
    _check_parts(dwelling)
    dwelling.refresh_address_text()
    return _save_new(dwelling, actor, "registry.dwelling.create")


@transaction.atomic
def update_dwelling(*, actor, dwelling: Dwelling, reason: str = "", **changes) -> Dwelling:
    check(actor, "registry.change", dwelling)
    before = take_snapshot(dwelling)
    apply_changes(dwelling, changes, {"grid", "compound", "building", "entrance", "room", "floor", "street_address",
                                      "floor_area", "exclusive_area", "use", "external_id", "note"})
    check(actor, "registry.change", ensure_grid(dwelling.grid), dwelling.compound, dwelling.building,
          dwelling.entrance)
    _check_parts(dwelling)
    dwelling.refresh_address_text()
    full_clean(dwelling)
    dwelling.save()
    record(actor=actor, action="registry.dwelling.update", obj=dwelling, changes=audit_diff(dwelling, before),
           reason=reason)
    return dwelling


def _refresh_addresses(dwellings) -> None:
    batch = list(dwellings.select_related("compound", "building", "entrance"))
    for dwelling in batch:
        dwelling.refresh_address_text()
    Dwelling.objects.bulk_update(batch, ["address_text"], batch_size=500)
