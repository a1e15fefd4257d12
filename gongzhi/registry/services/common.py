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
    """Model validation, unique fields and every constraint of the model, before the database.

    A clash with another row (an external id already used, a second head of a household) is a
    ValidationError on the field, in the user's language, not an IntegrityError (a server error).
    Fields in ``exclude`` are the caller's to check (it has a better message, e.g. credit codes).
    """
    exclude = set(exclude)
    instance.full_clean(exclude=list(exclude), validate_unique=True, validate_constraints=False)
    model = type(instance)
    errors = {}
    for constraint in model._meta.constraints:
        try:
            constraint.validate(model, instance, exclude=exclude)
        except ValidationError:
            fields = list(getattr(constraint, "fields", ()) or ())
            names = ", ".join(str(model._meta.get_field(f).verbose_name) for f in fields)
            message = (_("Another %(what)s already has this %(fields)s.")
                       % {"what": model._meta.verbose_name, "fields": names}) if fields else (
                _("This %(what)s conflicts with one already recorded.") % {"what": model._meta.verbose_name})
            errors.setdefault(fields[-1] if len(fields) == 1 else "__all__", []).append(message)
    if errors:
        raise ValidationError(errors)
