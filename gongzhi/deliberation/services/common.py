"""What the services share: cleaning input, the resident's identity, the area of a place."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.core.scoping import ensure_code_in_scope
from gongzhi.core.text import problem
from gongzhi.registry.models import Person, PersonStatus


def text(value, field: str, label: str, *, max_length: int, required: bool = True, multiline: bool = True) -> str:
    value = "" if value is None else str(value).strip()
    issue = problem(value, multiline=multiline) if value else None
    if issue:
        raise ValidationError({field: f"{label}: {issue}"})
    if required and not value:
        raise ValidationError({field: _("%(field)s is required.") % {"field": label}})
    if len(value) > max_length:
        raise ValidationError({field: _("%(field)s is too long: %(n)d characters, at most %(max)d.")
                               % {"field": label, "n": len(value), "max": max_length}})
    return value


def person_of(actor) -> Person | None:
    """The registry person a signed-in resident is: the one living person whose phone is the
    account's verified mobile number (the blind indexes match). None when not exactly one."""
    user = user_of(actor)
    if user is None or not getattr(user, "phone_index", ""):
        return None
    matches = list(Person.objects.filter(phone_index=user.phone_index, status=PersonStatus.ACTIVE)
                   .select_related("grid")[:2])
    return matches[0] if len(matches) == 1 else None


def home_code(actor) -> str:
    """The region code of where a resident lives (their person's grid), else the account's area."""
    person = person_of(actor)
    if person is not None:
        return person.grid.code
    region = getattr(user_of(actor), "region", None)
    return region.code if region is not None else ""


def lives_in(actor, region) -> bool:
    code = home_code(actor)
    return bool(code) and code.startswith(region.prefix)


def require_resident_of(actor, region) -> None:
    """A resident acts where they live; staff in their area."""
    require(actor, "deliberation.take_part")
    if lives_in(actor, region):
        return
    try:
        ensure_code_in_scope(region.code, actor)
    except PermissionDenied:
        raise PermissionDenied(_("You can take part only in the matters of the place where you live.")) from None


def manage(actor, region) -> None:
    require(actor, "deliberation.manage")
    ensure_code_in_scope(region.code, actor)


def adult_on(birth: date | None, day: date) -> bool:
    if birth is None:
        return False
    try:
        eighteenth = birth.replace(year=birth.year + 18)
    except ValueError:  # born on 29 February
        eighteenth = date(birth.year + 18, 3, 1)
    return eighteenth <= day


def now():
    return timezone.now()
