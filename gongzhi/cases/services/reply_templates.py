"""Reply templates (答复模板): a unit writes, changes and retires its standard replies per category.

Members of a handling unit (``cases.handle``) keep their own unit's templates;
nobody changes another unit's. A template is retired rather than deleted when
it is no longer wanted (``is_active``), so the trail of what a unit offered stays
readable. Every write is audited.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import diff, record, snapshot

from .. import catalogue
from ..models import Category, ReplyTemplate
from . import checks
from .closing import REPLY_MAX

NAME_MAX = 60
TEXT_MAX = min(REPLY_MAX, 2000)
MAX_PER_UNIT = 500
_FIELDS = ("category_id", "name", "text", "is_active")


def _unit_of(actor):
    require(actor, "cases.handle")
    user = user_of(actor)
    unit = getattr(user, "unit", None) if user is not None else None
    if unit is None:
        raise PermissionDenied(_("Only members of a unit keep reply templates, for their unit."))
    return unit


def _category(value) -> Category:
    category = value if isinstance(value, Category) else catalogue.by_code(str(value or "").strip())
    if category is None:
        raise ValidationError({"category": _("There is no category with code “%(code)s”.") % {"code": value}})
    if not category.is_active:
        raise ValidationError({"category": _("Category “%(name)s” is no longer in use.") % {"name": category.name}})
    return category


def save_reply_template(*, actor, category, name: str, text: str, is_active: bool = True,
                        template: ReplyTemplate | None = None) -> ReplyTemplate:
    """Write a new template for the actor's unit, or change ``template`` (one of the unit's own)."""
    unit = _unit_of(actor)
    if template is not None and template.unit_id != unit.pk:
        raise PermissionDenied(_("This template belongs to another unit."))
    errors: dict[str, list] = {}
    try:
        category = _category(category)
    except ValidationError as exc:
        checks.merge(errors, exc)
        category = None
    try:
        name = checks.text(name, "name", max_length=NAME_MAX, label=_("The name"))
    except ValidationError as exc:
        checks.merge(errors, exc)
    try:
        text = checks.text(text, "text", max_length=TEXT_MAX, label=_("The text"))
    except ValidationError as exc:
        checks.merge(errors, exc)
    if not errors:
        clash = ReplyTemplate.objects.filter(unit=unit, category=category, name=name)
        if template is not None:
            clash = clash.exclude(pk=template.pk)
        if clash.exists():
            errors.setdefault("name", []).append(
                _("Your unit already has a template “%(name)s” for this category.") % {"name": name})
        elif template is None and ReplyTemplate.objects.filter(unit=unit).count() >= MAX_PER_UNIT:
            errors.setdefault("name", []).append(
                _("A unit keeps at most %(n)d reply templates; retire some first.") % {"n": MAX_PER_UNIT})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if template is None:
            template = ReplyTemplate.objects.create(unit=unit, category=category, name=name, text=text,
                                                    is_active=bool(is_active), created_by=user_of(actor))
            record(actor=actor, action="cases.reply_template.create", obj=template, object_repr=name,
                   changes={"category": [None, category.code], "name": [None, name], "text": [None, text]})
            return template
        template = ReplyTemplate.objects.select_for_update().get(pk=template.pk)
        before = snapshot(template, _FIELDS)
        template.category, template.name, template.text, template.is_active = category, name, text, bool(is_active)
        template.save()
        record(actor=actor, action="cases.reply_template.change", obj=template, object_repr=name,
               changes=diff(template, before, _FIELDS))
    return template
