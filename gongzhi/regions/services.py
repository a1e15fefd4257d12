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
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import diff, record, snapshot
from gongzhi.core.scoping import ensure_code_in_scope

from . import boundaries, grid_index
from .models import Level, Region

CHANGE = "regions.change"
_UNSET = object()
# pg_advisory_xact_lock key of "grid boundaries are being written" (any fixed 64-bit number will do).
GRID_WRITE_LOCK = 0x67_7A_67_72_69_64  # "gzgrid"


def lock_grid_writes() -> None:
    """Make the grid-overlap check and the write it allows one step: one grid writer at a time.

    The overlap check reads every other grid, across communities, so locking
    one row (the grid, its community) would not do: two transactions could
    each check without seeing the other's uncommitted grid and both save.
    Every path that writes a grid boundary calls this inside its transaction
    before the check; the lock is released when the transaction ends.

    - PostgreSQL: a transaction-level advisory lock. The second writer waits
      here; its check then runs as a new statement (READ COMMITTED), so it
      sees the first writer's committed grid.
    - SQLite: one writer per database is the engine's rule, and settings
      begin every transaction with ``BEGIN IMMEDIATE``, so the write lock is
      held from the start; under another transaction mode a no-op write takes
      it now.

    Grid writes are rare (a few a day), so a single lock costs nothing.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_grid_writes() outside a transaction would release the lock at once")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GRID_WRITE_LOCK])
    elif connection.vendor == "sqlite" and connection.settings_dict.get("OPTIONS", {}).get(
            "transaction_mode") != "IMMEDIATE":
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {Region._meta.db_table} SET id = id WHERE 0")  # takes the write lock


def validate_boundary(*, code: str, level: str, boundary, others: grid_index.GridIndex | None = None) -> dict:
    """Check one boundary and return it normalised, or raise ValidationError on ``boundary``.

    For a grid this includes overlap with every other grid (``others``, by
    default the current grid index checked against the database now). Inside
    a transaction the check first takes :func:`lock_grid_writes`, so the
    write that follows in the same transaction cannot race another grid's.
    """
    label = code or _("(no code)")
    try:
        geojson, geom = boundaries.parse(boundary, code=label)
    except boundaries.BoundaryError as exc:
        raise ValidationError({"boundary": [str(exc)]}) from None
    if level == Level.GRID:
        if others is None and connection.in_atomic_block:
            lock_grid_writes()
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
        if boundary is not _UNSET and boundary is not None and region.level == Level.GRID:
            lock_grid_writes()  # before the row lock, in the order every grid writer takes them
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
