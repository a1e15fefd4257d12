"""Where a user of each role belongs, and whether an actor may put them there.

A user's role and placement (area ``region`` and ``unit``) together make the
user's scope (:attr:`gongzhi.accounts.models.User.scope`). Two questions are
answered here, apart from the services that use them, so that the admin form
can show the same answers as field errors before anything is saved:

- does the placement fit the role (:func:`placement_errors`): a grid worker's
  area is a grid, community staff a community, a dispatcher a subdistrict,
  department staff need a unit, a leader any region, a resident nothing;
- may the actor hand out that scope (:func:`ensure_may_place`): an actor can
  only give what lies inside their own area, so an administrator of a
  community cannot create a user in another community, nor an administrator
  without an area (who sees everything), nor a resident (who has no area).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from gongzhi.core.scoping import Scope, ensure_in_scope, scope_of
from gongzhi.regions.models import Level

from .roles import Role

# Role → the region level its area must have (None: any level).
REGION_LEVEL = {
    Role.GRID_WORKER: Level.GRID,
    Role.COMMUNITY_STAFF: Level.COMMUNITY,
    Role.DISPATCHER: Level.SUBDISTRICT,
}
NEEDS_REGION = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.LEADER})
NEEDS_UNIT = frozenset({Role.DEPARTMENT})


def placement_errors(*, role: str, region, unit) -> dict[str, list[str]]:
    """Field errors when ``region``/``unit`` do not fit ``role`` (empty when they do)."""
    errors: dict[str, list[str]] = {}
    role_label = Role(role).label if role in Role.values else role
    if role == Role.RESIDENT:
        if region is not None:
            errors["region"] = [_("A resident has no area; leave the area empty.")]
        if unit is not None:
            errors["unit"] = [_("A resident belongs to no unit; leave the unit empty.")]
        return errors
    if role in NEEDS_REGION and region is None:
        errors["region"] = [_("A %(role)s needs an area.") % {"role": role_label}]
    expected = REGION_LEVEL.get(role)
    if expected and region is not None and region.level != expected:
        errors["region"] = [
            _("The area of a %(role)s must be a %(level)s; %(region)s is a %(actual)s.") % {
                "role": role_label, "level": Level(expected).label, "region": region,
                "actual": region.get_level_display(),
            }
        ]
    if role in NEEDS_UNIT and unit is None:
        errors["unit"] = [_("A %(role)s needs a unit.") % {"role": role_label}]
    if role == Role.MEDIATOR and region is None and unit is None:
        errors["region"] = [_("A mediator needs an area or a mediation committee.")]
    if unit is not None and not unit.is_active:
        errors["unit"] = [_("Unit %(unit)s is no longer active.") % {"unit": unit}]
    return errors


def placed_scope(*, region, unit_id: int | None, capabilities, user_id: int | None = None) -> Scope:
    """The scope of an actor placed in ``region`` (a Region or None) and unit ``unit_id``.

    The one recipe for users and API keys alike (``User.scope``, ``ApiKey.scope``):
    the region subtree, the unit's own work (lead, assisting, summoned), the
    actor's own rows, and the actor's capabilities, which decide what kinds
    of rows the area shows (``ScopeSpec.view``).
    """
    return Scope(region_prefixes=(region.prefix,) if region is not None else (),
                 unit_ids=frozenset({unit_id}) if unit_id is not None else frozenset(),
                 user_id=user_id, capabilities=frozenset(capabilities))


def grants_everything(*, role: str, region, is_superuser: bool = False) -> bool:
    """True when a user so placed would see every area (mirrors ``User.scope``)."""
    return is_superuser or (role == Role.ADMIN and region is None)


def ensure_may_place(actor, *, role: str, region, unit, is_superuser: bool = False) -> None:
    """Raise PermissionDenied unless ``actor`` may give a user this placement.

    An actor who sees everything may place anyone anywhere. Any other actor
    needs the whole of the new user's scope inside their own: the area (if
    any) and the unit (if any) in scope, and at least one of them given.
    """
    scope = scope_of(actor)
    if scope.unrestricted:
        return
    if grants_everything(role=role, region=region, is_superuser=is_superuser):
        raise PermissionDenied(_("Only an administrator for all areas can create an administrator without an area."))
    if region is None and unit is None:
        raise PermissionDenied(_("Only an administrator for all areas can manage accounts that have no area."))
    if region is not None and not scope.covers_code(region.code):
        raise PermissionDenied(_("Area %(region)s is outside your area.") % {"region": region})
    if unit is not None:
        try:
            ensure_in_scope(unit, actor)
        except PermissionDenied:
            raise PermissionDenied(_("Unit %(unit)s is outside your area.") % {"unit": unit}) from None
