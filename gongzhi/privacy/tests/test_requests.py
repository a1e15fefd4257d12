"""Data-subject requests: registered with a deadline on the working-day calendar, answered once, audited."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.core import workcal
from gongzhi.privacy import services
from gongzhi.privacy.models import RequestState, SubjectRequest


@pytest.fixture
def officer(make_user):
    return make_user("dpo", role=Role.ADMIN)


@pytest.fixture
def resident(make_user):
    return make_user("resident_1", phone="13812345678", display_name="王五")


def test_a_request_is_due_fifteen_working_days_after_receipt(officer, resident):
    received = timezone.make_aware(dt.datetime(2026, 9, 28, 10))  # before the National Day holidays
    request = services.open_request(actor=officer, kind="access", owner=officer, subject_phone="138 1234 5678",
                                    received_at=received)
    assert request.due_on == workcal.nth_working_day(dt.date(2026, 9, 28), 15)
    assert (request.due_on - dt.date(2026, 9, 28)).days > 21  # the holiday week is not counted
    assert AuditEvent.objects.filter(action="privacy.request.open", object_id=str(request.pk)).exists()
    assert SubjectRequest.objects.get().subject_phone == "13812345678"


def test_a_request_needs_an_identifier_and_a_capable_owner(officer, resident, make_user):
    grid = make_user("gw", role=Role.GRID_WORKER)
    with pytest.raises(ValidationError) as caught:
        services.open_request(actor=officer, kind="access", owner=grid, subject_name="王五")
    assert set(caught.value.message_dict) == {"subject_id_number", "owner"}
    with pytest.raises(PermissionDenied):
        services.open_request(actor=grid, kind="access", owner=officer, subject_phone="13812345678")
    assert not SubjectRequest.objects.exists()


def test_what_is_held_comes_from_every_holder_and_is_audited(officer, resident):
    request = services.open_request(actor=officer, kind="access", owner=officer, subject_phone="13812345678")
    items = services.held_data(actor=officer, request=request)
    by_model = {item.model: item.rows for item in items}
    accounts = by_model["users"]
    assert [row["id"] for row in accounts] == [resident.pk]
    assert accounts[0]["mobile number"] == "13812345678" and accounts[0]["display name"] == "王五"
    assert [row["id"] for row in by_model["data-subject requests"]] == [request.pk]  # the request itself
    event = AuditEvent.objects.get(action="privacy.request.held_data")
    assert "13812345678" not in str(event.changes)


def test_only_the_owner_or_an_administrator_reads_and_answers(officer, resident, make_user, monkeypatch):
    other = make_user("dpo2", role=Role.COMMUNITY_STAFF)
    monkeypatch.setattr(type(other), "extra_capabilities", frozenset({"privacy.manage"}), raising=False)
    request = services.open_request(actor=officer, kind="deletion", owner=officer, subject_user=resident)
    with pytest.raises(PermissionDenied):
        services.held_data(actor=other, request=request)
    with pytest.raises(PermissionDenied):
        services.answer_request(actor=other, request=request, answer="ok")


def test_an_answer_is_given_once(officer, resident):
    request = services.open_request(actor=officer, kind="correction", owner=officer, subject_user=resident)
    with pytest.raises(ValidationError):
        services.answer_request(actor=officer, request=request, answer="  ")
    services.answer_request(actor=officer, request=request, answer="已更正手机号。")
    request.refresh_from_db()
    assert request.state == RequestState.ANSWERED and request.answered_by == officer
    with pytest.raises(ValidationError, match="already been answered"):
        services.answer_request(actor=officer, request=request, answer="again", refused=True)
    event = AuditEvent.objects.get(action="privacy.request.answer")
    assert event.changes == {"state": "answered", "on_time": True}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_answers_at_once_close_it_once(make_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proved on PostgreSQL")
    officer = make_user("dpo", role=Role.ADMIN)
    resident = make_user("resident_1", phone="13812345678")
    request = services.open_request(actor=officer, kind="access", owner=officer, subject_user=resident)
    barrier, outcomes = threading.Barrier(2), []

    def answer(text):
        try:
            barrier.wait()
            services.answer_request(actor=officer, request=request, answer=text)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(t,)) for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert AuditEvent.objects.filter(action="privacy.request.answer").count() == 1


def test_the_command_opens_reads_answers_and_lists(officer, resident):
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("subject_request", "open", "--kind", "access", "--owner", "dpo", "--phone", "13812345678",
                 stdout=out)
    request = SubjectRequest.objects.get()
    assert out.getvalue().startswith(f"#{request.pk} opened, due on {request.due_on.isoformat()}")
    out = StringIO()
    call_command("subject_request", "list", stdout=out)
    assert f"#{request.pk} access" in out.getvalue()
    out = StringIO()
    call_command("subject_request", "held", str(request.pk), stdout=out)
    assert any(item["model"] == "users" for item in json.loads(out.getvalue()))
    call_command("subject_request", "answer", str(request.pk), "--text", "已提供副本。", stdout=StringIO())
    request.refresh_from_db()
    assert request.state == RequestState.ANSWERED
    assert AuditEvent.objects.get(action="privacy.request.answer").actor_label.startswith("system:subject_request")
