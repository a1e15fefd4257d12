"""The periodic sweep of deliberation: close and tally votes whose window is over, flag overdue milestones."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError

from .services.projects import sweep_overdue_milestones
from .services.votes import close_due_votes

log = logging.getLogger(__name__)


def run_periodic() -> dict:
    try:
        closed = close_due_votes()
    except ValidationError as exc:  # one vote that cannot be tallied must not stop the milestones
        log.error("deliberation sweep: a vote could not be closed: %s", "; ".join(exc.messages))
        closed = 0
    return {"votes_closed": closed, "milestones_flagged": sweep_overdue_milestones()}
