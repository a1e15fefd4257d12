"""Retention of finished cases: the caller's contact and words go, the three rates stay exactly the same."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.accounts.actors import SystemActor
from gongzhi.cases import metrics
from gongzhi.cases.models import Callback, Case, CaseContact, CaseEvent, Rollup
from gongzhi.core.crypto import blind_index
from gongzhi.privacy import retention_services

from .conftest import local
from .test_metrics import OCTOBER, SEPTEMBER, month, rank_single_cases  # noqa: F401  (fixtures)

SWEEPER = SystemActor(username="system:test")
NOW = local(2026, 12, 6, 3, 0)


def rates(actor, region):
    return ([r.as_dict() for r in metrics.by_unit(actor, SEPTEMBER).rows],
            [r.as_dict() for r in metrics.by_region(actor, SEPTEMBER, region=region).rows],
            [r.as_dict() for r in metrics.by_unit(actor, OCTOBER).rows])


@pytest.mark.django_db
def test_the_three_rates_are_identical_before_and_after_a_sweep(world, month):
    u = world.users
    month()  # October too: G, E acknowledged, F's unsatisfied callback reopens it
    for n, case in enumerate(Case.objects.order_by("pk")):
        phone = f"1381234{n:04d}"
        CaseContact.objects.create(case=case, name=f"来电人{n}", phone=phone, phone_index=blind_index("phone", phone))
    # A finished case whose resident left words at the callback, and one still open (reopened F: kept whole).
    done = Case.objects.filter(state="closed").order_by("pk").first()
    done_comment = Callback.objects.filter(case=done).first()
    Callback.objects.filter(pk=done_comment.pk).update(comment="我家电话13812345678，谢谢")
    open_case = Case.objects.exclude(state__in=["closed", "cancelled", "invalid"]).order_by("pk").first()
    assert open_case is not None

    region = world.tree["street"].code
    before = rates(u.admin, region)
    events_before = list(CaseEvent.objects.order_by("pk").values_list("pk", "action", "unit", "response_due", "on_time",
                                                                      "solved", "satisfaction", "at"))
    callbacks_before = list(Callback.objects.order_by("pk").values_list("pk", "solved", "satisfaction", "unit"))

    retention_services.set_rule(actor=u.admin, kind="closed_case_contacts", days=365)
    run = retention_services.sweep(actor=SWEEPER, now=NOW, only=["closed_case_contacts"])

    result = run.results[0]
    assert result["kind"] == "closed_case_contacts" and not result["error"] and result["rows"] > 0
    closed = Case.objects.filter(state="closed")
    assert closed.exists()
    for contact in CaseContact.objects.filter(case__in=closed):
        assert (contact.name, contact.phone, contact.phone_index) == ("", "", "")
    assert not Callback.objects.filter(case__in=closed).exclude(comment="").exists()
    assert not CaseEvent.objects.filter(case__in=closed, action__in=["callback", "reopen"]).exclude(reason="").exists()
    kept = CaseContact.objects.get(case=open_case)
    assert kept.name and kept.phone and kept.phone_index  # an open case keeps its caller

    # Events and verdicts: the same rows, the same figures' columns; the rates the same, live and rebuilt.
    assert list(CaseEvent.objects.order_by("pk").values_list("pk", "action", "unit", "response_due", "on_time",
                                                             "solved", "satisfaction", "at")) == events_before
    assert list(Callback.objects.order_by("pk").values_list("pk", "solved", "satisfaction", "unit")) == callbacks_before
    assert rates(u.admin, region) == before
    Rollup.objects.all().delete()
    assert rates(u.admin, region) == before

    # A second sweep finds nothing left to clear.
    assert retention_services.sweep(actor=SWEEPER, now=NOW, only=["closed_case_contacts"]).results[0]["rows"] == 0


@pytest.mark.django_db
def test_a_case_finished_within_the_period_keeps_its_caller(world, month):
    case = Case.objects.filter(state="closed").order_by("pk").first()
    CaseContact.objects.create(case=case, name="王五", phone="13812345678",
                               phone_index=blind_index("phone", "13812345678"))
    finished = case.closed_at
    run = retention_services.sweep(actor=SWEEPER, now=finished + timedelta(days=729), only=["closed_case_contacts"])
    assert run.results[0]["days"] == 730 and run.results[0]["rows"] == 0
    assert CaseContact.objects.get(case=case).phone == "13812345678"
    dry = retention_services.sweep(actor=SWEEPER, now=finished + timedelta(days=731), only=["closed_case_contacts"],
                                   dry_run=True)
    assert dry.results[0]["rows"] >= 1 and CaseContact.objects.get(case=case).phone == "13812345678"
    assert timezone.now() > finished


@pytest.mark.django_db
def test_an_uploaded_hotline_file_goes_after_its_period(world):
    from gongzhi.cases.models import ImportRun

    now = timezone.now()
    old = ImportRun.objects.create(filename="old.xlsx", data=b"PK...", state="done", rows=3, created=3,
                                   finished_at=now - timedelta(days=40))
    running = ImportRun.objects.create(filename="new.xlsx", data=b"PK...", state="writing")
    run = retention_services.sweep(actor=SWEEPER, only=["hotline_import_files"])
    assert run.results[0]["rows"] == 1
    old.refresh_from_db()
    assert old.data is None and (old.rows, old.created) == (3, 3)
    assert ImportRun.objects.get(pk=running.pk).data is not None
