"""双报到: units and in-service members report, choose posts, serve; the below-minimum list across a year."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.audit.models import AuditEvent
from gongzhi.party import selectors, services
from gongzhi.party.models import Participation, ServicePost, UnitReport
from gongzhi.registry.models import OrganisationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(tree, staff):
    return {
        "patrol": services.create_post(actor=staff["a"], community=tree["comm_a"], name="平安巡逻",
                                       kind=ServicePost.Kind.SAFETY, capacity=1),
        "care": services.create_post(actor=staff["a"], community=tree["comm_a"], name="关爱老人",
                                     kind=ServicePost.Kind.CARE),
        "b": services.create_post(actor=staff["b"], community=tree["comm_b"], name="光华里环境", capacity=None),
    }


def test_a_resident_unit_reports_where_it_sits(tree, staff, posts, make_unit):
    unit = make_unit(tree["grid_a2"], name="建外医院")
    report = services.report_unit(actor=staff["a"], unit=unit, posts=[posts["care"]], party_leader="李书记",
                                  party_members=35, reported_on=date(2026, 3, 1))
    assert report.community == tree["comm_a"] and list(report.posts.all()) == [posts["care"]]
    with pytest.raises(ValidationError):
        services.report_unit(actor=staff["a"], unit=unit)
    shop = make_unit(tree["grid_a1"], kind=OrganisationKind.MERCHANT)
    with pytest.raises(ValidationError) as err:
        services.report_unit(actor=staff["a"], unit=shop)
    assert "unit" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        services.report_unit(actor=staff["b"], unit=make_unit(tree["grid_a1"]))
    with pytest.raises(ValidationError) as err:
        services.report_unit(actor=staff["a"], unit=make_unit(tree["grid_a1"]), posts=[posts["b"]])
    assert "another community" in str(err.value)
    assert UnitReport.objects.count() == 1
    assert list(selectors.unit_reports(staff["b"])) == []


def test_a_full_post_refuses_another(tree, staff, posts, make_person):
    first = services.report_member(actor=staff["a"], person=make_person(tree["grid_a1"]), posts=[posts["patrol"]])
    with pytest.raises(ValidationError) as err:
        services.report_member(actor=staff["a"], person=make_person(tree["grid_a2"]), posts=[posts["patrol"]])
    assert "no free place" in str(err.value)
    # Keeping a post one already holds is no new place.
    services.choose_posts(actor=staff["a"], report=first, posts=[posts["patrol"], posts["care"]])
    assert set(first.posts.all()) == {posts["patrol"], posts["care"]}
    with pytest.raises(ValidationError):
        services.update_post(actor=staff["a"], post=posts["patrol"], capacity=0)


def test_member_reports_where_they_live_and_are_sensitive(tree, staff, make_person):
    person = make_person(tree["grid_a1"], name="赵在职")
    report = services.report_member(actor=staff["a"], person=person, workplace="市财政局",
                                    home_party_organisation="市财政局机关党委")
    assert report.community == tree["comm_a"]
    assert list(selectors.member_reports(staff["grid_a1"])) == []
    assert list(selectors.member_reports(staff["leader"])) == [report]
    event = AuditEvent.objects.get(action="party.member_report.create")
    assert "市财政局机关党委" not in str(event.changes) and "赵在职" not in event.object_repr


def test_participation_validates_and_is_idempotent(tree, staff, posts, make_person):
    report = services.report_member(actor=staff["a"], person=make_person(tree["grid_a1"]),
                                    reported_on=date(2026, 2, 1))
    for bad, field in (({"hours": "-1"}, "hours"), ({"hours": "25"}, "hours"), ({"hours": "x"}, "hours"),
                       ({"on": date(2026, 1, 15)}, "on"), ({"on": date(2099, 1, 1)}, "on"),
                       ({"description": "  "}, "description"), ({"post": posts["b"]}, "post")):
        values = {"on": date(2026, 3, 1), "description": "巡逻", "hours": "2", **bad}
        with pytest.raises(ValidationError) as err:
            services.record_participation(actor=staff["a"], report=report, **values)
        assert field in err.value.message_dict, bad
    assert Participation.objects.count() == 0
    first = services.record_participation(actor=staff["a"], report=report, on=date(2026, 3, 1), description="巡逻",
                                          hours="2.5", source_ref="volunteers.attendance:7")
    again = services.record_participation(actor=staff["a"], report=report, on=date(2026, 3, 1), description="巡逻",
                                           hours="2.5", source_ref="volunteers.attendance:7")
    assert first.pk == again.pk and Participation.objects.count() == 1 and first.hours == Decimal("2.5")
    assert AuditEvent.objects.filter(action="party.participation.record").count() == 1


def test_the_below_minimum_list_across_a_year(tree, staff, make_person, settings):
    """Minimum 4 a year: pro rata for who reported during the year; a community may set its own."""
    settings.PARTY_PARTICIPATION_MINIMUM = 4
    actor = staff["a"]

    def member(grid, reported_on, served, ended_on=None):
        report = services.report_member(actor=actor, person=make_person(grid), reported_on=reported_on)
        for day in served:
            services.record_participation(actor=actor, report=report, on=day, description="服务")
        if ended_on:
            services.end_report(actor=actor, report=report, on=ended_on)
        return report

    all_year_enough = member(tree["grid_a1"], date(2025, 6, 1),
                             [date(2026, m, 10) for m in (1, 4, 7, 10)] + [date(2025, 12, 1)])
    all_year_short = member(tree["grid_a1"], date(2025, 6, 1),
                            [date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1), date(2026, 2, 1)])
    half_year_enough = member(tree["grid_a2"], date(2026, 7, 1), [date(2026, 8, 1), date(2026, 9, 1)])
    late_short = member(tree["grid_a2"], date(2026, 10, 1), [])
    left_in_march = member(tree["grid_a1"], date(2025, 1, 1), [date(2026, 2, 1)], ended_on=date(2026, 3, 31))
    member(tree["grid_a1"], date(2025, 1, 1), [], ended_on=date(2025, 12, 31))  # not reporting in 2026 at all

    rows = {row.report: row for row in selectors.participation(actor, year=2026)}
    assert len(rows) == 5
    assert (rows[all_year_enough].times, rows[all_year_enough].expected) == (4, 4)
    assert rows[half_year_enough].expected == 2 and not rows[half_year_enough].below
    assert rows[late_short].expected == 1
    assert rows[left_in_march].expected == 1 and not rows[left_in_march].below
    below = [row.report for row in selectors.below_minimum(actor, year=2026)]
    assert below == [r for r in rows if r in (all_year_short, late_short)] and len(below) == 2
    # 2025 counts the year before: three reported then, one left at its end.
    rows_2025 = {row.report: row for row in selectors.participation(actor, year=2025)}
    assert rows_2025[all_year_short].times == 3 and rows_2025[all_year_short].expected == 2  # 214 days of 365

    # Once a year: everyone who reported for most of 2026 served; a quarter of a year owes nothing.
    services.set_minimum(actor=actor, community=tree["comm_a"], minimum=1)
    assert selectors.below_minimum(actor, year=2026) == []
    services.set_minimum(actor=actor, community=tree["comm_a"], minimum=8)
    assert len(selectors.below_minimum(actor, year=2026)) == 5
    services.set_minimum(actor=actor, community=tree["comm_a"], minimum=None)
    assert len(selectors.below_minimum(actor, year=2026)) == 2
    # Another community's staff, and a grid worker without party.members, see nobody.
    assert selectors.below_minimum(staff["b"], year=2026) == []
    assert selectors.below_minimum(staff["grid_a1"], year=2026) == []
    with pytest.raises(ValidationError):
        services.set_minimum(actor=actor, community=tree["comm_a"], minimum=-1)
