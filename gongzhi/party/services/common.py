"""What every party write does first: capability and area, model validation, a redacted audit diff.

The helpers are the registry's (``gongzhi.registry.services.common``): one way to check, validate and diff.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.text import clean_text
from gongzhi.regions.models import Level, Region
from gongzhi.registry.services.common import apply_changes, audit_diff, check, full_clean, take_snapshot

__all__ = ["apply_changes", "audit_diff", "check", "full_clean", "take_snapshot", "text", "community_of",
           "region_at", "not_future", "require_level"]


def text(value, field: str, label: str, *, max_length: int, required: bool = True, multiline: bool = False) -> str:
    """The cleaned text of one field, or a ValidationError on that field in the user's language."""
    value = "" if value is None else str(value).strip()
    if value:
        try:
            value = clean_text(value, multiline=multiline).strip()
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from None
    if required and not value:
        raise ValidationError({field: _("%(field)s is required.") % {"field": label}})
    if len(value) > max_length:
        raise ValidationError({field: _("%(field)s is too long: %(n)d characters, at most %(max)d.")
                               % {"field": label, "n": len(value), "max": max_length}})
    return value


def region_at(region, field: str = "region") -> Region:
    """A Region given as an instance or a code."""
    if isinstance(region, Region):
        return region
    code = str(region or "").strip()
    found = Region.objects.filter(code=code).first() if code else None
    if found is None:
        raise ValidationError({field: _("Choose a place of the region tree.")})
    return found


def community_of(region: Region) -> Region | None:
    """The community a region lies in (itself when it is one), None above the community level."""
    node = region
    while node is not None and node.level != Level.COMMUNITY:
        if node.level in (Level.SUBDISTRICT, Level.DISTRICT):
            return None
        node = node.parent
    return node


def require_level(region: Region, level: str, field: str) -> None:
    if region.level != level:
        raise ValidationError({field: _("%(name)s is not a %(level)s.")
                               % {"name": region.name, "level": Level(level).label}})


def not_future(day: date | None, field: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})
