"""Saved views of the case list: save, rename, share, delete (only the owner changes a view).

The filters are checked here the way the case list reads them (known keys,
state, category, region, dates, flags), so a view that is saved can be opened.
Scoping is not stored: the list applies the viewer's area when the view is opened.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import STAFF_ROLES
from gongzhi.audit.services import record

from .. import selectors
from ..models import SavedView
from ..models.saved_view import FILTER_KEYS
from . import checks

NAME_MAX = 60
VALUE_MAX = 200
MAX_VIEWS = 50
CHOICES = {"overdue": ("", "0", "1"), "due": ("", "today", "week")}


def _may_save(actor) -> None:
    """Staff save views of the case list; residents have no case list."""
    if user_of(actor) is None or not (actor.is_superuser or actor.role in STAFF_ROLES):
        raise PermissionDenied(_("You are not allowed to do this."))


def clean_filters(actor, filters: dict) -> dict:
    """The non-empty filters, as strings, or ValidationError naming the first bad one."""
    cleaned = {}
    for key, value in (filters or {}).items():
        if key not in FILTER_KEYS:
            raise ValidationError({"filters": _("“%(key)s” is not a filter of the case list.") % {"key": key}})
        value = checks.text(value, key, max_length=VALUE_MAX, required=False)
        if value:
            cleaned[key] = value
    for key, allowed in CHOICES.items():
        if cleaned.get(key, "") not in allowed:
            raise ValidationError({key: _("“%(value)s” is not one of: %(choices)s.")
                                   % {"value": cleaned[key], "choices": ", ".join(a for a in allowed if a)}})
    days = {}
    for key in ("created_from", "created_to"):
        if key in cleaned:
            try:
                days[key] = date.fromisoformat(cleaned[key])
            except ValueError:
                raise ValidationError({key: _("Enter a valid date.")}) from None
    # State, category, region and the date range are checked by the list itself (lazily: no query runs).
    selectors.list_cases(actor, selectors.CaseFilters(
        state=cleaned.get("state"), category=cleaned.get("category"), region=cleaned.get("region"),
        unit=cleaned.get("unit"), created_from=days.get("created_from"), created_to=days.get("created_to"),
        q=cleaned.get("q")))
    return dict(sorted(cleaned.items()))


def _name(actor, name, *, exclude: int | None = None) -> str:
    name = checks.text(name, "name", max_length=NAME_MAX, label=_("The name"))
    clash = SavedView.objects.filter(owner=actor, name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"name": _("You already have a view named “%(name)s”.") % {"name": name}})
    return name


def _unit_for(actor, shared: bool):
    if not shared:
        return None
    if not getattr(actor, "unit_id", None):
        raise ValidationError({"shared": _("You belong to no unit to share the view with.")})
    return actor.unit


def save_view(*, actor, name: str, filters: dict, shared: bool = False) -> SavedView:
    """Save the case list's current ``filters`` under ``name`` (unique among the actor's views)."""
    _may_save(actor)
    with transaction.atomic():
        name = _name(actor, name)
        filters = clean_filters(actor, filters)
        if SavedView.objects.filter(owner=actor).count() >= MAX_VIEWS:
            raise ValidationError({"name": _("You have %(n)d saved views already; delete one first.")
                                   % {"n": MAX_VIEWS}})
        view = SavedView.objects.create(owner=actor, name=name, filters=filters, unit=_unit_for(actor, shared))
        record(actor=actor, action="cases.save_view", obj=view,
               changes={"name": name, "filters": filters, "shared": view.is_shared})
    return view


def _own(actor, view: SavedView) -> SavedView:
    if user_of(actor) is None or view.owner_id != actor.pk:
        raise PermissionDenied(_("Only the person who saved a view may change it."))
    return view


def change_view(*, actor, view: SavedView, name: str, shared: bool) -> SavedView:
    """Rename a view and share it with one's unit, or stop sharing it."""
    _own(actor, view)
    with transaction.atomic():
        view = SavedView.objects.select_for_update().get(pk=view.pk)
        before = {"name": view.name, "shared": view.is_shared}
        view.name = _name(actor, name, exclude=view.pk)
        view.unit = _unit_for(actor, shared)
        view.save()
        after = {"name": view.name, "shared": view.is_shared}
        record(actor=actor, action="cases.change_view", obj=view,
               changes={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return view


def delete_view(*, actor, view: SavedView) -> None:
    _own(actor, view)
    with transaction.atomic():
        record(actor=actor, action="cases.delete_view", obj=view, changes={"name": view.name})
        view.delete()
