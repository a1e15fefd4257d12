"""Demo base data: compounds, dwellings, households, persons, care tags, visits, patrols.

Realistic enough to try every screen: Chinese names drawn by surname
frequency, valid GB 11643 ID numbers (registered residents carry the
district's code, migrants the codes of their home counties), mobile numbers,
household shapes from single elderly to three generations, care tags at
plausible rates (derived from age and household where that is how they arise),
and a visit history in which some visits are overdue.

Everything is written in bulk (``gongzhi.registry.bulk.insert_rows``, which
also encrypts), so ``--size large`` (over 200,000 persons) takes a few
minutes at most. Like the rest of seed_demo it is idempotent: when demo
registry data exists (external ids ``DEMO-…``) nothing is added.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.roles import can
from gongzhi.audit.services import record
from gongzhi.core import crypto
from gongzhi.core.ids import make_id_number
from gongzhi.core.scoping import scope_of
from gongzhi.regions.models import CommunityType
from gongzhi.registry.bulk import insert_rows
from gongzhi.registry.models import (
    Building,
    CareTag,
    Compound,
    Dwelling,
    DwellingRole,
    Entrance,
    Household,
    HouseholdMember,
    HouseholdVisit,
    IdType,
    Patrol,
    PatrolProblem,
    Person,
    PersonCareTag,
    Relation,
    Residence,
    ResidenceType,
)
from gongzhi.registry.names import name_pinyin

PREFIX = "DEMO-"
# Persons per grid by size; a real grid holds 300-500 households (about 1,000-1,500 people).
PERSONS_PER_GRID = {"small": 60, "medium": 900, "large": 2_200}
MINIMUM_PERSONS = {"small": 0, "medium": 20_000, "large": 200_000}

# The hundred most frequent surnames with rough relative weights (per mille of the population).
SURNAMES = (
    "王72 李71 张67 刘53 陈45 杨31 黄22 赵21 吴20 周19 徐17 孙15 马14 朱13 胡13 郭11 何11 高10 林10 罗9 郑9 梁8 谢8 "
    "宋7 唐7 许7 韩6 冯6 邓6 曹6 彭6 曾5 肖5 田5 董5 袁5 潘5 于4 蒋4 蔡4 余4 杜4 叶4 程4 苏4 魏4 吕4 丁3 任3 沈3 "
    "姚3 卢3 姜3 崔3 钟3 谭3 陆3 汪3 范3 金3 石3 廖3 贾3 夏3 韦3 付3 方3 白3 邹2 孟2 熊2 秦2 邱2 江2 尹2 薛2 闫2 "
    "段2 雷2 侯2 龙2 史2 陶2 黎2 贺2 顾2 毛2 郝2 龚2 邵2 万2 钱2 严2 覃2 武2 戴2 莫2 孔2 欧阳1 司马1 上官1"
).split()
SURNAME_LIST = [s.rstrip("0123456789") for s in SURNAMES]
SURNAME_WEIGHTS = [int(s[len(s.rstrip("0123456789")):]) for s in SURNAMES]
GIVEN_MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志文海峰东成亮"
GIVEN_FEMALE = "芳娜秀英敏静丽艳娟霞燕玲桂兰萍红梅琳雪婷慧颖洁佳倩晶瑶欣怡雨涵梓诗月莉"
# Home counties of migrants (real GB/T 2260 codes of common provinces of origin).
MIGRANT_COUNTIES = ("130102", "130602", "370102", "370302", "410102", "410302", "341102", "420102", "510104",
                    "430102", "220102", "230102", "140105", "610102", "360102", "320102", "350102", "500101",
                    "450102", "530102")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "157", "158", "159", "166", "173", "177", "180", "181", "185", "186", "187", "188", "189", "199")
COMPOUND_NAMES = ("小区", "家园", "花园", "公寓", "嘉园", "北里", "南里", "东里", "西里")
COMPOUND_STEMS = "永安 光华 建国 朝阳 华贸 金台 团结 和平 幸福 新源 安贞 惠新 望京 双井 劲松 芳草 阳光 丽都".split()
VILLAGE_GROUPS = "一组 二组 三组 四组 五组 六组".split()
PROBLEMS = [("占道经营", "市容环境"), ("井盖缺失", "市政设施"), ("楼道堆物", "消防安全"), ("路灯不亮", "市政设施"),
            ("私搭乱建", "违法建设"), ("垃圾满溢", "市容环境"), ("电动车楼道充电", "消防安全"), ("违规停车", "交通秩序")]
VISIT_NOTES = ["身体状况良好，生活能自理", "家中无异常，已告知社区服务电话", "反映楼道灯不亮，已登记", "老人血压偏高，已提醒就医",
               "宣传防诈骗知识", "了解就业需求，登记求职意向", "家中有人，情况正常", "租户信息已核实"]


@dataclass
class SeedResult:
    persons: int = 0
    dwellings: int = 0
    households: int = 0
    visits: int = 0
    patrols: int = 0
    tags: Counter = field(default_factory=Counter)
    skipped: bool = False


class _People:
    """Draws people: names by surname frequency, unique valid ID numbers, phone numbers."""

    def __init__(self, rng: random.Random, today: dt.date):
        self.rng, self.today = rng, today
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()

    def name(self, gender: str, surname: str | None = None) -> str:
        surname = surname or self.rng.choices(SURNAME_LIST, SURNAME_WEIGHTS)[0]
        pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
        return surname + "".join(self.rng.choice(pool) for _ in range(self.rng.choice((1, 2, 2, 2))))

    def birth(self, age: int) -> dt.date:
        return self.today - dt.timedelta(days=age * 365 + self.rng.randrange(365))

    def id_number(self, county: str, birth: dt.date, gender: str) -> str:
        while True:
            sequence = self.rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            number = make_id_number(county, birth, sequence)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number


def _household_shape(rng: random.Random) -> list[tuple[str, int, str]]:
    """[(relation, age, gender)] of one household, head first."""
    kind = rng.choices(["single_old", "single_young", "old_couple", "couple", "family", "three_generations"],
                       [9, 8, 14, 16, 38, 15])[0]
    head_gender = rng.choice("MF")
    other = "F" if head_gender == "M" else "M"
    if kind == "single_old":
        return [(Relation.HEAD, rng.randint(66, 92), head_gender)]
    if kind == "single_young":
        return [(Relation.HEAD, rng.randint(20, 45), head_gender)]
    if kind == "old_couple":
        age = rng.randint(62, 88)
        return [(Relation.HEAD, age, head_gender), (Relation.SPOUSE, max(58, age + rng.randint(-4, 4)), other)]
    age = rng.randint(26, 55)
    members = [(Relation.HEAD, age, head_gender), (Relation.SPOUSE, age + rng.randint(-4, 4), other)]
    if kind == "couple":
        return members
    for _ in range(rng.choices([1, 2, 3], [60, 35, 5])[0]):
        members.append((Relation.CHILD, max(0, age - rng.randint(22, 34)), rng.choice("MF")))
    if kind == "three_generations":
        members.append((Relation.PARENT, age + rng.randint(24, 32), rng.choice("MF")))
    return members


def _visitors_by_grid(grids, visitors) -> dict[int, object]:
    """Who recorded a grid's visits: a user of that area allowed to visit (a local one first)."""
    able = [u for u in visitors or [] if can(u, "registry.visit")]
    able.sort(key=lambda u: scope_of(u).unrestricted)
    return {grid.pk: next((u for u in able if scope_of(u).covers_code(grid.code)), None) for grid in grids}


def seed_registry(*, rng: random.Random, size: str, grids, visitors=None) -> SeedResult:
    """Fill the given grids with base data; see the module documentation."""
    result = SeedResult()
    if Dwelling.objects.filter(external_id__startswith=PREFIX).exists():
        result.skipped = True
        return result
    grids = list(grids)
    per_grid = max(PERSONS_PER_GRID[size], -(-MINIMUM_PERSONS[size] // max(len(grids), 1)))
    today = timezone.localdate()
    now = timezone.now()
    people = _People(rng, today)
    tags = {t.code: t for t in CareTag.objects.all()}
    id_index, phone_index = crypto.indexer("id_number"), crypto.indexer("phone")
    visitor_of = _visitors_by_grid(grids, visitors)

    with transaction.atomic():
        dwelling_rows, person_rows, households, tag_rows = [], [], [], []
        serial = Counter()
        for grid in grids:
            rural = grid.parent.community_type == CommunityType.RURAL if grid.parent_id else False
            district = grid.code[:6]
            target = per_grid
            placed = 0
            compound_index = 0
            while placed < target:
                compound_index += 1
                if rural:
                    compound = Compound.objects.create(
                        name=f"{grid.parent.name}{VILLAGE_GROUPS[(compound_index - 1) % len(VILLAGE_GROUPS)]}",
                        kind=Compound.Kind.VILLAGE_GROUP, grid=grid,
                        external_id=f"{PREFIX}C-{grid.code}-{compound_index}")
                    layout = ((None, None, None, f"{n}号") for n in range(1, rng.randint(30, 60) + 1))
                else:
                    compound = Compound.objects.create(
                        name=rng.choice(COMPOUND_STEMS) + rng.choice(COMPOUND_NAMES) + (
                            f"{compound_index}区" if compound_index > 1 else ""),
                        kind=Compound.Kind.COMPOUND, grid=grid,
                        street_address=f"{rng.choice(COMPOUND_STEMS)}路{rng.randint(1, 99)}号",
                        external_id=f"{PREFIX}C-{grid.code}-{compound_index}")
                    layout = _urban_layout(rng, compound, grid)
                for building, entrance, floor, room in layout:
                    if placed >= target:
                        break
                    serial["dwelling"] += 1
                    ext = f"{PREFIX}D-{serial['dwelling']:07d}"
                    use = rng.choices(["owner_occupied", "rented", "vacant", "commercial"], [68, 22, 7, 3])[0]
                    parts = [compound.name]
                    if building is not None:
                        parts += [f"{building.number}号楼", f"{entrance.number}单元", f"{room}室"]
                    else:
                        parts.append(room)
                    area = Decimal(rng.randint(3800, 14500)) / 100
                    dwelling_rows.append({
                        "grid_id": grid.pk, "compound_id": compound.pk,
                        "building_id": building.pk if building else None,
                        "entrance_id": entrance.pk if entrance else None, "room": room, "floor": floor,
                        "floor_area": area, "use": use, "external_id": ext, "address_text": " ".join(parts),
                    })
                    if use in ("vacant", "commercial"):
                        continue
                    members = _household_shape(rng)
                    tenant = use == "rented"
                    migrant = tenant and rng.random() < 0.8
                    surname = rng.choices(SURNAME_LIST, SURNAME_WEIGHTS)[0]
                    household = {"external_id": f"{PREFIX}H-{serial['dwelling']:07d}", "grid_id": grid.pk,
                                 "dwelling": ext, "members": []}
                    for relation, age, gender in members:
                        serial["person"] += 1
                        pext = f"{PREFIX}P-{serial['person']:07d}"
                        birth = people.birth(age)
                        foreign = migrant and rng.random() < 0.02
                        own_surname = surname if relation in (Relation.HEAD, Relation.CHILD) else None
                        name = people.name(gender, own_surname)
                        if foreign:
                            id_type, number = IdType.PASSPORT, f"E{rng.randrange(10 ** 8):08d}"
                        else:
                            county = rng.choice(MIGRANT_COUNTIES) if migrant else district
                            id_type, number = IdType.RESIDENT_ID, people.id_number(county, birth, gender)
                        phone = people.phone() if age >= 14 and rng.random() < 0.9 else ""
                        pinyin, initials = name_pinyin(name)
                        role = (DwellingRole.TENANT if tenant else DwellingRole.OWNER) if relation == Relation.HEAD \
                            else DwellingRole.FAMILY
                        person_rows.append({
                            "name": name, "name_pinyin": pinyin, "name_initials": initials, "id_type": id_type,
                            "id_number": number, "id_number_index": id_index(number), "gender": gender,
                            "birth_date": birth, "phone": phone, "phone_index": phone_index(phone),
                            "residence_type": (ResidenceType.FOREIGN if foreign else ResidenceType.MIGRANT
                                               if migrant else ResidenceType.REGISTERED),
                            "grid_id": grid.pk, "dwelling": ext, "dwelling_role": role, "external_id": pext,
                        })
                        household["members"].append((pext, relation))
                        for code in _care_tags(rng, age, gender, len(members), rural, migrant, members):
                            if code in tags:
                                tag_rows.append((pext, code))
                        placed += 1
                    households.append(household)

        insert_rows(Dwelling, dwelling_rows)
        dwelling_pk = dict(Dwelling.objects.filter(external_id__startswith=PREFIX).values_list("external_id", "pk"))
        for row in person_rows:
            row["dwelling_id"] = dwelling_pk[row.pop("dwelling")]
        insert_rows(Person, person_rows)
        person_pk = dict(Person.objects.filter(external_id__startswith=PREFIX).values_list("external_id", "pk"))
        since = today - dt.timedelta(days=400)
        insert_rows(Residence, ({"person_id": person_pk[r["external_id"]], "dwelling_id": r["dwelling_id"],
                                 "role": r["dwelling_role"], "start_date": since} for r in person_rows))
        insert_rows(Household, ({"external_id": h["external_id"], "grid_id": h["grid_id"],
                                 "dwelling_id": dwelling_pk[h["dwelling"]],
                                 "head_id": person_pk[h["members"][0][0]]} for h in households))
        household_pk = dict(Household.objects.filter(external_id__startswith=PREFIX).values_list("external_id", "pk"))
        insert_rows(HouseholdMember, ({"household_id": household_pk[h["external_id"]], "person_id": person_pk[p],
                                       "relation": relation} for h in households for p, relation in h["members"]))
        insert_rows(PersonCareTag, ({"person_id": person_pk[p], "tag_id": tags[code].pk,
                                     "since": today - dt.timedelta(days=rng.randint(60, 900))}
                                    for p, code in tag_rows))
        result.tags = Counter(code for _p, code in tag_rows)
        result.visits = _seed_visits(rng, households, household_pk, person_pk, tag_rows, tags, visitor_of, now)
        result.patrols = _seed_patrols(rng, grids, visitor_of, now)
        result.persons, result.dwellings, result.households = len(person_rows), len(dwelling_rows), len(households)
        record(actor=None, action="demo.seed_registry", object_type="demo", object_repr=f"size={size}",
               changes={"persons": result.persons, "dwellings": result.dwellings, "households": result.households,
                        "visits": result.visits, "patrols": result.patrols})
    return result


def _urban_layout(rng, compound, grid):
    """(building, entrance, floor, room) of a compound's flats, buildings created as they fill."""
    for number in range(1, rng.randint(6, 14) + 1):
        building = Building.objects.create(compound=compound, number=str(number), grid=grid,
                                           floors=rng.choice((6, 6, 11, 18, 24)))
        for entrance_number in range(1, rng.randint(2, 4) + 1):
            entrance = Entrance.objects.create(building=building, number=str(entrance_number))
            for floor in range(1, building.floors + 1):
                for room in range(1, 3):
                    yield building, entrance, floor, f"{floor}{room:02d}"


def _care_tags(rng, age, gender, household_size, rural, migrant, members) -> list[str]:
    codes = []
    if age >= 65 and household_size == 1 and rng.random() < 0.9:
        codes.append("elderly_alone")
    elif age >= 60 and household_size == 2 and all(a >= 58 for _r, a, _g in members) and rng.random() < 0.7:
        codes.append("empty_nest_elderly")
    if rng.random() < (0.06 if age >= 60 else 0.015):
        codes.append("disabled")
    if rng.random() < 0.012:
        codes.append("subsistence")
    if rural and age < 16 and not migrant and rng.random() < 0.25:
        codes.append("left_behind_child")
    if gender == "M" and 35 <= age <= 85 and rng.random() < 0.04:
        codes.append("veteran")
    if 18 <= age <= 70 and rng.random() < 0.002:
        codes.append("key_person")
    return codes


def _seed_visits(rng, households, household_pk, person_pk, tag_rows, tags, visitor_of, now) -> int:
    """Visits of the last weeks: tagged households by their rule (some now overdue), a few others once."""
    tagged = {}
    for person, code in tag_rows:
        interval = tags[code].visit_interval_days
        if interval:
            tagged[person] = min(tagged.get(person, 999), interval)
    visits, links = [], []
    for household in households:
        member_ids = [p for p, _r in household["members"]]
        interval = min((tagged[p] for p in member_ids if p in tagged), default=None)
        visitor = visitor_of.get(household["grid_id"])
        if visitor is None:
            continue
        if interval:
            # Calendar days roughly 1.4× the working-day rule; one in six households falls behind.
            step = interval * 1.4 * (2.2 if rng.random() < 1 / 6 else rng.uniform(0.6, 1.0))
            moments = [now - dt.timedelta(days=rng.uniform(0, step))]
            while (now - moments[-1]).days + step < 45:
                moments.append(moments[-1] - dt.timedelta(days=step * rng.uniform(0.8, 1.1)))
            if rng.random() < 1 / 6:
                moments = moments[1:]
        elif rng.random() < 0.1:
            moments = [now - dt.timedelta(days=rng.uniform(0, 60))]
        else:
            continue
        for moment in moments:
            follow_up = rng.random() < 0.05
            visits.append(HouseholdVisit(
                grid_id=household["grid_id"], household_id=household_pk[household["external_id"]], visitor=visitor,
                visited_at=moment, notes=rng.choice(VISIT_NOTES), follow_up_needed=follow_up,
                follow_up_note="需要社区跟进" if follow_up else ""))
            links.append([person_pk[p] for p in member_ids])
    created = HouseholdVisit.objects.bulk_create(visits, batch_size=1000)
    through = HouseholdVisit.persons.through
    insert_rows(through, ({"householdvisit_id": visit.pk, "person_id": person}
                          for visit, people_ in zip(created, links, strict=True) for person in people_))
    return len(created)


def _seed_patrols(rng, grids, visitor_of, now) -> int:
    patrols, problems = [], []
    for grid in grids:
        patroller = visitor_of.get(grid.pk)
        if patroller is None:
            continue
        for days_ago in range(0, 30, rng.choice((2, 3))):
            start = now - dt.timedelta(days=days_ago, hours=rng.uniform(1, 6))
            patrols.append(Patrol(grid=grid, patroller=patroller, started_at=start,
                                  ended_at=start + dt.timedelta(minutes=rng.randint(40, 150)), notes="例行巡查"))
    created = Patrol.objects.bulk_create(patrols, batch_size=1000)
    for patrol in created:
        for _ in range(rng.choices((0, 1, 2), (60, 30, 10))[0]):
            description, category = rng.choice(PROBLEMS)
            problems.append(PatrolProblem(patrol=patrol, description=description, category=category,
                                          found_at=patrol.started_at + dt.timedelta(minutes=rng.randint(5, 35)),
                                          resolved_on_the_spot=rng.random() < 0.4))
    PatrolProblem.objects.bulk_create(problems, batch_size=1000)
    return len(created)


def seed_registry_step(*, rng, size, regions, units, users, stdout) -> SeedResult:
    """The registry's step of ``manage.py seed_demo``."""
    result = seed_registry(rng=rng, size=size, grids=regions.grids, visitors=users)
    if result.skipped:
        stdout.write("Base data: demo registry already present, nothing added.")
    else:
        stdout.write(f"Base data: {result.persons} persons, {result.households} households, "
                     f"{result.dwellings} dwellings, {result.visits} visits, {result.patrols} patrols.")
    return result
