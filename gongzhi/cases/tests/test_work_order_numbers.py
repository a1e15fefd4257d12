"""Work-order numbers (受理编号): given at intake, unique under concurrency, found exactly by every search."""

import threading
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from gongzhi.cases import numbers, selectors, services
from gongzhi.cases.models import Case, WorkOrderDay

from .conftest import MONDAY, POINT_A1, POINT_B1, local


@pytest.mark.django_db
def test_intake_numbers_cases_by_day_and_sequence(world, new_case):
    first, second = new_case(), new_case()
    assert first.number == "2025091500001"
    assert second.number == "2025091500002"
    assert Case.objects.get(pk=first.pk).number == "2025091500001"
    next_day = new_case(at=local(2025, 9, 16, 9, 0))
    assert next_day.number == "2025091600001"
    # The day is the local one: 23:30 in Beijing is the same day, though it is 15:30 UTC.
    late = new_case(at=local(2025, 9, 16, 23, 30))
    assert late.number == "2025091600002"
    assert WorkOrderDay.objects.get(day=date(2025, 9, 16)).last == 2


@pytest.mark.django_db
def test_a_refused_intake_uses_no_number(world, new_case, noise):
    new_case()
    with pytest.raises(Exception):
        services.create_case(actor=world.users.resident, channel="web", category=noise, title="",
                             description="空标题", lon=POINT_A1[0], lat=POINT_A1[1], at=MONDAY)
    assert new_case().number == "2025091500002"


@pytest.mark.django_db
def test_a_case_saved_directly_is_numbered_too(world, noise):
    case = Case.objects.create(channel="web", category=noise, title="t", description="d", region_code="1",
                               created_at=MONDAY)
    assert case.number == "2025091500001"


def test_parse_reads_numbers_as_spoken():
    assert numbers.parse("2025091500042") == "2025091500042"
    assert numbers.parse(" 20250915-00042 ") == "2025091500042"
    assert numbers.parse("2025 0915 00042") == "2025091500042"
    assert numbers.parse("2025091300042") == "2025091300042"
    assert numbers.parse("2025023000042") is None  # 30 February
    assert numbers.parse("202509150004") is None  # too short
    assert numbers.parse("噪声2025091500042") is None


@pytest.mark.django_db
def test_search_by_number_finds_that_case_first_and_alone(world, new_case, client):
    u = world.users
    target = new_case()
    # Other cases whose text holds the very digits: a number never matches free text.
    decoy = services.create_case(actor=u.resident, channel="web", category=target.category,
                                 title=f"投诉{target.number}", description=f"见编号 {target.number} #{target.pk}",
                                 lon=POINT_A1[0], lat=POINT_A1[1], at=MONDAY)
    for query in (target.number, f"{target.number[:8]}-{target.number[8:]}", f"#{target.pk}"):
        found = selectors.exact_case_matches(query, u.dispatcher)
        assert [c.pk for c in found] == [target.pk], query
        listed = selectors.list_cases(u.dispatcher, selectors.CaseFilters(q=query))
        assert [c.pk for c in listed] == [target.pk], query
    # A number that names no case finds nothing, even though a case's text holds it.
    assert list(selectors.list_cases(u.dispatcher, selectors.CaseFilters(q="2025091599999"))) == []
    # The console's search and the API's.
    client.force_login(u.dispatcher)
    page = client.get("/console/cases/", {"q": target.number})
    assert page.status_code == 200
    assert f'data-case="{target.pk}"' in page.content.decode()
    assert f'data-case="{decoy.pk}"' not in page.content.decode()
    answer = client.get("/api/v1/cases/", {"q": target.number}).json()
    assert [item["id"] for item in answer["items"]] == [target.pk]
    assert answer["items"][0]["number"] == target.number


@pytest.mark.django_db
def test_search_by_the_hotline_number(world, noise, client):
    u = world.users
    case = services.create_case(actor=u.dispatcher, channel="hotline_12345", category=noise, title="噪声",
                                description="夜间施工", lon=POINT_A1[0], lat=POINT_A1[1], hotline_id="GD-2025-000123",
                                at=MONDAY)
    digits = services.create_case(actor=u.dispatcher, channel="hotline_12345", category=noise, title="噪声",
                                  description="夜间施工", lon=POINT_A1[0], lat=POINT_A1[1], hotline_id="190228000123",
                                  at=MONDAY)
    assert [c.pk for c in selectors.exact_case_matches("GD-2025-000123", u.dispatcher)] == [case.pk]
    assert [c.pk for c in selectors.exact_case_matches("1902 2800 0123", u.dispatcher)] == [digits.pk]
    client.force_login(u.dispatcher)
    answer = client.get("/api/v1/cases/", {"q": "GD-2025-000123"}).json()
    assert [item["id"] for item in answer["items"]] == [case.pk]
    assert answer["items"][0]["hotline_id"] == "GD-2025-000123"
    detail = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert case.number in detail and "GD-2025-000123" in detail


@pytest.mark.django_db
def test_exact_matches_are_scoped(world, new_case):
    u = world.users
    elsewhere = new_case(point=POINT_B1)
    assert selectors.exact_case_matches(elsewhere.number, u.grid_a1) == []
    assert [c.pk for c in selectors.exact_case_matches(elsewhere.number, u.grid_b1)] == [elsewhere.pk]


@pytest.mark.django_db
def test_number_is_shown_in_the_api_open311_and_pages(world, new_case, client):
    u = world.users
    case = new_case()
    client.force_login(u.dispatcher)
    assert client.get(f"/api/v1/cases/{case.pk}").json()["number"] == case.number
    assert case.number in client.get("/console/cases/").content.decode()
    client.logout()
    public = client.get(f"/open311/v2/requests/{case.pk}.json").json()
    assert [row["work_order_number"] for row in public] == [case.number]
    client.force_login(u.resident)
    assert case.number in client.get(f"/r/cases/{case.pk}/").content.decode()


def _intake_in_threads(world, noise, threads=6, each=4):
    barrier = threading.Barrier(threads)
    made, failures = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            for _ in range(each):
                made.append(services.create_case(
                    actor=world.users.resident, channel="web", category=noise, title="并发受理",
                    description="同时受理", lon=POINT_A1[0], lat=POINT_A1[1]).number)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            failures.append(repr(exc))
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return made, failures


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_intakes_on_postgresql_get_distinct_consecutive_numbers(world, noise):
    made, failures = _intake_in_threads(world, noise)
    assert failures == []
    day = f"{timezone.localdate():%Y%m%d}"
    assert sorted(made) == [f"{day}{n:05d}" for n in range(1, 25)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_numbers_existing_cases_by_the_day_they_were_received():
    executor = MigrationExecutor(connection)
    before = [("cases", "0010_supervision_and_step_deadlines")]
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Category, Case_ = old.get_model("cases", "Category"), old.get_model("cases", "Case")
    category = Category.objects.create(code="M01", name="迁移")
    times = [local(2025, 9, 15, 9), local(2025, 9, 14, 23, 59), local(2025, 9, 15, 8), local(2025, 9, 15, 0, 1)]
    ids = [Case_.objects.create(channel="web", category=category, title="t", description="d", region_code="1",
                                created_at=at).pk for at in times]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(leaves)
    numbers_of = dict(Case.objects.filter(pk__in=ids).values_list("pk", "number"))
    assert [numbers_of[pk] for pk in ids] == ["2025091500003", "2025091400001", "2025091500002", "2025091500001"]
    assert WorkOrderDay.objects.get(day=date(2025, 9, 15)).last == 3
    # New intakes continue after the numbers given.
    assert numbers.next_number(local(2025, 9, 15, 12)) == "2025091500004"
