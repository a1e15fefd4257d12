"""Saved views of the case list: validation, ownership, sharing with the unit, audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import selectors, services
from gongzhi.cases.models import SavedView

pytestmark = pytest.mark.django_db


def test_save_validates_name_and_filters(world):
    u = world.users
    view = services.save_view(actor=u.dispatcher, name=" 超期噪声 ", filters={"state": "dispatched,in_progress",
                                                                           "q": "噪声", "overdue": "1", "region": ""})
    assert view.name == "超期噪声" and view.filters == {"overdue": "1", "q": "噪声", "state": "dispatched,in_progress"}
    assert AuditEvent.objects.filter(action="cases.save_view", object_id=str(view.pk)).exists()
    bad = [({"name": ""}, "name"), ({"name": "超期噪声"}, "name"), ({"filters": {"state": "nonsense"}}, "state"),
           ({"filters": {"page": "2"}}, "filters"), ({"filters": {"created_from": "2025-13-01"}}, "created_from"),
           ({"filters": {"due": "tomorrow"}}, "due"), ({"filters": {"region": "999"}}, "region"),
           ({"filters": {"created_from": "2025-09-10", "created_to": "2025-09-01"}}, "created_from")]
    for change, field in bad:
        values = {"name": "另一个", "filters": {}, **change}
        with pytest.raises(ValidationError) as exc:
            services.save_view(actor=u.dispatcher, **values)
        assert field in exc.value.message_dict, (change, exc.value.message_dict)
    assert SavedView.objects.count() == 1


def test_same_name_for_different_people_and_residents_cannot_save(world):
    services.save_view(actor=world.users.dispatcher, name="我的", filters={})
    services.save_view(actor=world.users.cg_clerk, name="我的", filters={})
    with pytest.raises(PermissionDenied):
        services.save_view(actor=world.users.resident, name="我的", filters={})


def test_shared_with_the_unit_only_and_changed_by_the_owner_only(world):
    u = world.users
    view = services.save_view(actor=u.cg_clerk, name="本单位在办", filters={"state": "in_progress"}, shared=True)
    assert view.unit == world.units.chengguan
    assert list(selectors.saved_views(u.cg_clerk2)) == [view]
    assert list(selectors.saved_views(u.water_clerk)) == []
    assert list(selectors.saved_views(u.dispatcher)) == []
    with pytest.raises(PermissionDenied):
        services.change_view(actor=u.cg_clerk2, view=view, name="改名", shared=False)
    with pytest.raises(PermissionDenied):
        services.delete_view(actor=u.cg_clerk2, view=view)
    view = services.change_view(actor=u.cg_clerk, view=view, name="在办", shared=False)
    assert view.name == "在办" and not view.is_shared and list(selectors.saved_views(u.cg_clerk2)) == []
    services.delete_view(actor=u.cg_clerk, view=view)
    assert not SavedView.objects.exists()
    assert AuditEvent.objects.filter(action__in=["cases.change_view", "cases.delete_view"]).count() == 2


def test_rename_to_a_name_already_taken_is_refused(world):
    u = world.users
    services.save_view(actor=u.dispatcher, name="甲", filters={})
    second = services.save_view(actor=u.dispatcher, name="乙", filters={})
    with pytest.raises(ValidationError) as exc:
        services.change_view(actor=u.dispatcher, view=second, name="甲", shared=False)
    assert "name" in exc.value.message_dict


def test_a_shared_view_never_widens_what_a_colleague_sees(world, new_case):
    """The view holds filters only; the list narrows to the viewer's area when it is opened."""
    u = world.users
    case = new_case()
    services.dispatch_case(case=case, actor=u.dispatcher, unit=world.units.chengguan)
    view = services.save_view(actor=u.dispatcher, name="全部", filters={"q": str(case.pk)}, shared=True)
    f = selectors.CaseFilters(q=view.filters["q"])
    assert list(selectors.list_cases(u.dispatcher, f)) == [case]
    assert list(selectors.list_cases(u.water_clerk, f)) == []
