"""Two people acting on the same case at once: exactly one wins, the other gets a conflict."""

import threading

import pytest
from django.db import connection

from gongzhi.cases import services
from gongzhi.cases.errors import ConflictError
from gongzhi.cases.models import Case, CaseEvent, CaseState

from .conftest import MONDAY, reload


@pytest.mark.django_db
def test_acting_on_a_stale_copy_is_a_conflict_and_changes_nothing(world, case_in):
    case = case_in(CaseState.DISPATCHED)
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    services.acknowledge_case(case=first, actor=world.users.cg_clerk, at=MONDAY)
    with pytest.raises(ConflictError) as caught:
        services.return_case(case=second, actor=world.users.cg_clerk2, reason="不归我们管", at=MONDAY)
    assert caught.value.code == "version_conflict"
    assert "Reload" in str(caught.value) or "刷新" in str(caught.value)
    fresh = reload(case)
    assert fresh.state == CaseState.IN_PROGRESS
    assert fresh.return_count == 0
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [
        "intake", "dispatch", "acknowledge"]


@pytest.mark.django_db
def test_an_explicit_expected_version_is_checked(world, case_in):
    case = case_in(CaseState.DISPATCHED)
    with pytest.raises(ConflictError):
        services.acknowledge_case(case=case, actor=world.users.cg_clerk, expected_version=case.version - 1)
    acknowledged = services.acknowledge_case(case=case, actor=world.users.cg_clerk, expected_version=case.version)
    assert acknowledged.state == CaseState.IN_PROGRESS
    # The object handed in is brought up to date, so the next action needs no reload.
    assert case.version == acknowledged.version
    services.reply_case(case=case, actor=world.users.cg_clerk, content="已处理")
    assert reload(case).state == CaseState.REPLIED


def _race(case_id, attempts):
    """Run each (service, kwargs) at the same instant in its own thread and connection."""
    barrier = threading.Barrier(len(attempts))
    stale = [Case.objects.get(pk=case_id) for _ in attempts]
    outcomes = [None] * len(attempts)

    def run(index, service, kwargs):
        try:
            barrier.wait(timeout=10)
            service(case=stale[index], **kwargs)
            outcomes[index] = "won"
        except ConflictError:
            outcomes[index] = "conflict"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, service, kwargs)) for i, (service, kwargs) in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_threads_on_postgresql_exactly_one_wins(world, case_in):
    u = world.users
    for _round in range(3):
        case = case_in(CaseState.DISPATCHED)
        outcomes = _race(case.pk, [
            (services.acknowledge_case, {"actor": u.cg_clerk}),
            (services.return_case, {"actor": u.cg_clerk2, "reason": "不属于本单位职责"}),
        ])
        assert sorted(outcomes) == ["conflict", "won"], outcomes
        fresh = reload(case)
        winner = "acknowledge" if outcomes[0] == "won" else "return"
        assert fresh.version == case.version + 1
        assert fresh.state == (CaseState.IN_PROGRESS if winner == "acknowledge" else CaseState.RETURNED)
        assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))[-1] == winner
        assert CaseEvent.objects.filter(case=case, action__in=["acknowledge", "return"]).count() == 1
