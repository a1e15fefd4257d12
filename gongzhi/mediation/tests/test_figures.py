"""The figures on a hand-computed example, from the events only."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.mediation import metrics, services

pytestmark = pytest.mark.django_db


def _consent_and_session(actor, dispute):
    for party in dispute.parties.all():
        services.record_consent(actor=actor, dispute=dispute, party=party, consents=True)
    dispute.refresh_from_db()
    services.record_session(actor=actor, dispute=dispute, held_at=timezone.now(), place="调解室", attendees="双方",
                            statements="陈述")
    dispute.refresh_from_db()
    return dispute


def _agree(actor, dispute):
    services.record_agreement(actor=actor, dispute=dispute, form="written", facts="f", matters="m",
                              responsibilities="r", content="c", performance_manner="p",
                              performance_due=timezone.localdate())
    dispute.refresh_from_db()
    return dispute


@pytest.fixture
def example(world, dispute_in, register):
    """D1 邻里 agreed in the village (performed); D2 邻里 failed in the village, then 民转刑;
    D3 劳动争议 escalated village → township and agreed there (partly performed); D4 合同 withdrawn unassigned."""
    u, c = world.users, world.committees
    d1 = dispute_in("agreed")
    services.record_follow_up(actor=u.mediator, dispute=d1, result="performed", checked_on=timezone.localdate())
    d2 = dispute_in("failed")
    services.mark_criminal(actor=u.mediator, dispute=d2, note="一方伤人，已立刑事案件")
    d3 = dispute_in("mediating", dispute_type="labour", title="拖欠工资")
    d3 = services.escalate_dispute(actor=u.mediator, dispute=d3, committee=c.township,
                                   mediators=[u.township_mediator], reason="涉及多名工人")
    d3 = _agree(u.township_mediator, _consent_and_session(u.township_mediator, d3))
    services.record_follow_up(actor=u.township_mediator, dispute=d3, result="partly", checked_on=timezone.localdate(),
                              note="已付一半")
    d4 = register(dispute_type="contract", title="合同纠纷")
    services.withdraw_dispute(actor=u.mediator, dispute=d4, reason="已和解")
    return world


def test_the_figures_match_the_hand_computed_example(example):
    w = example
    today = timezone.localdate()
    f = metrics.figures(w.users.leader, today - timedelta(days=1), today)
    assert f.registered == 4
    assert (f.total.ended, f.total.agreed, f.total.failed, f.total.withdrawn) == (4, 2, 1, 1)
    assert f.success_rate == round(2 / 3, 4)  # the withdrawal counts in neither
    assert f.escalations == 1 and f.criminal == 1
    assert (f.followed_up, f.performed, f.partly) == (2, 1, 1) and f.performance_rate == 0.5
    tiers = {r.key: (r.agreed, r.failed, r.withdrawn) for r in f.by_tier}
    assert tiers == {"": (0, 0, 1), "community": (1, 1, 0), "township": (1, 0, 0)}
    types = {r.key: (r.agreed, r.failed, r.withdrawn) for r in f.by_type}
    assert types == {"neighbours": (1, 1, 0), "labour": (1, 0, 0), "contract": (0, 0, 1)}
    committees = {r.label: (r.agreed, r.failed, r.escalations) for r in f.by_committee}
    assert committees == {"永安里社区人民调解委员会": (1, 1, 1), "建外街道人民调解委员会": (1, 0, 0)}
    mediators = {r.key: (r.agreed, r.failed) for r in f.by_mediator}
    assert mediators == {w.users.mediator.pk: (1, 1), w.users.township_mediator.pk: (1, 0)}


def test_the_figures_are_scoped_and_reproducible(example):
    w = example
    today = timezone.localdate()
    assert metrics.figures(w.users.other_mediator, today, today).total.ended == 0
    first = metrics.figures(w.users.leader, today, today)
    again = metrics.figures(w.users.leader, today, today)
    assert first == again
    with pytest.raises(PermissionDenied):
        metrics.figures(w.users.resident, today, today)
    with pytest.raises(ValidationError):
        metrics.figures(w.users.leader, today, today - timedelta(days=1))


def test_the_xlsx_export(example):
    today = timezone.localdate()
    book = load_workbook(io.BytesIO(metrics.xlsx(metrics.figures(example.users.leader, today, today), watermark=None)))
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert summary["Success rate"] == "66.7%" and summary["Turned into criminal cases (民转刑)"] == 1
    assert [s.title for s in book.worksheets] == ["Summary", "By type", "By tier", "By committee", "By mediator"]
