"""Retention (等保 residual information, PIPL art. 19): how long each kind of personal data is kept.

Each app that keeps personal data past its use registers a *kind* here, once, from
its ``AppConfig.ready()``: what it is, what happens when its time is up (deleted,
or anonymised: the row stays, its personal fields are cleared), the default
period and the legal minimum, and the function that does it::

    from gongzhi.privacy import retention

    retention.register(
        "visit_notes",
        title=_("Notes of household visits"),
        action=retention.ANONYMISE,
        default_days=3 * 365,
        apply="gongzhi.registry.retention.clear_visit_notes",
    )

    def clear_visit_notes(cutoff, *, dry_run):   # -> how many rows it changed (or would change)
        ...

``apply(cutoff, dry_run=...)`` changes every row of its kind whose reference time
is before ``cutoff`` and that still holds something to clear (so a second run
changes nothing), in its own transaction(s), and returns the number of rows
(with ``dry_run`` it only counts). Figures stay reproducible: what the figures
count (a case's events, a visit, a callback's verdict) is kept; only the
personal fields inside are cleared.

The period in force is the data administrators' :class:`~gongzhi.privacy.models.RetentionRule`
of the kind, else the registered default; ``services_retention.sweep`` applies
every rule and records what it did (:class:`~gongzhi.privacy.models.RetentionRun`
and an audit event). It runs as the periodic job ``retention_sweep`` (daily) and
as ``manage.py retention_sweep``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.module_loading import import_string

DELETE = "delete"
ANONYMISE = "anonymise"
ACTIONS = (DELETE, ANONYMISE)


@dataclass(frozen=True)
class Kind:
    key: str
    title: Any
    action: str
    default_days: int
    minimum_days: int
    apply_path: str
    description: Any = ""

    def apply(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        function: Callable = import_string(self.apply_path)
        return int(function(cutoff, dry_run=dry_run))


_KINDS: dict[str, Kind] = {}


def register(key: str, *, title, action: str, default_days: int, apply: str, minimum_days: int = 1,
             description="") -> Kind:
    """Declare a kind of data with its retention (see the module docstring); registering a key again replaces it."""
    if action not in ACTIONS:
        raise ValueError(f"retention kind {key!r}: action must be one of {ACTIONS}")
    if not 1 <= minimum_days <= default_days:
        raise ValueError(f"retention kind {key!r}: need 1 <= minimum_days <= default_days")
    kind = Kind(key=key, title=title, action=action, default_days=default_days, minimum_days=minimum_days,
                apply_path=apply, description=description)
    _KINDS[key] = kind
    return kind


def unregister(key: str) -> None:
    _KINDS.pop(key, None)


def kinds() -> list[Kind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def kind(key: str) -> Kind | None:
    return _KINDS.get(key)
