"""The dispute lifecycle: every allowed and forbidden transition, atomic and audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.mediation import machine, services
from gongzhi.mediation.errors import DisputeConflict, DisputeTransitionNotAllowed
from gongzhi.mediation.models import (
    Action,
    Counter,
    Dispute,
    DisputeEvent,
    DisputeState,
    MediationSession,
    Party,
)

from .conftest import VALID_ID, parties

pytestmark = pytest.mark.django_db

STATES = ["registered", "assigned", "mediating", "agreed", "failed", "withdrawn"]
# Actions a person asks for (the sweep's own are tested in test_sweep).
PERSON_ACTIONS = [a for a in Action.values if a not in (Action.REGISTER, Action.DEADLINE_ALERT, Action.OVERDUE,
                                                        Action.REMINDER)]


def test_the_table_allows_exactly_the_lifecycle():
    allowed = {(s, a) for (s, a) in machine.TABLE}
    assert ("registered", "assign") in allowed and ("registered", "session") not in allowed
    assert ("assigned", "agree") not in allowed  # an agreement comes out of a session
    for ended in ("agreed", "failed", "withdrawn"):
        assert (ended, "assign") not in allowed and (ended, "withdraw") not in allowed
        assert (ended, "criminal") in allowed  # 民转刑 is recorded whenever it happens
    assert ("agreed", "follow_up") in allowed and ("failed", "follow_up") not in allowed


@pytest.mark.parametrize("state", STATES)
def test_every_action_not_in_the_table_is_refused_and_changes_nothing(world, dispute_in, state):
    dispute = dispute_in(state)
    for action in PERSON_ACTIONS:
        if (state, action) in machine.TABLE:
            continue
        events, version = DisputeEvent.objects.count(), dispute.version
        with pytest.raises(DisputeTransitionNotAllowed):
            machine.transition(dispute, action, actor=world.users.mediator)
        assert DisputeEvent.objects.count() == events
        dispute.refresh_from_db()
        assert dispute.version == version and dispute.state == state


def test_the_whole_road_to_an_agreement_is_evented_and_audited(world, dispute_in):
    dispute = dispute_in("agreed")
    actions = list(dispute.events.values_list("action", flat=True))
    assert actions[0] == "register" and "assign" in actions and actions.count("consent") == 2
    assert actions[-1] == "agree"
    states = [(e.from_state, e.to_state) for e in dispute.events.all()]
    assert ("", "registered") in states and ("mediating", "agreed") in states
    audited = set(AuditEvent.objects.filter(object_id=str(dispute.pk)).values_list("action", flat=True))
    assert {"mediation.register", "mediation.assign", "mediation.consent", "mediation.session",
            "mediation.agree"} <= audited
    assert dispute.agreement.number.startswith("U-TWH-YAL〔")
    assert dispute.ended_at is not None
    event = dispute.events.get(action="agree")
    assert event.committee == world.committees.village and event.tier == "community"
    assert event.payload["mediators"] == [world.users.mediator.pk]


def test_failure_records_the_routes_the_parties_were_told_of(world, dispute_in):
    dispute = dispute_in("failed")
    assert dispute.state == DisputeState.FAILED and dispute.routes_told == ["arbitration", "court"]


def test_failure_without_the_routes_is_refused(world, dispute_in):
    dispute = dispute_in("mediating")
    with pytest.raises(ValidationError) as caught:
        services.record_failure(actor=world.users.mediator, dispute=dispute, reason="分歧大", routes_told=[])
    assert "routes_told" in caught.value.message_dict
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.MEDIATING


def test_a_party_with_an_invalid_id_number_is_refused_and_nothing_is_written(world, register):
    with pytest.raises(ValidationError) as caught:
        register(parties=parties(world, id_number="110105194912310021"))
    assert "check character" in caught.value.message_dict["parties.0.id_number"][0]
    assert not Dispute.objects.exists() and not Party.objects.exists() and not Counter.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="mediation.").exists()


def test_a_dispute_needs_an_applicant_and_a_respondent(world, register):
    with pytest.raises(ValidationError) as caught:
        register(parties=[{"role": "applicant", "name": "张三"}])
    assert "one applicant and one respondent" in caught.value.message_dict["parties"][0]
    assert not Dispute.objects.exists()


def test_an_agreement_without_a_performance_deadline_is_refused(world, dispute_in):
    dispute = dispute_in("mediating")
    with pytest.raises(ValidationError) as caught:
        services.record_agreement(actor=world.users.mediator, dispute=dispute, form="written", facts="f",
                                  matters="m", responsibilities="r", content="c", performance_manner="p",
                                  performance_due=None)
    assert caught.value.message_dict["performance_due"] == ["An agreement needs a deadline for its performance."]
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.MEDIATING and not hasattr(dispute, "agreement_cache")
    assert not dispute.events.filter(action="agree").exists()


def test_a_session_before_registration_is_refused(world, dispute_in):
    dispute = dispute_in("assigned")
    for party in dispute.parties.all():
        services.record_consent(actor=world.users.mediator, dispute=dispute, party=party, consents=True)
    dispute.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.record_session(actor=world.users.mediator, dispute=dispute,
                                held_at=dispute.created_at - timedelta(days=1), place="调解室", attendees="双方",
                                statements="陈述")
    assert "before the dispute was registered" in caught.value.message_dict["held_at"][0]
    assert not MediationSession.objects.exists()


def test_consent_is_required_before_a_session_can_be_recorded(world, dispute_in):
    dispute = dispute_in("assigned")
    first = dispute.parties.order_by("id").first()
    services.record_consent(actor=world.users.mediator, dispute=dispute, party=first, consents=True)
    dispute.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.record_session(actor=world.users.mediator, dispute=dispute, held_at=timezone.now(), place="调解室",
                                attendees="双方", statements="陈述")
    assert "must consent to mediation" in caught.value.message_dict["__all__"][0]
    assert "李*" in caught.value.message_dict["__all__"][0]  # named, masked
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.ASSIGNED and not MediationSession.objects.exists()


def test_a_party_who_refuses_mediation_ends_it(world, dispute_in):
    dispute = dispute_in("assigned")
    refusing = dispute.parties.order_by("id").last()
    services.record_consent(actor=world.users.mediator, dispute=dispute, party=refusing, consents=False)
    dispute.refresh_from_db()
    dispute = services.record_failure(actor=world.users.mediator, dispute=dispute, reason="被申请人不同意调解",
                                      routes_told=["court"])
    assert dispute.state == DisputeState.FAILED


def test_only_the_committee_mediates(world, dispute_in):
    dispute = dispute_in("assigned")
    party = dispute.parties.first()
    for outsider in (world.users.township_mediator, world.users.comm_staff, world.users.other_mediator):
        with pytest.raises(PermissionDenied):
            services.record_consent(actor=outsider, dispute=dispute, party=party, consents=True)
    assert not dispute.events.filter(action="consent").exists()


def test_registering_outside_ones_area_is_refused(world, register):
    with pytest.raises(PermissionDenied):
        register(actor=world.users.other_mediator)
    assert not Dispute.objects.exists()


def test_a_stale_version_is_a_conflict_and_changes_nothing(world, dispute_in):
    dispute = dispute_in("registered")
    stale = dispute.version
    services.assign_dispute(actor=world.users.mediator, dispute=dispute, committee=world.committees.village,
                            mediators=[world.users.mediator])
    with pytest.raises(DisputeConflict) as caught:
        services.assign_dispute(actor=world.users.mediator, dispute=dispute, committee=world.committees.village,
                                mediators=[world.users.mediator2], expected_version=stale)
    assert caught.value.code == "version_conflict"
    dispute.refresh_from_db()
    assert list(dispute.mediators.all()) == [world.users.mediator]


def test_assignment_sets_the_deadline_on_the_working_day_calendar(world, dispute_in, settings):
    dispute = dispute_in("assigned")
    assert dispute.due_at is not None and dispute.due_at > timezone.now() + timedelta(days=20)


def test_a_committee_must_cover_the_place(world, dispute_in):
    dispute = dispute_in("registered")
    with pytest.raises(ValidationError) as caught:
        services.assign_dispute(actor=world.users.mediator, dispute=dispute, committee=world.committees.other_area,
                                mediators=[world.users.other_mediator])
    assert "does not cover" in caught.value.message_dict["committee"][0]


def test_escalation_goes_up_a_tier_with_a_reason_and_asks_consent_again(world, dispute_in):
    dispute = dispute_in("mediating")
    with pytest.raises(ValidationError) as caught:
        services.escalate_dispute(actor=world.users.mediator, dispute=dispute, committee=world.committees.village,
                                  mediators=[world.users.mediator], reason="调解不成")
    assert "higher tier" in caught.value.message_dict["committee"][0]
    with pytest.raises(ValidationError) as caught:
        services.escalate_dispute(actor=world.users.mediator, dispute=dispute, committee=world.committees.township,
                                  mediators=[world.users.township_mediator], reason="")
    assert "reason" in caught.value.message_dict
    dispute = services.escalate_dispute(actor=world.users.mediator, dispute=dispute,
                                        committee=world.committees.township,
                                        mediators=[world.users.township_mediator], reason="涉及金额较大，社区调解未果")
    assert dispute.state == DisputeState.ASSIGNED and dispute.committee == world.committees.township
    assert not dispute.parties.filter(consent=True).exists()
    event = dispute.events.get(action="escalate")
    assert event.payload["from_tier"] == "community" and event.tier == "township"
    # the township mediator now mediates; the village mediator no longer does
    party = dispute.parties.first()
    services.record_consent(actor=world.users.township_mediator, dispute=dispute, party=party, consents=True)
    dispute.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.record_consent(actor=world.users.mediator, dispute=dispute, party=party, consents=True)


def test_withdrawal(world, dispute_in):
    dispute = dispute_in("withdrawn")
    assert dispute.state == DisputeState.WITHDRAWN and dispute.outcome_note == "申请人撤回调解申请"


def test_a_requested_mediator_is_recorded_and_whether_it_was_honoured(world, register):
    dispute = register(requested_mediator=world.users.mediator2.pk)
    dispute = services.assign_dispute(actor=world.users.mediator, dispute=dispute, committee=world.committees.village,
                                      mediators=[world.users.mediator2])
    assert dispute.requested_mediator == world.users.mediator2
    assert dispute.events.get(action="assign").payload["requested_mediator_assigned"] is True


def test_criminal_turn_is_recorded_once(world, dispute_in):
    dispute = dispute_in("failed")
    dispute = services.mark_criminal(actor=world.users.mediator, dispute=dispute, note="一方持刀伤人，已立刑事案件")
    assert dispute.criminal_at is not None
    with pytest.raises(ValidationError):
        services.mark_criminal(actor=world.users.mediator, dispute=dispute, note="again")
    assert dispute.events.filter(action="criminal").count() == 1


def test_parties_personal_data_is_encrypted_and_masked(world, register):
    from django.db import connection

    dispute = register()
    party = dispute.parties.get(role="applicant")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number, phone, address FROM mediation_party WHERE id = %s", [party.pk])
        stored = cursor.fetchone()
    for clear, value in zip(("张三", VALID_ID, "13912345678", "永安里小区"), stored):
        assert clear not in value
    assert party.name_masked == "张*" and party.id_number_masked == "1101**********002X"
    assert party.phone_masked == "139****5678" and party.address_masked == "北京市朝阳区****"
    registry_party = dispute.parties.get(role="respondent")
    assert registry_party.name_masked == "李*" and registry_party.id_number_masked.startswith("1101")


def test_the_reveal_is_audited_and_needs_a_reason(world, register):
    dispute = register()
    party = dispute.parties.get(role="applicant")
    with pytest.raises(ValidationError):
        services.reveal_party(actor=world.users.mediator, party=party, reason="")
    with pytest.raises(PermissionDenied):
        services.reveal_party(actor=world.users.grid_a1, party=party, reason="联系当事人安排调解")
    clear = services.reveal_party(actor=world.users.mediator, party=party, reason="联系当事人安排调解")
    assert clear == {"name": "张三", "id_number": VALID_ID, "phone": "13912345678",
                     "address": "北京市朝阳区永安里小区3号楼2单元501"}
    event = AuditEvent.objects.get(action="mediation.party.reveal")
    assert event.reason == "联系当事人安排调解" and event.actor == world.users.mediator


def test_a_party_is_found_for_a_data_subject_request(world, register):
    from gongzhi.privacy import holders

    register()
    found = [row for item in holders.find_all(holders.Subject(id_number=VALID_ID)) for row in item.rows
             if row._meta.label == "mediation.Party"]
    assert [p.name for p in found] == ["张三"]
    by_phone = holders.find_all(holders.Subject(phone="13800138000"))  # the registry person, respondent
    assert any(getattr(row, "person_id", None) == world.person.pk for item in by_phone for row in item.rows)
