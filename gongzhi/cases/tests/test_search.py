"""Search that finds: the full-text index through its public surface (services, selectors, API, console,
admin, command), on SQLite FTS5 and PostgreSQL full-text search alike."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import selectors, services
from gongzhi.cases.models import SearchEntry, SynonymGroup
from gongzhi.cases.search import results

from .conftest import MONDAY, POINT_A1, POINT_B1, local

URL = "/api/v1/cases/"


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return sign_in


@pytest.fixture
def as_user(signed_in):
    return signed_in


@pytest.fixture
def report(world, noise):
    def make(title, description, *, at=MONDAY, point=POINT_A1, address="", hotline_id=None):
        return services.create_case(actor=world.users.dispatcher, channel="hotline_12345" if hotline_id else "walk_in",
                                    category=noise, title=title, description=description, address=address,
                                    lon=point[0], lat=point[1], at=at, hotline_id=hotline_id)
    return make


def found(actor, q):
    return [c.pk for c in selectors.list_cases(actor, selectors.CaseFilters(q=q))]


@pytest.mark.django_db
def test_words_apart_synonyms_or_and_phrases(world, report):
    d = world.users.dispatcher
    wages = report("讨要工资", "老板拖欠了我们三个月的工资，一直不给。")
    migrant = report("农民工工资", "工地拖欠农民工工资，请帮忙协调。")
    noise = report("夜间噪音", "楼下饭店夜间噪音很大。")
    noisy = report("施工噪声", "工地夜间施工噪声扰民。")
    lamp = report("路灯不亮", "小区北门路灯坏了一周。", address="永安里东街3号")
    assert set(found(d, "拖欠 工资")) == {wages.pk, migrant.pk}  # the words apart from each other
    assert set(found(d, "欠薪")) == {wages.pk, migrant.pk}  # a seeded synonym group
    assert set(found(d, "噪音")) == {noise.pk, noisy.pk}
    assert set(found(d, "噪声")) == {noise.pk, noisy.pk}
    assert set(found(d, "路灯 OR 噪声")) == {lamp.pk, noise.pk, noisy.pk}
    assert set(found(d, "路灯 | 饭店")) == {lamp.pk, noise.pk}
    assert found(d, '"拖欠农民工工资"') == [migrant.pk]  # in that order, together
    assert found(d, "“工资 三个月”") == []  # a phrase is not its words in another order
    assert found(d, "农民") == [migrant.pk]  # a shorter dictionary word inside a longer one
    assert found(d, "永安里") == [lamp.pk]  # the address is searched too
    assert found(d, "路灯") == [lamp.pk]  # 路灯不亮 is cut 路 / 灯不亮 by the dictionary
    assert found(d, "的") == [] and found(d, '"') == [] and found(d, "OR") == []
    assert found(d, 'x" AND * NEAR(') == []  # the engines' own syntax is never read from a query


@pytest.mark.django_db
def test_ranked_by_relevance_then_newest(world, report):
    d = world.users.dispatcher
    older = report("噪声", "楼上噪声", at=local(2025, 9, 15, 9))
    newer = report("噪声", "楼上噪声", at=local(2025, 9, 16, 9))
    weak = report("其他问题", "顺便说一下，晚上有点噪声。", at=local(2025, 9, 17, 9))
    assert found(d, "噪声") == [newer.pk, older.pk, weak.pk]  # the title weighs most; ties newest first


@pytest.mark.django_db
def test_numbers_find_their_case_exactly_and_never_text(world, report):
    d = world.users.dispatcher
    numbered = report("漏水", "12345 热线转来", hotline_id="GD20250915001")
    other = report("楼道漏水", f"见工单 {numbered.pk}")
    assert found(d, f"#{numbered.pk}") == [numbered.pk]
    assert found(d, str(other.pk)) == [other.pk]  # digits are a number, not words of the text
    assert found(d, "12345") == []
    assert found(d, "GD20250915001") == [numbered.pk]
    assert found(d, "#999999999999999999999") == []


@pytest.mark.django_db
def test_search_is_scoped_to_the_actor(world, report):
    mine = report("垃圾清运不及时", "垃圾桶满了", point=POINT_A1)
    theirs = report("垃圾清运不及时", "垃圾桶满了", point=POINT_B1)
    assert found(world.users.grid_a1, "垃圾") == [mine.pk]
    assert found(world.users.grid_b1, "垃圾") == [theirs.pk]
    assert set(found(world.users.dispatcher, "垃圾")) == {mine.pk, theirs.pk}
    assert found(world.users.grid_a1, f"#{theirs.pk}") == []


@pytest.mark.django_db
def test_the_index_follows_writes_and_rebuilds(world, report):
    d = world.users.dispatcher
    case = report("井盖缺失", "路口井盖丢了")
    assert found(d, "窨井盖") == [case.pk]
    SearchEntry.objects.all().delete()
    assert found(d, "井盖") == []
    call_command("rebuild_search_index", "--no-progress", stdout=open("/dev/null", "w"))
    assert found(d, "井盖") == [case.pk]


@pytest.mark.django_db
def test_counts_exact_or_about_and_pages_past_the_end(world, report, monkeypatch, as_user):
    d = world.users.dispatcher
    for n in range(7):
        report(f"油烟扰民{n}", "饭店油烟")
    page = selectors.case_page(d, selectors.CaseFilters(q="油烟"), number=2, size=3)
    assert (page.count.value, page.count.relation, len(page.items), page.has_next) == (7, "eq", 3, True)
    assert selectors.case_page(d, selectors.CaseFilters(q="油烟"), number=4, size=3).past_end
    monkeypatch.setattr(results, "CAP", 4)
    monkeypatch.setattr(results, "SAMPLE", 3)
    page = selectors.case_page(d, selectors.CaseFilters(q="油烟"), number=1, size=3)
    assert page.count.relation in ("about", "gte") and page.count.value >= 4
    client = as_user(d)
    response = client.get(URL, {"q": "油烟", "page": 3, "page_size": 3})
    assert response.status_code == 200 and response.json()["count_relation"] != "eq"
    response = client.get(URL, {"q": "油烟", "page": 4, "page_size": 3})
    assert response.status_code == 404 and response.json()["code"] == "past_last_page"
    monkeypatch.setattr(results, "CAP", 1000)
    response = client.get(URL, {"q": "油烟", "page": 9, "page_size": 3})
    assert response.status_code == 404
    assert "3" in response.json()["detail"]  # names the last page
    body = client.get(URL, {"q": "油烟", "page_size": 5}).json()
    assert (body["count"], body["count_relation"], body["has_next"]) == (7, "eq", True)


@pytest.mark.django_db
def test_console_says_a_page_is_past_the_end(world, report, signed_in):
    for n in range(3):
        report(f"停电{n}", "小区停电")
    client = signed_in(world.users.dispatcher)
    html = client.get("/console/cases/", {"q": "断电"}).content.decode()
    assert html.count("data-case=") == 3 and 'data-count="3"' in html
    html = client.get("/console/cases/", {"q": "断电", "page": 5}).content.decode()
    assert "data-past-end" in html and "data-case=" not in html


@pytest.mark.django_db
def test_synonym_groups_are_edited_through_services_and_audited(world, report):
    admin, d = world.users.admin, world.users.dispatcher
    case = report("电梯故障", "电梯困人")
    assert found(d, "升降梯") == []
    group = services.create_synonyms(actor=admin, words="电梯、升降梯", note="测试")
    assert found(d, "升降梯") == [case.pk]
    assert AuditEvent.objects.filter(action="cases.synonyms.create").count() == 1
    services.update_synonyms(actor=admin, group=group, is_active=False)
    assert found(d, "升降梯") == []
    with pytest.raises(ValidationError) as refused:
        services.create_synonyms(actor=admin, words="噪声 响声")  # 噪声 is in a seeded group
    assert "噪声" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError):
        services.create_synonyms(actor=admin, words="电梯")
    with pytest.raises(ValidationError):
        services.create_synonyms(actor=admin, words="的 了")
    with pytest.raises(PermissionDenied):
        services.create_synonyms(actor=d, words="电梯 升降梯")
    services.delete_synonyms(actor=admin, group=group)
    assert not SynonymGroup.objects.filter(pk=group.pk).exists()


@pytest.mark.django_db
def test_synonyms_admin_saves_through_the_service(world, signed_in):
    world.users.admin.is_staff = True
    world.users.admin.save()
    client = signed_in(world.users.admin)
    response = client.post("/admin/cases/synonymgroup/add/", {"words": "化粪池 粪池", "note": "", "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    group = SynonymGroup.objects.get(words="化粪池 粪池")
    assert AuditEvent.objects.filter(action="cases.synonyms.create", object_id=str(group.pk)).exists()
    response = client.post("/admin/cases/synonymgroup/add/", {"words": "化粪池 污水池", "is_active": "on"})
    assert response.status_code == 200 and "化粪池" in response.content.decode()
    assert signed_in(world.users.dispatcher).get("/admin/cases/synonymgroup/").status_code in (302, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("best", [1000, 4])
def test_pages_from_the_best_matches_are_the_pages_of_the_join(world, report, monkeypatch, best):
    """Both ways of taking a page (the best matches by rank first, or the join ranked whole) give the same
    cases in the same order, the same count and the same end, for an area holding all matches or few."""
    from django.db import connection

    for n in range(5):
        report(f"油烟扰民{n}", "饭店油烟" * (n + 1), at=local(2025, 9, 10 + n, 9), point=POINT_A1)
        report(f"噪声{n}", "楼下饭店夜里油烟和噪声", at=local(2025, 9, 10 + n, 10), point=POINT_B1)
    report("油烟", "油烟", at=local(2025, 9, 20, 9), point=POINT_A1)
    report("油烟", "油烟", at=local(2025, 9, 21, 9), point=POINT_A1)  # a tie of rank: the newer first
    monkeypatch.setattr(results, "BEST", best)

    def pages(actor, q, size):
        shown, number = [], 1
        while True:
            page = selectors.case_page(actor, selectors.CaseFilters(q=q), number=number, size=size)
            shown.append(([c.pk for c in page.items], page.count, page.has_next, page.past_end))
            if page.past_end or not page.has_next:
                return shown
            number += 1

    for actor in (world.users.dispatcher, world.users.grid_a1):
        for q in ("油烟", "饭店 噪声", "油烟 OR 噪声"):
            monkeypatch.setattr(results, "BEST_FIRST", frozenset({connection.vendor}))
            first = pages(actor, q, 3)
            monkeypatch.setattr(results, "BEST_FIRST", frozenset())
            assert first == pages(actor, q, 3), (actor.username, q)
            assert [pk for ids, *_ in first for pk in ids] == found(actor, q)
