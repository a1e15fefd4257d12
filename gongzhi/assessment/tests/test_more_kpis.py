"""The KPIs over mediation, screening, deliberation and volunteers, each on a hand-computed month."""

import datetime as dt

import pytest

from gongzhi.accounts.models import UnitKind
from gongzhi.assessment import scoring, services
from gongzhi.cases.tests.conftest import local
from gongzhi.deliberation.models import ItemEvent
from gongzhi.deliberation.tests import scoping_factories as deliberation
from gongzhi.mediation.models import DisputeEvent, ScreeningReport
from gongzhi.mediation.tests import scoping_factories as mediation
from gongzhi.volunteers.models import SignUp, SignUpState
from gongzhi.volunteers.tests import scoping_factories as volunteers

pytestmark = pytest.mark.django_db
SEPTEMBER = dt.date(2025, 9, 1)


def board(world, measure):
    kpi_set = services.create_kpi_set(actor=world.users.admin, name=measure, unit_kind=UnitKind.COMMUNITY_COMMITTEE,
                                      region=world.tree["street"], valid_from="2025-01", kpis=[(measure, 1)])
    result = scoring.compute(kpi_set, SEPTEMBER)
    return {row.unit.code: (row.values[measure].numerator, row.values[measure].denominator) for row in result.rows}


def test_mediation_success(world, settings):
    """永安里 (A): agreed twice, failed once in September, agreed once in August: 2/3. 光华里 (B): failed once: 0/1."""
    tree = world.tree
    for place, action, at in ((tree["grid_a1"], "agree", local(2025, 9, 3, 10)),
                              (tree["grid_a2"], "agree", local(2025, 9, 30, 23)),
                              (tree["grid_a1"], "fail", local(2025, 9, 10, 10)),
                              (tree["grid_a1"], "agree", local(2025, 8, 31, 23)),
                              (tree["grid_a1"], "session", local(2025, 9, 10, 10)),
                              (tree["grid_b1"], "fail", local(2025, 9, 11, 10))):
        dispute = mediation.dispute(place, 1)
        DisputeEvent.objects.create(dispute=dispute, action=action, at=at, region_code=place.code)
    assert board(world, "mediation_success") == {"U-YAL": (2, 3), "U-GHL": (0, 1)}


def test_screening_reports_on_time(world, settings):
    """Monthly periods. A has grids A1, A2: A1 filed on 20 Sep, A2 filed on 2 Oct (late): 1/2. B1 none: 0/1."""
    settings.MEDIATION_SCREENING_PERIOD = "month"
    tree = world.tree
    ScreeningReport.objects.create(region=tree["grid_a1"], period_start=SEPTEMBER, is_zero=True,
                                   filed_at=local(2025, 9, 20, 10))
    ScreeningReport.objects.create(region=tree["grid_a2"], period_start=SEPTEMBER, is_zero=True,
                                   filed_at=local(2025, 10, 2, 10))
    assert board(world, "screening_on_time") == {"U-YAL": (1, 2), "U-GHL": (0, 1)}


def test_deliberation_decisions_carried_out(world):
    """A: item 1 started in July, completed 12 Sep; item 2 started in August, still going; item 3 completed in
    August (not counted); item 4 started 5 Oct (not yet). 1/2. B: nothing: 0/0."""
    tree = world.tree

    def item(*steps):
        row = deliberation.item(tree["comm_a"], 1)
        for action, at in steps:
            ItemEvent.objects.create(item=row, action=action, to_state="x", at=at)

    item(("start_implementation", local(2025, 7, 1, 10)), ("complete", local(2025, 9, 12, 10)))
    item(("start_implementation", local(2025, 8, 1, 10)))
    item(("start_implementation", local(2025, 7, 1, 10)), ("complete", local(2025, 8, 12, 10)))
    item(("start_implementation", local(2025, 10, 5, 10)))
    assert board(world, "deliberation_done") == {"U-YAL": (1, 2), "U-GHL": (0, 0)}


def test_volunteer_attendance(world):
    """A: an activity ending 14 Sep with three attended, one absent, one cancelled: 3/4; one ending in October."""
    tree = world.tree
    september = volunteers.activity(tree["grid_a1"], 1)
    september.starts_at, september.ends_at = local(2025, 9, 14, 9), local(2025, 9, 14, 11)
    september.save()
    october = volunteers.activity(tree["grid_a1"], 2)
    october.starts_at, october.ends_at = local(2025, 10, 1, 9), local(2025, 10, 1, 11)
    october.save()
    for n, state in enumerate(["attended", "attended", "attended", "absent", "cancelled"]):
        SignUp.objects.create(activity=september, volunteer=volunteers.volunteer(tree["grid_a1"], n), state=state)
    SignUp.objects.create(activity=october, volunteer=volunteers.volunteer(tree["grid_a1"], 9),
                          state=SignUpState.ATTENDED)
    assert board(world, "volunteer_attendance") == {"U-YAL": (3, 4), "U-GHL": (0, 0)}
