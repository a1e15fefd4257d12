"""The mediation figures, computed from the dispute events only (reproducibly, like the three rates).

For a period (local dates, both ends included) and the actor's area:

* **registered**: ``register`` events in the period;
* **ended**: ``agree`` / ``fail`` / ``withdraw`` events in the period, each counted by the dispute's
  type, the tier and committee at which it ended (``""``: withdrawn before any committee took it),
  and each of its mediators (the event's ``payload.mediators``);
* **success rate** = agreed / (agreed + failed): a withdrawal is no mediation outcome and counts in
  neither; None when nothing was agreed or failed;
* **escalations**: ``escalate`` events in the period (per committee: the committee it left,
  ``payload.from_committee``);
* **criminal** (民转刑): ``criminal`` events in the period;
* **performance rate** = agreements whose last follow-up in the period says performed / agreements
  followed up in the period (partly performed is not performed); None when none was followed up.

The same events always give the same figures; nothing typed in.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import require
from gongzhi.core import exports
from gongzhi.core.scoping import scope_queryset

from .models import Action, Committee, DisputeEvent, DisputeType, Performance, Tier

OUTCOMES = {Action.AGREE: "agreed", Action.FAIL: "failed", Action.WITHDRAW: "withdrawn"}


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


@dataclass
class Row:
    key: object
    label: str
    agreed: int = 0
    failed: int = 0
    withdrawn: int = 0
    escalations: int = 0

    @property
    def ended(self) -> int:
        return self.agreed + self.failed + self.withdrawn

    @property
    def success_rate(self) -> float | None:
        return rate(self.agreed, self.agreed + self.failed)

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class Figures:
    start: dt.date
    end: dt.date
    registered: int = 0
    total: Row = field(default_factory=lambda: Row("", ""))
    escalations: int = 0
    criminal: int = 0
    followed_up: int = 0
    performed: int = 0
    partly: int = 0
    not_performed: int = 0
    by_type: list[Row] = field(default_factory=list)
    by_tier: list[Row] = field(default_factory=list)
    by_committee: list[Row] = field(default_factory=list)
    by_mediator: list[Row] = field(default_factory=list)

    @property
    def success_rate(self) -> float | None:
        return self.total.success_rate

    @property
    def performance_rate(self) -> float | None:
        return rate(self.performed, self.followed_up)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if end < start:
        raise ValidationError({"end": [_("The period ends before it starts.")]})
    if (end - start).days + 1 > settings.METRICS_MAX_PERIOD_DAYS:
        raise ValidationError({"end": [_("The period is too long: at most %(n)d days.")
                                       % {"n": settings.METRICS_MAX_PERIOD_DAYS}]})
    zone = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=zone),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone))


def figures(actor, start: dt.date, end: dt.date) -> Figures:
    """The figures of the actor's area for the period (capability ``mediation.metrics``)."""
    require(actor, "mediation.metrics")
    since, until = _bounds(start, end)
    events = scope_queryset(DisputeEvent.objects.all(), actor).filter(at__gte=since, at__lt=until)
    result = Figures(start=start, end=end)
    types = {t.code: t.label for t in DisputeType.objects.all()}
    tiers = dict(Tier.choices)
    by_type: dict = {}
    by_tier: dict = {}
    by_committee: dict = {}
    by_mediator: dict = {}
    last_follow_up: dict = {}

    def row(table: dict, key, label) -> Row:
        if key not in table:
            table[key] = Row(key, label)
        return table[key]

    rows = events.filter(action__in=[*OUTCOMES, Action.REGISTER, Action.ESCALATE, Action.CRIMINAL,
                                     Action.FOLLOW_UP]).order_by("at", "id").values_list(
        "action", "type_code", "tier", "committee_id", "payload", "dispute_id")
    for action, type_code, tier, committee_id, payload, dispute_id in rows:
        if action == Action.REGISTER:
            result.registered += 1
        elif action == Action.ESCALATE:
            result.escalations += 1
            left = (payload or {}).get("from_committee")
            if left:
                row(by_committee, left, "").escalations += 1
        elif action == Action.CRIMINAL:
            result.criminal += 1
        elif action == Action.FOLLOW_UP:
            last_follow_up[dispute_id] = (payload or {}).get("result")
        else:
            outcome = OUTCOMES[action]
            result.total.add(outcome)
            row(by_type, type_code, types.get(type_code, type_code)).add(outcome)
            row(by_tier, tier, str(tiers.get(tier, _("Not yet assigned")))).add(outcome)
            if committee_id:
                row(by_committee, committee_id, "").add(outcome)
            for mediator in (payload or {}).get("mediators", []):
                row(by_mediator, mediator, "").add(outcome)
    results = Counter(last_follow_up.values())
    result.followed_up = sum(results.values())
    result.performed = results[Performance.PERFORMED]
    result.partly = results[Performance.PARTLY]
    result.not_performed = results[Performance.NOT_PERFORMED]
    names = {c.pk: c.unit.name for c in Committee.objects.filter(pk__in=by_committee).select_related("unit")}
    for key, item in by_committee.items():
        item.label = names.get(key, str(key))
    people = {u.pk: u.display_name or u.username for u in User.objects.filter(pk__in=by_mediator)}
    for key, item in by_mediator.items():
        item.label = people.get(key, str(key))
    order = {tier: index for index, tier in enumerate(["", *Tier.values])}
    result.by_type = sorted(by_type.values(), key=lambda r: (-r.ended, r.label))
    result.by_tier = sorted(by_tier.values(), key=lambda r: order.get(r.key, 99))
    result.by_committee = sorted(by_committee.values(), key=lambda r: (-r.ended, r.label))
    result.by_mediator = sorted(by_mediator.values(), key=lambda r: (-r.ended, r.label))
    return result


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def xlsx(result: Figures, *, watermark) -> bytes:
    """The figures as a workbook: a summary sheet, then one sheet per breakdown."""
    book = exports.Workbook(watermark=watermark)
    summary = book.sheet(_("Summary"))
    summary.append([exports.Cell(_("Figure"), bold=True), exports.Cell(_("Value"), bold=True)])
    for label, value in (
        (_("Period"), f"{result.start.isoformat()} – {result.end.isoformat()}"),
        (_("Disputes registered"), result.registered),
        (_("Disputes ended"), result.total.ended),
        (_("Agreed"), result.total.agreed), (_("Failed"), result.total.failed),
        (_("Withdrawn"), result.total.withdrawn),
        (_("Success rate"), _pct(result.success_rate)),
        (_("Escalations"), result.escalations),
        (_("Turned into criminal cases (民转刑)"), result.criminal),
        (_("Agreements followed up"), result.followed_up),
        (_("Performance rate"), _pct(result.performance_rate)),
    ):
        summary.append([label, value])
    headers = [_("Ended"), _("Agreed"), _("Failed"), _("Withdrawn"), _("Success rate")]
    for title, rows, extra in ((_("By type"), result.by_type, False), (_("By tier"), result.by_tier, False),
                               (_("By committee"), result.by_committee, True),
                               (_("By mediator"), result.by_mediator, False)):
        sheet = book.sheet(title)
        sheet.append([exports.Cell(h, bold=True) for h in [title, *headers, *([_("Escalations")] if extra else [])]])
        for item in rows:
            sheet.append([item.label, item.ended, item.agreed, item.failed, item.withdrawn, _pct(item.success_rate),
                          *([item.escalations] if extra else [])])
    return book.save()
