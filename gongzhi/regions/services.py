"""Every write to the region tree: create, update, delete, set a grid's boundary.

Each function takes the acting user (or API key) explicitly, checks the
``regions.change`` capability and the area, validates the region as a whole
(model rules and boundary rules together, so one answer lists every problem),
saves, and appends the audit event in the same transaction.

Area rule: a region is managed from its parent's area. A community
administrator may add and change grids of the community but not rename the
community itself, which belongs to the subdistrict. Districts have no parent
in this system and are checked against their own code.

Codes, levels and parents are fixed once a region exists: the code *is* the
region's place in the tree and is copied into every scoped record below it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import diff, record, snapshot
from gongzhi.core.scoping import ensure_code_in_scope

from . import boundaries, grid_index
from .models import Level, Region

CHANGE = "regions.change"
_UNSET = object()


def validate_boundary(*, code: str, level: str, boundary, others: grid_index.GridIndex | None = None) -> dict:
    """Check one boundary and return it normalised, or raise ValidationError on ``boundary``.

    For a grid this includes overlap with every other grid (``others``, by
    default the current grid index checked against the database now).
    """
    label = code or _("(no code)")
    try:
        geojson, geom = boundaries.parse(boundary, code=label)
    except boundaries.BoundaryError as exc:
        raise ValidationError({"boundary": [str(exc)]}) from None
    if level == Level.GRID:
        others = others if others is not None else grid_index.current(max_age=0)
        overlaps = others.overlaps(geom, exclude=[code])
        if overlaps:
            raise ValidationError({"boundary": [boundaries.overlap_message(label, other, area)
                                                for other, area in overlaps]})
    return geojson


def _guard(actor, *, code: str, parent: Region | None) -> None:
    require(actor, CHANGE)
    ensure_code_in_scope(parent.code if parent is not None else code, actor)


def _validate(region: Region, boundary) -> None:
    errors: dict[str, list] = {}
    try:
        region.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if boundary is not None and "code" not in errors and "level" not in errors:
        try:
            region.boundary = validate_boundary(code=region.code, level=region.level, boundary=boundary)
        except ValidationError as exc:
            errors.setdefault("boundary", []).extend(exc.message_dict["boundary"])
    if errors:
        raise ValidationError(errors)


def create_region(*, actor, code: str, name: str, level: str, parent_code: str | None = None,
                  community_type: str = "", boundary=None, reason: str = "") -> Region:
    parent = None
    if parent_code:
        parent = Region.objects.filter(code=parent_code).first()
        if parent is None:
            require(actor, CHANGE)
            raise ValidationError({"parent": [_("There is no region with code %(code)s.") % {"code": parent_code}]})
    _guard(actor, code=code, parent=parent)
    with transaction.atomic():
        region = Region(code=(code or "").strip(), name=(name or "").strip(), level=level, parent=parent,
                        community_type=community_type or "")
        _validate(region, boundary)
        region.save()
        record(actor=actor, action="regions.region.create", obj=region, changes=diff(region, None), reason=reason)
    return region


def update_region(*, actor, region: Region, name=_UNSET, community_type=_UNSET, boundary=_UNSET,
                  reason: str = "") -> Region:
    """Change a region's name, community type and/or boundary (pass only what changes).

    ``boundary=None`` removes the boundary.
    """
    _guard(actor, code=region.code, parent=region.parent)
    with transaction.atomic():
        region = Region.objects.select_for_update(of=("self",)).select_related("parent").get(pk=region.pk)
        before = snapshot(region)
        if name is not _UNSET:
            region.name = (name or "").strip()
        if community_type is not _UNSET:
            region.community_type = community_type or ""
        new_boundary = None
        if boundary is not _UNSET:
            region.boundary = None
            new_boundary = boundary
        _validate(region, new_boundary)
        changes = diff(region, before)
        if not changes:
            return region
        region.save()
        record(actor=actor, action="regions.region.update", obj=region, changes=changes, reason=reason)
    return region


def set_grid_boundary(*, actor, grid: Region, boundary, reason: str = "") -> Region:
    """Replace a grid's polygon after checking validity and overlap with other grids."""
    if grid.level != Level.GRID:
        raise ValidationError({"boundary": [_("%(code)s is not a grid.") % {"code": grid.code}]})
    if boundary is None:
        raise ValidationError({"boundary": [_("A grid boundary is required.")]})
    return update_region(actor=actor, region=grid, boundary=boundary, reason=reason)


def delete_region(*, actor, region: Region, reason: str = "") -> None:
    """Delete a region that nothing refers to any more (no sub-regions, users or units)."""
    _guard(actor, code=region.code, parent=region.parent)
    with transaction.atomic():
        region = Region.objects.select_for_update().get(pk=region.pk)
        children = region.children.count()
        if children:
            raise ValidationError(
                _("%(region)s still has %(n)d sub-regions; delete or move them first.")
                % {"region": region, "n": children}
            )
        record(actor=actor, action="regions.region.delete", obj=region, changes=diff(region, None), reason=reason)
        try:
            region.delete()
        except ProtectedError as exc:
            kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
            raise ValidationError(
                _("%(region)s is still used by: %(kinds)s.") % {"region": region, "kinds": ", ".join(kinds)}
            ) from None
