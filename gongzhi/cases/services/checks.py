"""Input checks shared by the case services; each error names its field."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

REASON_MAX = 1000


def text(value, field: str, *, max_length: int, required: bool = True, label: str = "") -> str:
    """The stripped text, or ValidationError on ``field`` when missing or too long."""
    value = "" if value is None else str(value).strip()
    if "\x00" in value:
        raise ValidationError({field: _("%(field)s contains a NUL character.") % {"field": label or field}})
    if required and not value:
        raise ValidationError({field: _("%(field)s is required.") % {"field": label or field}})
    if len(value) > max_length:
        raise ValidationError({field: _("%(field)s is too long: %(n)d characters, at most %(max)d.")
                               % {"field": label or field, "n": len(value), "max": max_length}})
    return value


def reason(value, *, required: bool = True) -> str:
    return text(value, "reason", max_length=REASON_MAX, required=required, label=_("The reason"))


def choice(value, field: str, choices) -> str:
    valid = [c.value if hasattr(c, "value") else c for c in choices]
    if value not in valid:
        raise ValidationError({field: _("“%(value)s” is not one of: %(choices)s.")
                               % {"value": value, "choices": ", ".join(valid)}})
    return value


def merge(errors: dict, exc: ValidationError) -> None:
    """Collect a ValidationError's messages into ``errors`` (to report every field at once)."""
    for field, messages in exc.message_dict.items():
        errors.setdefault(field, []).extend(messages)
