"""What every registry write does first: capability, area, and a redacted audit diff."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import diff, snapshot
from gongzhi.core.scoping import ensure_in_scope
from gongzhi.regions.models import Level, Region

# Derived columns: never audited (blind indexes are linkable, pinyin and the
# printed address follow from other fields).
_DERIVED = {"id_number_index", "phone_index", "name_pinyin", "name_initials", "address_text", "created_at",
            "updated_at"}


def check(actor, capability: str, *objects) -> None:
    """Capability first, then every object (or grid) must lie in the actor's area."""
    require(actor, capability)
    for obj in objects:
        if obj is not None:
            ensure_in_scope(obj, actor)


def ensure_grid(grid) -> Region:
    if grid is None:
        raise ValidationError({"grid": _("Choose a grid.")})
    if grid.level != Level.GRID:
        raise ValidationError({"grid": _("%(name)s is not a grid.") % {"name": grid.name}})
    return grid


def audited_fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in _DERIVED]


def take_snapshot(instance) -> dict:
    return snapshot(instance, audited_fields(type(instance)))


def audit_diff(instance, before: dict | None) -> dict:
    """{field: [old, new]} of the audited fields; ``audit.diff`` keeps personal
    fields in their masked form (``1101**********1234``), never the number."""
    return diff(instance, before, audited_fields(type(instance)))


def apply_changes(instance, changes: dict, allowed: set[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.")
                              % {"fields": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(instance, name, value)


def full_clean(instance, exclude=()) -> None:
    """Model validation; ``validate_unique`` is left to the database constraints."""
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
