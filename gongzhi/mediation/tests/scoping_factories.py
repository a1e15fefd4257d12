"""Rows of the mediation app's scoped models placed in a region, for accounts/tests/test_scoping_proof.py."""

import itertools
from datetime import date

from django.utils import timezone

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.mediation.models import (
    Agreement,
    Committee,
    CourtReferral,
    Dispute,
    DisputeEvent,
    DisputeType,
    EarlyWarning,
    FollowUp,
    JudicialConfirmation,
    MediationSession,
    Party,
    Reminder,
    ScreeningReport,
    WarningNotice,
)

_n = itertools.count(1)


def dispute(place, n):
    k = next(_n)
    return Dispute.objects.create(number=f"TJF{n}-{k}", dispute_type=DisputeType.objects.get(code="other"),
                                  source="walk_in", title="纠纷", facts="事实", region_code=place.code)


def committee(place, n):
    unit = Unit.objects.create(code=f"MF-{n}-{next(_n)}", name="调委会", kind=UnitKind.MEDIATION_COMMITTEE, region=place)
    return Committee.objects.create(unit=unit, tier="community")


def agreement(place, n):
    d = dispute(place, n)
    return Agreement.objects.create(dispute=d, number=f"AF{n}-{next(_n)}", form="oral", facts="f", matters="m",
                                    responsibilities="r", content="c", performance_manner="p",
                                    performance_due=date(2026, 1, 1), effective_on=date(2025, 12, 1),
                                    confirmation_due=date(2025, 12, 31))


def warning(place, n):
    return EarlyWarning.objects.create(dispute=dispute(place, n), signs=["threats"])


FACTORIES = {
    Committee: committee,
    Dispute: dispute,
    Party: lambda place, n: Party.objects.create(dispute=dispute(place, n), role="applicant", name="张三"),
    DisputeEvent: lambda place, n: DisputeEvent.objects.create(dispute=dispute(place, n), action="register",
                                                               region_code=place.code),
    MediationSession: lambda place, n: MediationSession.objects.create(
        dispute=dispute(place, n), held_at=timezone.now(), place="p", attendees="a", statements="s"),
    Agreement: agreement,
    JudicialConfirmation: lambda place, n: JudicialConfirmation.objects.create(
        agreement=agreement(place, n), court="法院", applied_on=date(2025, 12, 2)),
    CourtReferral: lambda place, n: CourtReferral.objects.create(
        dispute=dispute(place, n), court="法院", court_number=f"C{n}-{next(_n)}", referred_on=date(2025, 12, 1)),
    FollowUp: lambda place, n: FollowUp.objects.create(agreement=agreement(place, n), checked_on=date(2025, 12, 5),
                                                       result="performed"),
    ScreeningReport: lambda place, n: ScreeningReport.objects.create(region=place, period_start=date(2025, n % 12 + 1, 1),
                                                                     is_zero=True),
    EarlyWarning: warning,
    WarningNotice: lambda place, n: WarningNotice.objects.create(
        warning=warning(place, n),
        unit=Unit.objects.create(code=f"WF-{n}-{next(_n)}", name="派出所", kind=UnitKind.POLICE_STATION, region=place)),
    Reminder: lambda place, n: Reminder.objects.create(dispute=dispute(place, n), kind=f"k{next(_n)}"),
}

CATALOGUES = {DisputeType: lambda n: DisputeType.objects.create(code=f"type{n}-{next(_n)}", name="类型")}
