"""Rows of ops' scoped models for accounts/tests/test_scoping_proof.py: the scheduler's bookkeeping."""

from gongzhi.ops.models import PeriodicJobState


def _job_state(n):
    return PeriodicJobState.objects.create(name=f"proof-job-{n}")


CATALOGUES = {PeriodicJobState: _job_state}

FACTORIES = {}
