"""On-site verification (核实 / 核查): asking, answering, who may, and what it leaves behind."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import machine, metrics, services
from gongzhi.cases.errors import TransitionNotAllowed
from gongzhi.cases.models import AttachmentPurpose, CaseEvent, CaseState, Verification, VerificationKind
from gongzhi.notifications.models import Notification

from .conftest import MONDAY, reload

pytestmark = pytest.mark.django_db
A = machine.Action


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, format="PNG")
    return out.getvalue()


def test_the_dispatcher_asks_the_grid_of_the_case_and_the_state_stays(world, case_in):
    case = case_in(CaseState.RECEIVED)
    case = services.request_verification(case=case, actor=world.users.dispatcher, note="是否仍在施工", at=MONDAY)
    assert case.state == CaseState.RECEIVED
    pending = Verification.objects.get(case=case)
    assert pending.kind == VerificationKind.EXISTS and pending.grid_id == world.tree["grid_a1"].pk
    assert pending.is_pending and pending.due_at > MONDAY and pending.request_note == "是否仍在施工"
    event = case.events.get(action=A.REQUEST_VERIFICATION)
    assert event.from_state == event.to_state == CaseState.RECEIVED
    assert AuditEvent.objects.filter(action="cases.request_verification", object_id=str(case.pk)).exists()
    told = set(Notification.objects.filter(kind="cases.verification_requested").values_list("user__username",
                                                                                             flat=True))
    assert told == {"grid_a1"}


def test_only_the_grid_worker_of_that_grid_may_answer(world, case_in):
    u = world.users
    case = services.request_verification(case=case_in(CaseState.RECEIVED), actor=u.dispatcher, at=MONDAY)
    assert machine.may(case, A.VERIFY, u.grid_a1)
    for other in (u.grid_b1, u.comm_a_staff, u.dispatcher, u.cg_clerk, u.resident, u.admin):
        assert not machine.may(case, A.VERIFY, other), other.username
    with pytest.raises(PermissionDenied):
        services.verify_case(case=case, actor=u.grid_b1, finding="confirmed", at=MONDAY)
    assert Verification.objects.get(case=case).is_pending


def test_the_grid_worker_records_the_finding_with_photo_and_place(world, case_in):
    u = world.users
    case = services.request_verification(case=case_in(CaseState.RECEIVED), actor=u.dispatcher, at=MONDAY)
    case = services.verify_case(case=case, actor=u.grid_a1, finding="confirmed", note="现场确有施工",
                                lon=116.4451, lat=39.9052, photo=png(), photo_name="site.png", at=MONDAY)
    done = Verification.objects.get(case=case)
    assert not done.is_pending and done.finding == "confirmed" and done.found_by == u.grid_a1
    assert (done.lon, done.lat) == (116.4451, 39.9052)
    assert done.photo.purpose == AttachmentPurpose.VERIFY and done.photo.case_id == case.pk
    event = case.events.get(action=A.VERIFY)
    assert event.payload["finding"] == "confirmed" and event.reason == "现场确有施工"
    assert case.state == CaseState.RECEIVED
    assert Notification.objects.filter(kind="cases.verified", user=u.dispatcher).exists()
    assert not machine.may(case, A.VERIFY, u.grid_a1)  # answered: nothing pending any more


def test_after_the_reply_the_question_is_whether_it_was_fixed(world, case_in):
    u = world.users
    case = services.request_verification(case=case_in(CaseState.REPLIED), actor=u.dispatcher, at=MONDAY)
    assert Verification.objects.get(case=case).kind == VerificationKind.FIXED
    with pytest.raises(ValidationError) as exc:
        services.verify_case(case=case, actor=u.grid_a1, finding="confirmed", at=MONDAY)
    assert "finding" in exc.value.message_dict
    assert Verification.objects.get(case=case).is_pending
    case = services.verify_case(case=reload(case), actor=u.grid_a1, finding="not_fixed", at=MONDAY)
    assert case.state == CaseState.REPLIED


@pytest.mark.parametrize("who", ["grid_a1", "cg_clerk", "comm_a_staff", "resident", "leader"])
def test_only_dispatchers_ask(world, case_in, who):
    case = case_in(CaseState.DISPATCHED)
    with pytest.raises(PermissionDenied):
        services.request_verification(case=case, actor=getattr(world.users, who), at=MONDAY)
    assert not Verification.objects.exists()


def test_one_question_at_a_time_and_bad_input_named(world, case_in):
    u = world.users
    case = services.request_verification(case=case_in(CaseState.IN_PROGRESS), actor=u.dispatcher, at=MONDAY)
    with pytest.raises(ValidationError):
        services.request_verification(case=reload(case), actor=u.dispatcher, at=MONDAY)
    with pytest.raises(ValidationError) as exc:
        services.request_verification(case=reload(case), actor=u.dispatcher, within_hours=0, at=MONDAY)
    assert "within_hours" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.verify_case(case=reload(case), actor=u.grid_a1, finding="confirmed", lon=116.4, at=MONDAY)
    assert "lon" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.verify_case(case=reload(case), actor=u.grid_a1, finding="confirmed", photo=b"not an image",
                             at=MONDAY)
    assert "photo" in exc.value.message_dict
    assert Verification.objects.filter(case=case).count() == 1 and Verification.objects.get(case=case).is_pending


def test_no_grid_no_question(world):
    case = services.create_case(actor=world.users.resident, channel="web", category="0201", title="噪声",
                                description="小区噪声", region=world.tree["comm_a"].code, at=MONDAY)
    assert case.grid_id is None
    with pytest.raises(ValidationError):
        services.request_verification(case=case, actor=world.users.dispatcher, at=MONDAY)


@pytest.mark.parametrize("state", [CaseState.CLOSED, CaseState.CANCELLED, CaseState.MERGED])
def test_not_on_a_concluded_case(world, case_in, state):
    with pytest.raises(TransitionNotAllowed):
        services.request_verification(case=case_in(state), actor=world.users.dispatcher, at=MONDAY)


def test_verification_does_not_change_the_three_rates(world, case_in):
    u = world.users
    period = metrics.Period.between(date(2025, 9, 1), date(2025, 9, 30))
    case = case_in(CaseState.REPLIED)
    before = [(f.key, f.dispatched, f.responded, f.called_back, f.solved, f.satisfied)
              for f in metrics.by_unit(u.admin, period).rows]
    events_before = CaseEvent.objects.count()
    case = services.request_verification(case=case, actor=u.dispatcher, at=MONDAY)
    services.verify_case(case=case, actor=u.grid_a1, finding="fixed", at=MONDAY)
    assert CaseEvent.objects.count() == events_before + 2
    after = [(f.key, f.dispatched, f.responded, f.called_back, f.solved, f.satisfied)
             for f in metrics.by_unit(u.admin, period).rows]
    assert after == before
