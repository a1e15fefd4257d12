"""Saved views through the console: save the current filters, see and open them, rename, delete; menus."""

import pytest

from gongzhi.cases import services
from gongzhi.cases.models import SavedView

pytestmark = pytest.mark.django_db


def test_save_the_current_filters_and_open_the_view(world, signed_in, new_case):
    client = signed_in(world.users.dispatcher)
    url = "/console/cases/?state=received%2Creturned%2Carbitration&q=%E5%99%AA%E5%A3%B0&page=2"
    response = client.post(url, {"view-name": "待派噪声", "view-shared": "on"})
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert view.filters == {"q": "噪声", "state": "received,returned,arbitration"}
    assert view.unit == world.units.street
    html = client.get("/console/cases/").content.decode()
    assert "待派噪声" in html and "/console/cases/?q=%E5%99%AA%E5%A3%B0&amp;state=received%2Creturned%2Carbitration" in html
    opened = client.get("/console/cases/?q=%E5%99%AA%E5%A3%B0&state=received%2Creturned%2Carbitration").content
    assert 'aria-current="page"' in opened.decode()


def test_save_errors_are_shown_in_the_users_language_and_keep_the_name(world, signed_in):
    services.save_view(actor=world.users.dispatcher, name="超期", filters={"overdue": "1"})
    client = signed_in(world.users.dispatcher, language="zh-hans")
    html = client.post("/console/cases/?overdue=1", {"view-name": "超期"}).content.decode()
    assert "您已有名为“超期”的视图" in html and 'value="超期"' in html
    html = client.post("/console/cases/?overdue=1", {"view-name": ""}).content.decode()
    assert "这个字段是必填项" in html
    html = client.post("/console/cases/?state=bogus", {"view-name": "坏的"}).content.decode()
    assert "请先更正筛选条件" in html and 'value="坏的"' in html
    assert SavedView.objects.count() == 1


def test_rename_share_and_delete_on_the_views_page(world, signed_in):
    u = world.users
    view = services.save_view(actor=u.cg_clerk, name="在办", filters={"state": "in_progress"})
    other = services.save_view(actor=u.cg_clerk, name="已办", filters={"state": "replied"})
    client = signed_in(u.cg_clerk)
    page = client.get("/console/views/").content.decode()
    assert "在办" in page and "/console/cases/?state=in_progress" in page
    html = client.post("/console/views/", {"view": view.pk, "action": "change", f"v{view.pk}-name": "已办"}).content
    assert "You already have a view named" in html.decode() and view.pk != other.pk
    assert client.post("/console/views/", {"view": view.pk, "action": "change", f"v{view.pk}-name": "本单位在办",
                                           f"v{view.pk}-shared": "on"}).status_code == 302
    view.refresh_from_db()
    assert view.name == "本单位在办" and view.is_shared
    colleague = signed_in(u.cg_clerk2).get("/console/views/").content.decode()
    assert "本单位在办" in colleague and "已办" not in colleague and 'name="action" value="delete"' not in colleague
    assert signed_in(u.cg_clerk2).post("/console/views/", {"view": view.pk, "action": "delete"}).status_code == 403
    assert signed_in(u.water_clerk).post("/console/views/", {"view": view.pk, "action": "delete"}).status_code == 404
    assert signed_in(u.cg_clerk).post("/console/views/", {"view": view.pk, "action": "delete"}).status_code == 302
    assert list(SavedView.objects.values_list("name", flat=True)) == ["已办"]


def test_the_menu_shows_saved_views_to_staff_of_the_console_only(world, signed_in):
    for user, shown in ((world.users.dispatcher, True), (world.users.leader, True), (world.users.cg_clerk, True),
                        (world.users.resident, False), (world.users.grid_a1, False)):
        client = signed_in(user)
        assert ('href="/console/views/"' in client.get("/inbox/").content.decode()) is shown, user.username
        assert (client.get("/console/views/").status_code == 200) is shown
