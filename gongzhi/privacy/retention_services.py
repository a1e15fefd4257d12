"""The retention rules' reads and writes, and the sweep that applies them (capability ``privacy.manage``).

:func:`rules` lists every registered kind with the period in force; :func:`set_rule`
changes a kind's period (never below its legal minimum) or switches it off, audited;
:func:`sweep` applies every rule in force: each kind in its own transaction, so a
failing kind is recorded and the others still run, then writes what it did as a
:class:`RetentionRun` and one audit event in one transaction. The periodic job
``retention_sweep`` calls :func:`run_periodic`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import SystemActor, user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record

from . import retention
from .models import RetentionRule, RetentionRun

log = logging.getLogger("gongzhi.privacy.retention")

MANAGE = "privacy.manage"
MAX_DAYS = 100 * 365


@dataclass
class Rule:
    kind: retention.Kind
    days: int
    enabled: bool
    is_default: bool
    updated_at: datetime | None = None
    updated_by: Any = None

    @property
    def key(self) -> str:
        return self.kind.key


def _rules() -> list[Rule]:
    stored = {row.kind: row for row in RetentionRule.objects.select_related("updated_by")}
    out = []
    for kind in retention.kinds():
        row = stored.get(kind.key)
        if row is None:
            out.append(Rule(kind=kind, days=kind.default_days, enabled=True, is_default=True))
        else:
            out.append(Rule(kind=kind, days=max(row.days, kind.minimum_days), enabled=row.enabled, is_default=False,
                            updated_at=row.updated_at, updated_by=row.updated_by))
    return out


def rules(*, actor) -> list[Rule]:
    """Every kind of data with the period in force (the administrators' rule, else the default)."""
    require(actor, MANAGE)
    return _rules()


def set_rule(*, actor, kind: str, days, enabled: bool = True) -> RetentionRule:
    """Keep ``kind`` for ``days`` (at least its minimum, at most a century), or stop sweeping it."""
    require(actor, MANAGE)
    registered = retention.kind(kind)
    if registered is None:
        raise ValidationError({"kind": [_("There is no kind of data named “%(kind)s”.") % {"kind": kind}]})
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationError({"days": [_("Give the period as a whole number of days.")]}) from None
    if days < registered.minimum_days:
        raise ValidationError({"days": [_("%(title)s must be kept for at least %(days)s days.")
                                        % {"title": registered.title, "days": registered.minimum_days}]})
    if days > MAX_DAYS:
        raise ValidationError({"days": [_("A period is at most %(days)s days.") % {"days": MAX_DAYS}]})
    with transaction.atomic():
        row = RetentionRule.objects.select_for_update().filter(kind=kind).first()
        before = {"days": row.days, "enabled": row.enabled} if row else {"days": registered.default_days,
                                                                          "enabled": True}
        if row is None:
            row = RetentionRule(kind=kind)
        row.days, row.enabled, row.updated_by = days, bool(enabled), user_of(actor)
        row.save()
        record(actor=actor, action="privacy.retention.rule", obj=row,
               changes={"kind": kind, "days": [before["days"], days], "enabled": [before["enabled"], bool(enabled)]})
    return row


def sweep(*, actor, now: datetime | None = None, dry_run: bool = False, only: list[str] | None = None) -> RetentionRun:
    """Apply every rule in force (or only the kinds named); record what was done."""
    require(actor, MANAGE)
    now = now or timezone.now()
    run = RetentionRun(started_at=timezone.now(), actor_label=str(actor)[:150], dry_run=dry_run)
    for rule in _rules():
        if (only and rule.key not in only) or not rule.enabled:
            continue
        cutoff = now - timedelta(days=rule.days)
        result = {"kind": rule.key, "action": rule.kind.action, "days": rule.days, "cutoff": cutoff.isoformat(),
                  "rows": 0, "error": ""}
        try:
            result["rows"] = rule.kind.apply(cutoff, dry_run=dry_run)
        except Exception as error:  # one kind failing must not stop the others; the run says so
            log.exception("retention of %s failed", rule.key, extra={"kind": rule.key})
            result["error"] = f"{type(error).__name__}: {error}"[:500]
        run.results.append(result)
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        record(actor=actor, action="privacy.retention.sweep", obj=run,
               changes={"dry_run": dry_run, "rows": {r["kind"]: r["rows"] for r in run.results},
                        "failed": [r["kind"] for r in run.results if r["error"]]})
    return run


def recent_runs(*, actor):
    require(actor, MANAGE)
    return RetentionRun.objects.order_by("-started_at", "-id")


def run_periodic() -> RetentionRun:
    """The periodic job ``retention_sweep``."""
    return sweep(actor=SystemActor(username="system:retention_sweep"))
