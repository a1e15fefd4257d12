"""Agenda items: created by staff (or from proposals), scheduled, deliberated, decided by consensus, dropped.

Each is one transition of :mod:`gongzhi.deliberation.machine`; putting an item to a vote is
:func:`gongzhi.deliberation.services.votes.create_vote`, its result the vote's close.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongzhi.regions.models import Level, Region

from .. import machine
from ..models import TEXT_MAX, TITLE_MAX, Item, ItemAction, Outcome
from .common import manage, text


def create_item(*, actor, region: Region, title: str, body: str = "", compound=None) -> Item:
    if compound is not None:
        region = compound.grid
    if not isinstance(region, Region) or region.level not in (Level.GRID, Level.COMMUNITY, Level.SUBDISTRICT):
        raise ValidationError({"region": _("Choose the community, grid or compound the item is for.")})
    manage(actor, region)
    title = text(title, "title", _("The title"), max_length=TITLE_MAX, multiline=False)
    body = text(body, "body", _("The text"), max_length=TEXT_MAX, required=False)
    return machine.transition(Item(region=region, compound=compound, title=title, body=body), ItemAction.COLLECT,
                              actor=actor)


def schedule_item(*, actor, item: Item, note: str = "") -> Item:
    return machine.transition(item, ItemAction.SCHEDULE, actor=actor, note=note)


def deliberate(*, actor, item: Item, note: str = "") -> Item:
    """The item was discussed (at a meeting or otherwise): ready to be decided."""
    return machine.transition(item, ItemAction.DELIBERATE, actor=actor, note=note)


def decide_by_consensus(*, actor, item: Item, decision: str) -> Item:
    decision = text(decision, "decision", _("The decision"), max_length=TEXT_MAX)

    def change(current: Item):
        current.decision, current.outcome = decision, Outcome.ADOPTED
        return {"decision": decision}

    return machine.transition(item, ItemAction.DECIDE_BY_CONSENSUS, actor=actor, change=change)


def drop_item(*, actor, item: Item, reason: str) -> Item:
    reason = text(reason, "reason", _("The reason"), max_length=TEXT_MAX)
    return machine.transition(item, ItemAction.DROP, actor=actor, note=reason)
