"""The default category taxonomy (诉求分类) of a fresh installation.

Modelled on the classifications in use by municipal 12345 hotlines: ten
domains with their common second-level items, plus consultations (咨询),
which may be answered and closed at intake. Names are data, in Chinese.

Every group (first level) has a catch-all leaf 其他 (code: the group's code
and 00), which receives a case labelled with the group alone: real hotline
exports often name only the first level (城乡建设). :func:`ensure_catch_alls`
adds it to groups that lack one (an administrator's own group, an
installation seeded before it existed).

Deadlines are (urgent, normal): response in working hours, resolution in
working days. A child inherits its parent's values unless it names its own.
The module has no model imports, so the data migration can use it with the
historical model (``seed(Category)``) and the ``seed_categories`` service
with the live one.
"""

# Utilities (water, heating, gas): dispatched within the shorter deadline of the capital's standard.
UTILITY_CODES = frozenset({"0104", "0105", "0106"})

DEPARTMENT = "department"
COMMUNITY = "community_committee"
SUBDISTRICT = "subdistrict_office"

# (code, name, default unit kind, response hours, resolution days, consultation, children)
DEFAULT_TAXONOMY = [
    ("01", "城乡建设", DEPARTMENT, (2, 8), (3, 15), False, [
        ("0101", "违法建设", SUBDISTRICT, None, (5, 20)),
        ("0102", "道路与市政设施", DEPARTMENT, None, None),
        ("0103", "房屋安全", DEPARTMENT, (1, 4), (1, 10)),
        ("0104", "供水", DEPARTMENT, (1, 4), (1, 3)),
        ("0105", "供热", DEPARTMENT, (1, 4), (1, 3)),
        ("0106", "燃气", DEPARTMENT, (1, 2), (1, 3)),
        ("0107", "征收拆迁与安置", SUBDISTRICT, None, (5, 20)),
    ]),
    ("02", "环境保护", DEPARTMENT, (2, 8), (2, 10), False, [
        ("0201", "噪声扰民", DEPARTMENT, (1, 4), (1, 5)),
        ("0202", "餐饮油烟与扬尘", DEPARTMENT, None, None),
        ("0203", "水体污染", DEPARTMENT, None, None),
        ("0204", "垃圾分类与清运", COMMUNITY, (2, 8), (1, 3)),
        ("0205", "环境卫生", COMMUNITY, (2, 8), (1, 3)),
    ]),
    ("03", "交通运输", DEPARTMENT, (2, 8), (3, 10), False, [
        ("0301", "公交与轨道交通", DEPARTMENT, None, None),
        ("0302", "出租车与网约车", DEPARTMENT, None, None),
        ("0303", "道路拥堵与违章停车", DEPARTMENT, None, (2, 5)),
        ("0304", "共享单车", DEPARTMENT, None, (1, 3)),
    ]),
    ("04", "教育文体", DEPARTMENT, (4, 8), (5, 15), False, [
        ("0401", "学前教育", DEPARTMENT, None, None),
        ("0402", "义务教育入学", DEPARTMENT, None, None),
        ("0403", "校外培训", DEPARTMENT, None, None),
        ("0404", "文体设施", SUBDISTRICT, None, None),
    ]),
    ("05", "劳动和社会保障", DEPARTMENT, (2, 8), (5, 15), False, [
        ("0501", "拖欠工资", DEPARTMENT, (1, 4), (3, 10)),
        ("0502", "社会保险", DEPARTMENT, None, None),
        ("0503", "就业服务", SUBDISTRICT, None, None),
        ("0504", "养老服务", SUBDISTRICT, None, None),
        ("0505", "社会救助", SUBDISTRICT, (1, 4), (2, 10)),
    ]),
    ("06", "商贸旅游", DEPARTMENT, (4, 8), (5, 15), False, [
        ("0601", "旅游服务", DEPARTMENT, None, None),
        ("0602", "便民商业网点", SUBDISTRICT, None, None),
        ("0603", "预付式消费", DEPARTMENT, None, None),
    ]),
    ("07", "卫生计生", DEPARTMENT, (2, 8), (3, 10), False, [
        ("0701", "医疗服务", DEPARTMENT, None, None),
        ("0702", "公共卫生与疾病防控", DEPARTMENT, (1, 4), (1, 5)),
        ("0703", "计划生育与妇幼健康", DEPARTMENT, None, None),
    ]),
    ("08", "市场监管", DEPARTMENT, (2, 8), (3, 10), False, [
        ("0801", "食品安全", DEPARTMENT, (1, 4), (1, 5)),
        ("0802", "价格违法", DEPARTMENT, None, None),
        ("0803", "无照经营", DEPARTMENT, None, None),
        ("0804", "产品质量", DEPARTMENT, None, None),
    ]),
    ("09", "物业管理", COMMUNITY, (2, 8), (2, 7), False, [
        ("0901", "物业服务", COMMUNITY, None, None),
        ("0902", "电梯故障", DEPARTMENT, (1, 2), (1, 3)),
        ("0903", "维修资金", DEPARTMENT, None, (5, 15)),
        ("0904", "小区停车", COMMUNITY, None, None),
        ("0905", "业主委员会", SUBDISTRICT, None, (5, 15)),
    ]),
    ("10", "公共安全", DEPARTMENT, (1, 4), (1, 7), False, [
        ("1001", "治安隐患", DEPARTMENT, None, None),
        ("1002", "消防安全", DEPARTMENT, (1, 2), (1, 3)),
        ("1003", "安全生产", DEPARTMENT, None, None),
        ("1004", "电信网络诈骗", DEPARTMENT, None, None),
    ]),
    ("11", "政策咨询", SUBDISTRICT, (2, 8), (1, 3), True, [
        ("1101", "政策法规咨询", SUBDISTRICT, None, None),
        ("1102", "办事指南咨询", SUBDISTRICT, None, None),
    ]),
]


# Words residents use for what they see, per category (synonyms and common objects), so that a search
# for "路灯" finds 道路与市政设施. Space-separated; an administrator edits them with the category.
KEYWORDS = {
    "0101": "违建 私搭乱建 加盖 搭建 占用绿地",
    "0102": "路灯 井盖 道路 坑洼 人行道 护栏 桥梁 市政 下水道 排水 积水 窨井",
    "0103": "危房 墙体开裂 房屋漏水 外墙脱落",
    "0104": "停水 水压 自来水 水质 水管 漏水 爆管",
    "0105": "暖气 不热 停暖 供暖 取暖",
    "0106": "燃气 煤气 天然气 漏气 燃气表",
    "0107": "拆迁 征收 安置 补偿",
    "0201": "噪音 噪声 施工 扰民 广场舞 装修 夜间施工 鸣笛",
    "0202": "油烟 扬尘 烧烤 灰尘 工地扬尘",
    "0203": "污水 河道 臭水 水体 排污",
    "0204": "垃圾 垃圾桶 清运 分类 堆放 建筑垃圾",
    "0205": "卫生 脏乱 异味 老鼠 蚊虫 小广告",
    "0301": "公交 地铁 站台 线路 班次",
    "0302": "出租车 网约车 拒载 绕路",
    "0303": "堵车 违停 乱停车 占道 拥堵 停车",
    "0304": "共享单车 单车 乱停放",
    "0401": "幼儿园 托育 入园",
    "0402": "上学 入学 学位 学区",
    "0403": "培训班 补习",
    "0404": "健身器材 球场 图书馆 文化站",
    "0501": "欠薪 工资 讨薪 拖欠",
    "0502": "社保 医保 养老保险 公积金",
    "0503": "找工作 就业 招聘 失业",
    "0504": "养老 老人 助餐 日间照料",
    "0505": "低保 困难 救助 特困",
    "0601": "旅游 景区 导游",
    "0602": "菜市场 便利店 早餐",
    "0603": "预付卡 办卡 退费 跑路",
    "0701": "医院 看病 挂号 诊所",
    "0702": "疫苗 传染病 防疫",
    "0703": "生育 妇幼 计生",
    "0801": "食品 过期 变质 食物中毒 餐馆卫生",
    "0802": "价格 乱收费 涨价 标价",
    "0803": "无证 无照 摆摊 游商",
    "0804": "假冒 伪劣 质量",
    "0901": "物业 保安 保洁 绿化 物业费",
    "0902": "电梯 困人 电梯坏",
    "0903": "维修基金 维修资金 大修",
    "0904": "车位 小区停车 地锁 充电桩",
    "0905": "业委会 业主大会",
    "1001": "治安 小偷 打架 可疑人员",
    "1002": "消防 火灾 消防通道 堵塞 电动车充电 飞线",
    "1003": "安全隐患 危化品",
    "1004": "诈骗 电信诈骗 骗子",
    "1101": "政策 法规",
    "1102": "怎么办 办事 流程 材料",
}


CATCH_ALL_NAME = "其他"


def catch_all_code(group_code: str) -> str:
    """The group's code and 00: below its numbered items (01, 02, …), clear of the codes administrators add."""
    return f"{group_code}00"


def rows():
    """The taxonomy flattened to dicts, parents before children; each group's 其他 last."""
    order = 0
    for code, name, kind, response, resolution, consultation, children in DEFAULT_TAXONOMY:
        order += 1
        yield _row(code, name, None, order, kind, response, resolution, consultation)
        for child_code, child_name, child_kind, child_response, child_resolution in children:
            order += 1
            yield _row(child_code, child_name, code, order, child_kind, child_response or response,
                       child_resolution or resolution, consultation)
        order += 1
        yield _row(catch_all_code(code), CATCH_ALL_NAME, code, order, kind, response, resolution, consultation)


def _row(code, name, parent_code, order, kind, response, resolution, consultation):
    return {
        "code": code, "name": name, "parent_code": parent_code, "sort_order": order, "default_unit_kind": kind,
        "response_hours_urgent": response[0], "response_hours_normal": response[1],
        "resolution_days_urgent": resolution[0], "resolution_days_normal": resolution[1],
        "is_consultation": consultation, "is_utility": code in UTILITY_CODES, "keywords": KEYWORDS.get(code, ""),
    }


def seed(category_model) -> tuple[int, int]:
    """Create the categories that are missing; never overwrite an administrator's edits.

    Returns (created, already present). Safe to run any number of times.
    """
    created = present = 0
    by_code = {c.code: c for c in category_model.objects.all()}
    fields = {f.name for f in category_model._meta.concrete_fields}
    for row in rows():
        if row["code"] in by_code:
            present += 1
            continue
        parent_code = row.pop("parent_code")
        # A historical model (an earlier migration) lacks the later fields.
        row = {name: value for name, value in row.items() if name in fields}
        obj = category_model.objects.create(parent=by_code.get(parent_code), **row)
        by_code[obj.code] = obj
        created += 1
    return created, present


def catch_all_of(category_model, group):
    """An unsaved catch-all leaf 其他 for ``group``, with the group's deadlines, unit kind and flags.

    Its code is :func:`catch_all_code`, or, when that is taken, the first free one of the group's
    code and 99, 98, …
    """
    taken = set(category_model.objects.filter(code__startswith=group.code).values_list("code", flat=True))
    candidates = [catch_all_code(group.code)] + [f"{group.code}{n:02d}" for n in range(99, 9, -1)]
    code = next((c for c in candidates if c not in taken), f"{group.code}-{CATCH_ALL_NAME}")
    fields = {f.name for f in category_model._meta.concrete_fields}
    copied = {name: getattr(group, name) for name in (
        "default_unit_kind", "response_hours_urgent", "response_hours_normal", "resolution_days_urgent",
        "resolution_days_normal", "dispatch_hours_urgent", "dispatch_hours_normal", "is_utility",
        "is_consultation") if name in fields}
    return category_model(code=code, name=CATCH_ALL_NAME, parent=group, sort_order=group.sort_order, is_active=True,
                          **copied)


def groups_without_catch_all(category_model) -> list:
    """Active groups (categories with active children) that have no active child named 其他."""
    children = {}
    for parent_id, name in category_model.objects.filter(is_active=True).exclude(parent=None).values_list(
            "parent_id", "name"):
        children.setdefault(parent_id, set()).add(name)
    return [group for group in category_model.objects.filter(pk__in=children, is_active=True).order_by("code")
            if CATCH_ALL_NAME not in children[group.pk]]


def ensure_catch_alls(category_model) -> int:
    """Give every active group its catch-all leaf 其他 where it lacks one; the number created."""
    created = 0
    for group in groups_without_catch_all(category_model):
        catch_all_of(category_model, group).save()
        created += 1
    return created
