"""The periodic check of the time bank's ledger (registered with ``ops.schedule`` from ``apps.ready``)."""

import logging

from . import ledger

log = logging.getLogger(__name__)


def check_ledger() -> int:
    """Compare every cached balance with the lines and every transfer's sum with zero; log any breach."""
    problems = ledger.verify_ledger()
    for problem in problems:
        log.error("time-bank ledger: %s", problem, extra={"job": "check_ledger"})
    return len(problems)
