"""Two mediators acting on one dispute at once: exactly one wins, the other gets a conflict (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from gongzhi.mediation import services
from gongzhi.mediation.errors import DisputeConflict
from gongzhi.mediation.models import Dispute


def _race(dispute_id, attempts):
    barrier = threading.Barrier(len(attempts))
    stale = [Dispute.objects.get(pk=dispute_id) for _ in attempts]
    outcomes = [None] * len(attempts)

    def run(index, service, kwargs):
        try:
            barrier.wait(timeout=10)
            service(dispute=stale[index], **kwargs)
            outcomes[index] = "won"
        except DisputeConflict:
            outcomes[index] = "conflict"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, s, k)) for i, (s, k) in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_threads_on_postgresql_exactly_one_wins(world, dispute_in):
    u = world.users
    dispute = dispute_in("mediating")
    outcomes = _race(dispute.pk, [
        (services.withdraw_dispute, {"actor": u.mediator, "reason": "申请人撤回"}),
        (services.record_failure, {"actor": u.mediator, "reason": "分歧大",
                                   "routes_told": ["court"]}),
    ])
    assert sorted(outcomes) == ["conflict", "won"], outcomes
    dispute.refresh_from_db()
    assert dispute.state in ("withdrawn", "failed")
    assert dispute.events.filter(action__in=["withdraw", "fail"]).count() == 1
