"""Judicial confirmation within 30 days (a last day on a holiday moves on), court referrals, follow-up."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongzhi.mediation import services
from gongzhi.mediation.models import CourtReferral, DisputeState, Performance, ReferralResult

from .conftest import parties

pytestmark = pytest.mark.django_db


def _agree(world, dispute, effective_on, form="written"):
    return services.record_agreement(
        actor=world.users.mediator, dispute=dispute, form=form, facts="f", matters="m", responsibilities="r",
        content="赔偿3000元", performance_manner="转账", performance_due=effective_on + timedelta(days=20),
        effective_on=effective_on)


def test_the_30_days_ending_on_a_holiday_end_on_the_first_working_day_after(world, dispute_in):
    dispute = dispute_in("mediating")
    agreement = _agree(world, dispute, date(2025, 9, 1))  # + 30 days = 1 October (National Day holidays)
    assert agreement.confirmation_due == date(2025, 10, 9)


def test_the_application_within_the_period_and_late(world, dispute_in):
    dispute = dispute_in("mediating")
    effective = timezone.localdate() - timedelta(days=40)
    agreement = _agree(world, dispute, effective)
    dispute.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.apply_for_confirmation(actor=world.users.mediator, dispute=dispute, court="朝阳区人民法院",
                                        applied_on=agreement.confirmation_due + timedelta(days=1))
    assert "Too late" in caught.value.message_dict["applied_on"][0]
    confirmation = services.apply_for_confirmation(actor=world.users.mediator, dispute=dispute,
                                                   court="朝阳区人民法院", applied_on=agreement.confirmation_due)
    confirmation = services.record_confirmation_result(actor=world.users.mediator, confirmation=confirmation,
                                                       status="confirmed", decided_on=timezone.localdate())
    assert confirmation.status == "confirmed"
    assert dispute.events.filter(action__in=["apply_confirmation", "confirmation_result"]).count() == 2


def test_an_oral_agreement_is_not_confirmed_by_a_court(world, dispute_in):
    dispute = dispute_in("mediating")
    _agree(world, dispute, timezone.localdate(), form="oral")
    dispute.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.apply_for_confirmation(actor=world.users.mediator, dispute=dispute, court="法院",
                                        applied_on=timezone.localdate())
    assert "written" in caught.value.message_dict["__all__"][0]


def test_follow_up_of_performance(world, dispute_in):
    dispute = dispute_in("agreed")
    with pytest.raises(ValidationError) as caught:
        services.record_follow_up(actor=world.users.mediator, dispute=dispute, result="partly",
                                  checked_on=timezone.localdate(), note="")
    assert "note" in caught.value.message_dict  # partly or not performed: say what is missing
    services.record_follow_up(actor=world.users.mediator, dispute=dispute, result="partly",
                              checked_on=timezone.localdate(), note="已支付一半")
    services.record_follow_up(actor=world.users.mediator, dispute=dispute, result="performed",
                              checked_on=timezone.localdate())
    dispute.agreement.refresh_from_db()
    assert dispute.agreement.performance == Performance.PERFORMED
    assert dispute.agreement.follow_ups.count() == 2


def test_a_court_referral_and_its_result(world):
    dispute = services.refer_from_court(
        actor=world.users.mediator, court="朝阳区人民法院", court_number="(2026)京0105民诉前调1234号",
        referred_on=timezone.localdate(), dispute_type="contract", title="买卖合同纠纷", facts="货款未付。",
        parties=parties(world), grid=world.tree["grid_a1"])
    assert dispute.source == "court" and dispute.court_referral.result == ReferralResult.PENDING
    with pytest.raises(ValidationError) as caught:
        services.refer_from_court(
            actor=world.users.mediator, court="朝阳区人民法院", court_number="(2026)京0105民诉前调1234号",
            referred_on=timezone.localdate(), dispute_type="contract", title="又一次", facts="货款未付。",
            parties=parties(world), grid=world.tree["grid_a1"])
    assert "already referred" in caught.value.message_dict["court_number"][0]
    dispute = services.withdraw_dispute(actor=world.users.mediator, dispute=dispute, reason="原告撤诉")
    referral = services.report_to_court(actor=world.users.mediator, dispute=dispute,
                                        reported_on=timezone.localdate())
    assert referral.result == ReferralResult.WITHDRAWN and referral.reported_on == timezone.localdate()
    assert CourtReferral.objects.count() == 1 and dispute.state == DisputeState.WITHDRAWN
