"""Small checks shared by the services of the volunteers app."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongzhi.core.scoping import ensure_code_in_scope
from gongzhi.regions.models import Level, Region


def text(value, field: str, label: str, max_length: int, *, required: bool = True) -> str:
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValidationError({field: _("%(field)s is required.") % {"field": label}})
    if len(value) > max_length:
        raise ValidationError({field: _("%(field)s is too long: %(n)d characters, at most %(max)d.")
                               % {"field": label, "n": len(value), "max": max_length}})
    return value


def place(value, actor=None, *, field: str = "region") -> Region:
    """The community (社区/村) or grid named by a region or its code; in the actor's area when an actor is
    given. Volunteers, teams, activities and rewards belong to a community, or to one of its grids."""
    code = value.code if isinstance(value, Region) else str(value or "").strip()
    region = (Region.objects.filter(code=code, level__in=(Level.COMMUNITY, Level.GRID)).first()
              if code and len(code) <= 20 else None)
    if region is None:
        raise ValidationError({field: _("Choose a community or a grid.")})
    if actor is not None:
        ensure_code_in_scope(region.code, actor)
    return region


def merge_errors(*checks) -> dict:
    """Run each zero-argument check, collecting the messages of all that fail."""
    errors: dict = {}
    results = []
    for check in checks:
        try:
            results.append(check())
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            results.append(None)
    if errors:
        raise ValidationError(errors)
    return results
