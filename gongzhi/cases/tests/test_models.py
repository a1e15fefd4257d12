import pytest

from gongzhi.cases import taxonomy
from gongzhi.cases.models import Case, CaseEvent, Category, Channel


@pytest.mark.django_db
def test_fresh_database_has_the_default_taxonomy():
    tops = set(Category.objects.filter(parent=None).values_list("name", flat=True))
    assert {"城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生", "市场监管",
            "物业管理", "公共安全"} <= tops
    noise = Category.objects.get(code="0201")
    assert noise.parent.name == "环境保护"
    assert noise.path_name == "环境保护 / 噪声扰民"
    assert noise.depth == 2
    assert Category.objects.get(code="1101").is_consultation
    assert not noise.is_consultation


@pytest.mark.django_db
def test_seeding_again_creates_nothing_and_keeps_edits():
    Category.objects.filter(code="0201").update(resolution_days_normal=9)
    created, present = taxonomy.seed(Category)
    assert created == 0
    assert present == Category.objects.count()
    assert Category.objects.get(code="0201").resolution_days_normal == 9


@pytest.mark.django_db
def test_children_inherit_deadlines_unless_they_name_their_own():
    parent = Category.objects.get(code="03")
    inherits = Category.objects.get(code="0301")
    own = Category.objects.get(code="0303")
    assert inherits.resolution_days_normal == parent.resolution_days_normal
    assert own.resolution_days_normal == 5
    assert own.response_hours("urgent") == parent.response_hours_urgent


@pytest.mark.django_db
def test_case_events_are_append_only(tree):
    case = Case.objects.create(channel=Channel.WEB, category=Category.objects.get(code="0201"), title="t",
                               description="d", region_code=tree["grid_a1"].code)
    event = CaseEvent.objects.create(case=case, action="intake", to_state=case.state)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(pk=event.pk).delete()
    assert case.subdistrict_code == "110105001000"
