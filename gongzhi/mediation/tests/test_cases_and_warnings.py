"""A case becomes a dispute and gets its outcome; early warnings tell the community and the police station."""

import pytest
from django.core.exceptions import ValidationError

from gongzhi.cases import machine as case_machine
from gongzhi.cases import services as case_services
from gongzhi.cases.models import CaseState, Category
from gongzhi.mediation import services
from gongzhi.mediation.models import DisputeState, EarlyWarning, WarningNotice
from gongzhi.notifications.models import Notification

from .conftest import parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def noise_case(world):
    return case_services.create_case(
        actor=world.users.resident, channel="web", category=Category.objects.get(code="0201"),
        title="楼上噪声扰民", description="楼上邻居每晚装修到深夜，多次沟通无果。", lon=116.445, lat=39.905)


def test_a_case_waits_for_the_dispute_and_gets_its_outcome(world, noise_case, register):
    dispute = register(case=noise_case, grid=None)
    noise_case.refresh_from_db()
    assert noise_case.state == CaseState.MEDIATING and dispute.source == "case"
    assert dispute.region_code == noise_case.region_code
    assert noise_case.response_due is None and noise_case.resolution_due is None
    event = noise_case.events.get(action="refer_mediation")
    assert event.payload["dispute"] == dispute.number
    # while it waits the dispute owns the outcome: no merge, no invalidation
    assert not case_machine.may(noise_case, "invalidate", world.users.dispatcher)
    u = world.users
    dispute = services.assign_dispute(actor=u.mediator, dispute=dispute, committee=world.committees.village,
                                      mediators=[u.mediator])
    for party in dispute.parties.all():
        services.record_consent(actor=u.mediator, dispute=dispute, party=party, consents=True)
    dispute.refresh_from_db()
    from django.utils import timezone

    services.record_session(actor=u.mediator, dispute=dispute, held_at=timezone.now(), place="调解室",
                            attendees="双方", statements="陈述")
    dispute.refresh_from_db()
    agreement = services.record_agreement(
        actor=u.mediator, dispute=dispute, form="oral", facts="装修噪声", matters="施工时间", responsibilities="楼上",
        content="晚八点后停止施工", performance_manner="自行遵守", performance_due=timezone.localdate())
    noise_case.refresh_from_db()
    assert noise_case.state == CaseState.REPLIED
    assert agreement.number in noise_case.reply and "晚八点后停止施工" in noise_case.reply
    assert noise_case.events.last().action == "mediation_ended"
    # then the callback, as for any reply: it counts in the resolution and satisfaction rates
    case = case_services.record_callback(case=noise_case, actor=u.dispatcher, solved=True, satisfaction="satisfied")
    assert case.state == CaseState.CLOSED


def test_a_failed_mediation_answers_the_case_with_the_routes(world, noise_case, register):
    dispute = register(case=noise_case, grid=None)
    services.withdraw_dispute(actor=world.users.mediator, dispute=dispute, reason="双方已自行和解")
    noise_case.refresh_from_db()
    assert noise_case.state == CaseState.REPLIED and "双方已自行和解" in noise_case.reply


def test_a_case_already_replied_cannot_be_referred(world, noise_case, register):
    case_services.cancel_case(case=noise_case, actor=world.users.dispatcher, reason="重复")
    with pytest.raises(ValidationError) as caught:
        register(case=noise_case, grid=None)
    assert "case" in caught.value.message_dict


def test_signs_of_escalation_warn_the_community_and_the_police_station(world, register):
    dispute = register(signs=["threats", "violence"], risk_level="serious", risk_reasons="一方扬言报复")
    warning = EarlyWarning.objects.get(dispute=dispute)
    told = {notice.unit: notice.people for notice in WarningNotice.objects.filter(warning=warning)}
    assert told == {world.community_unit: 2, world.police: 1}  # community staff and grid worker; the officer
    assert Notification.objects.filter(user=world.users.police, kind="mediation.warning").exists()
    event = dispute.events.get(action="warn")
    assert event.payload["police_told"] is True
    assert set(dispute.signs) == {"threats", "violence"}


def test_a_warning_needs_signs(world, register):
    dispute = register()
    with pytest.raises(ValidationError):
        services.raise_warning(actor=world.users.grid_a1, dispute=dispute, signs=[])
    warning = services.raise_warning(actor=world.users.grid_a1, dispute=dispute, signs=["repeated_petitions"],
                                     note="多次到街道上访")
    assert warning.raised_by == world.users.grid_a1


def test_a_higher_risk_needs_its_reasons(world, register):
    with pytest.raises(ValidationError) as caught:
        register(risk_level="major", parties=parties(world))
    assert "risk_reasons" in caught.value.message_dict
