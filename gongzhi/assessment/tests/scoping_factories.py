"""Rows of the assessment app's scoped models placed in a region, for accounts/tests/test_scoping_proof.py."""

from datetime import date

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.assessment.models import Appeal, AppealEvent, Kpi, KpiSet, ServiceRating, Snapshot, SnapshotRow
from gongzhi.cases.tests.scoping_factories import case


def _unit(place, n, suffix, kind=UnitKind.COMMUNITY_COMMITTEE):
    return Unit.objects.create(code=f"AF-{n}{suffix}", name=f"assessment factory unit {n}{suffix}", kind=kind,
                               region=place)


def kpi_set(place, n):
    return KpiSet.objects.create(name=f"考核{n}", unit_kind=UnitKind.COMMUNITY_COMMITTEE, region=place,
                                 valid_from=date(2025, 1, 1))


def kpi(place, n):
    return Kpi.objects.create(kpi_set=kpi_set(place, n), measure="response_rate", weight=1)


def appeal(place, n):
    return Appeal.objects.create(case=case(place, n), unit=_unit(place, n, "a"), month=date(2025, 9, 1),
                                 reason="申诉")


def appeal_event(place, n):
    return AppealEvent.objects.create(appeal=appeal(place, n), state="filed")


def snapshot(place, n):
    return Snapshot.objects.create(kpi_set=kpi_set(place, n), month=date(2025, 9, 1))


def snapshot_row(place, n):
    return SnapshotRow.objects.create(snapshot=snapshot(place, n), unit=_unit(place, n, "s"), measure="",
                                      value=1.0)


def service_rating(place, n):
    return ServiceRating.objects.create(rater=_unit(place, n, "r"), department=_unit(place, n, "d", UnitKind.DEPARTMENT),
                                        month=date(2025, 9, 1), report_in=5, quality=5, returns=5)


FACTORIES = {KpiSet: kpi_set, Kpi: kpi, Appeal: appeal, AppealEvent: appeal_event, Snapshot: snapshot,
             SnapshotRow: snapshot_row, ServiceRating: service_rating}


def covenant(place, n):
    from gongzhi.assessment.models import Covenant

    found, _created = Covenant.objects.get_or_create(region=place, defaults={"kind": "residents",
                                                                           "title": f"居民公约{n}"})
    return found


def covenant_version(place, n):
    from gongzhi.assessment.models import CovenantVersion

    parent = covenant(place, n)
    return CovenantVersion.objects.create(covenant=parent, number=parent.versions.count() + 1, text="爱护环境",
                                          adopted_on=date(2025, 1, 1), meeting="居民会议", votes_for=80, votes_cast=100)


def _more():
    from gongzhi.assessment.models import Covenant, CovenantVersion

    return {Covenant: covenant, CovenantVersion: covenant_version}


FACTORIES.update(_more())


def event_source(place, n):
    from gongzhi.assessment.models import EventSource
    from gongzhi.cases.tests.scoping_factories import _category
    from gongzhi.core import crypto

    return EventSource.objects.create(code=f"src-{n}", name=f"系统{n}", region=place, category=_category(),
                                      secret_encrypted=crypto.encrypt("s"))


def external_event(place, n):
    from gongzhi.assessment.models import ExternalEvent

    return ExternalEvent.objects.create(source=event_source(place, n), external_id=f"E{n}", case=case(place, n))


def seen_signature(place, n):
    from gongzhi.assessment.models import SeenSignature

    return SeenSignature.objects.create(source=event_source(place, n), signature=f"{n:064d}")


def _intake():
    from gongzhi.assessment.models import EventSource, ExternalEvent, SeenSignature

    return {EventSource: event_source, ExternalEvent: external_event, SeenSignature: seen_signature}


FACTORIES.update(_intake())
