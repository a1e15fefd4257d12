"""Intake reads its configuration from the process (category snapshot, grid index), never stale for long.

In this process a change applies to the next case at once; a change made by
another process (here: a queryset update or raw SQL, which send no signal) at
the latest ``CONFIG_SNAPSHOT_MAX_AGE`` / ``GRID_INDEX_MAX_AGE`` seconds later.
The rows intake writes through the prepared INSERT are the rows ``save()``
would have written.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import catalogue, services
from gongzhi.cases.models import Case, CaseEvent, Category
from gongzhi.conftest import square

from .conftest import MONDAY, POINT_A1, POINT_B1

pytestmark = pytest.mark.django_db


def report(world, category="0201", point=POINT_A1, **extra):
    return services.create_case(actor=world.users.resident, channel="web", category=category, title="噪声扰民",
                                description="工地夜间施工。", lon=point[0], lat=point[1], at=MONDAY, **extra)


def test_a_category_retired_by_the_administrator_is_refused_for_the_next_case(world, settings):
    settings.CONFIG_SNAPSHOT_MAX_AGE = 3600  # only the signal of this process can make it fresh
    report(world)
    noise = Category.objects.get(code="0201")
    noise.is_active = False
    noise.save()
    with pytest.raises(ValidationError) as refused:
        report(world)
    assert "category" in refused.value.message_dict
    noise.is_active = True
    noise.save()
    assert report(world).category_id == noise.pk


def test_a_new_category_is_usable_at_once_even_from_another_process(world, settings):
    settings.CONFIG_SNAPSHOT_MAX_AGE = 3600
    report(world)  # the snapshot is loaded
    parent = Category.objects.get(code="02")
    Category.objects.bulk_create([Category(code="0299", name="光污染", parent=parent)])  # no signal
    assert report(world, category="0299").category.name == "光污染"


def test_a_change_by_another_process_is_seen_at_the_next_check(world, settings):
    settings.CONFIG_SNAPSHOT_MAX_AGE = 3600
    report(world)
    Category.objects.filter(code="0201").update(is_active=False)  # another process: no signal here
    assert report(world).pk  # within the max age the snapshot answers
    assert catalogue.CATEGORIES.get(max_age=0)["0201"].is_active is False  # a forced check sees it
    settings.CONFIG_SNAPSHOT_MAX_AGE = 0
    Category.objects.filter(code="0201").update(is_active=True)
    report(world)
    Category.objects.filter(code="0201").update(is_active=False)
    with pytest.raises(ValidationError):
        report(world)


def test_the_deadlines_an_administrator_changed_apply_to_the_next_dispatch(world, settings):
    settings.CONFIG_SNAPSHOT_MAX_AGE = 3600
    first = services.dispatch_case(case=report(world), actor=world.users.dispatcher, unit=world.units.chengguan,
                                   at=MONDAY)
    noise = Category.objects.get(code="0201")
    noise.resolution_days_normal = 2
    noise.save()
    second = services.dispatch_case(case=report(world), actor=world.users.dispatcher, unit=world.units.chengguan,
                                    at=MONDAY)
    assert second.resolution_due < first.resolution_due
    assert (second.resolution_due - MONDAY).days == 2


def test_the_grid_comes_from_the_index_and_follows_a_moved_boundary(world, settings):
    settings.GRID_INDEX_MAX_AGE = 0
    grid_b1 = world.tree["grid_b1"]
    assert report(world, point=POINT_B1).grid == grid_b1
    # Another process moves grid B1 away from the point: the next case finds no grid there.
    from django.utils import timezone

    from gongzhi.regions.models import Region
    Region.objects.filter(pk=grid_b1.pk).update(boundary=square(116.295, 39.795), updated_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        report(world, point=POINT_B1)
    assert "lon" in refused.value.message_dict


def test_the_rows_written_are_those_save_would_write(world):
    case = report(world, address="永安里 3 号楼", is_anonymous=True)
    stored = Case.objects.get(pk=case.pk)
    for field in Case._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(case, field.attname), field.name
    assert stored.grid == world.tree["grid_a1"] and stored.region_code == world.tree["grid_a1"].code
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.from_state, event.to_state) == ("intake", "", "received")
    assert event.payload["category"] == "0201" and event.payload["anonymous"] is True
    assert (event.response_due, event.on_time, event.solved, event.satisfaction) == (None, None, None, "")
    audit = AuditEvent.objects.get(object_type="cases.case", object_id=str(case.pk))
    assert (audit.action, audit.actor_id, audit.region_code) == ("cases.intake", world.users.resident.pk,
                                                                  case.region_code)
    assert audit.changes == {"state": [None, "received"]}
    # The same columns as a save() of a copy would write, read back raw.
    twin = Case.objects.get(pk=case.pk)
    twin.pk = None
    twin.hotline_id = None
    twin.number = None  # unique: the copy is given the next number of its day
    twin._state.adding = True
    twin.save(force_insert=True)
    columns = [f.column for f in Case._meta.concrete_fields if f.column not in ("id", "updated_at", "number")]
    with connection.cursor() as cursor:
        rows = []
        for pk in (case.pk, twin.pk):
            cursor.execute(f"SELECT {', '.join(columns)} FROM cases_case WHERE id = %s", [pk])
            rows.append(cursor.fetchone())
    assert rows[0] == rows[1]


def test_a_failing_intake_writes_nothing(world):
    report(world, hotline_id=None)
    before = (Case.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError):
        report(world, category="9999")
    assert (Case.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count()) == before
