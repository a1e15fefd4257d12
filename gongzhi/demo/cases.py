"""Demo history of request handling: a year of cases, so that rates and rankings look real.

Volumes by ``--size``: small about 2,000 cases, medium 20,000, large 120,000,
spread over the 365 days before today with seasons (供热 complaints from
November to March, 噪声 and 油烟 in summer, 拖欠工资 before the Spring Festival,
入学 in May–August, 旅游 in the Golden Weeks), fewer on weekends and holidays,
four channels (hotline, web, grid patrol, walk-in), and outcomes that differ
by unit: each unit gets its own habits (how often it acknowledges and replies
in time, how often residents say it solved the problem and are satisfied), so
the monthly ranking has a shape.

Fast by design: the history is **written in bulk**, not acted out through
the services. A case's whole life is simulated in memory (intake →
consultation answered, or dispatch → acknowledgement or return and
re-dispatch → reply → callback, an unsatisfied callback reopening the case
to the same unit, which acknowledges it again, for a second round; a few
cancelled or found invalid), exactly as the state machine would record it:
the same actions, states, event payloads (deadlines computed on the
working-day calendar with the category's numbers, ``on_time`` verdicts,
callback ids, and the rate columns of
:func:`~gongzhi.cases.models.case.figures_of`), the case row as the last
transition leaves it (state, version, deadlines, timestamps, counters), and a
:class:`~gongzhi.cases.models.Callback` row per callback. Then cases,
events, callbacks and the hotline callers' contacts (phone encrypted) are
inserted with one ``executemany`` per batch. Events later than now are not
written, so the most recent cases are still open. What is left out: street
whistles, extension requests, merges, attachments, notifications, and the
per-transition audit events (one ``demo.seed_cases`` audit event records the
generation instead). Staff actions of units without a demo account are
labelled ``demo:<unit code>``.

Deterministic for a seed and a day (the history ends today); idempotent:
when demo cases exist (the ``demo.seed_cases`` audit event) nothing is added.
:func:`write_history` is also what ``bench/case_metrics.py`` uses to build a
million cases.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import operator
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import shapely
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from gongzhi.accounts.models import Unit, User
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import record
from gongzhi.cases import deadlines, numbers
from gongzhi.cases.models import (
    Action,
    Callback,
    Case,
    CaseContact,
    CaseEvent,
    CaseState,
    Category,
    Channel,
    RoutingRule,
)
from gongzhi.cases.models.case import figures_of
from gongzhi.cases.routing import route
from gongzhi.cases.services import create_routing_rule
from gongzhi.core import crypto, workcal
from gongzhi.regions import boundaries

CASES = {"small": 2_000, "medium": 20_000, "large": 120_000}
MARKER = "demo.seed_cases"
BATCH = 5_000

# Relative popularity of leaf categories (others: 1) and their seasons (month → factor; others: 1).
POPULARITY = {"0901": 12, "0201": 10, "0204": 8, "0105": 8, "0205": 6, "0904": 6, "0303": 6, "1101": 5, "1102": 5,
              "0102": 5, "0104": 4, "0101": 4, "0202": 4, "0501": 4, "0902": 3, "0801": 3, "0504": 2, "0304": 2,
              "0402": 2, "0106": 2}
SEASONS = {
    "0105": {11: 3.0, 12: 4.0, 1: 4.0, 2: 3.0, 3: 1.5, 10: 0.4, 4: 0.2, 5: 0.05, 6: 0.05, 7: 0.05, 8: 0.05, 9: 0.1},
    "0201": {5: 1.3, 6: 1.6, 7: 1.8, 8: 1.7, 9: 1.3, 12: 0.6, 1: 0.6, 2: 0.6},
    "0202": {6: 1.4, 7: 1.5, 8: 1.4, 12: 0.7, 1: 0.7},
    "0104": {6: 1.5, 7: 1.8, 8: 1.6},
    "0106": {11: 1.5, 12: 1.8, 1: 1.8, 2: 1.5},
    "0501": {12: 2.0, 1: 2.5, 2: 1.5},
    "0402": {4: 1.5, 5: 2.5, 6: 2.5, 7: 2.0, 8: 2.0},
    "0601": {5: 2.0, 10: 2.5},
    "0304": {4: 1.5, 5: 1.5, 9: 1.4, 10: 1.4},
    "0204": {2: 1.4, 7: 1.3, 8: 1.3},
}
# Which unit of the demo handles what (routing rules written by the seed), by the key of seed_units.
DEMO_RULES = {
    "zhujian": ("0102", "0103", "0104", "0105", "0106", "0902", "0903"),
    "chengguan": ("0201", "0202", "0203", "0303", "0304"),
    "shichang": ("0602", "0603", "0801", "0802", "0803", "0804"),
}
CHANNELS = ((Channel.HOTLINE_12345, 55), (Channel.WEB, 20), (Channel.GRID_PATROL, 15), (Channel.WALK_IN, 10))
TEXTS = {
    "0201": [("夜间施工噪声扰民", "工地每晚十点以后仍在施工，噪声很大，影响休息。"),
             ("广场舞音响声音过大", "每天晚上广场舞音响开得很大，希望规范时间和音量。"),
             ("商铺外放音乐扰民", "临街商铺门口音箱外放，噪声持续一整天。")],
    "0204": [("垃圾桶满溢无人清运", "小区垃圾桶已经满溢两天，异味很大，请尽快清运。"),
             ("垃圾分类投放点不规范", "垃圾分类投放点没有人值守，分类混乱。")],
    "0205": [("楼道堆放杂物", "楼道内长期堆放杂物，存在安全隐患，也影响卫生。"),
             ("道路积水污泥", "路面积水带有污泥，行人通行不便。")],
    "0901": [("物业不作为", "反映物业公司对报修长期不处理，服务质量差。"),
             ("小区绿化无人养护", "小区绿地杂草丛生，物业不管。")],
    "0904": [("小区停车位不足", "小区车位紧张，外来车辆随意停放堵塞消防通道。")],
    "0303": [("路口违章停车", "路口两侧长期违章停车，造成拥堵。")],
    "0105": [("暖气不热", "家中暖气温度不达标，室温只有十五度左右。"), ("供热管道漏水", "楼内供热管道漏水，请尽快维修。")],
    "0104": [("停水无通知", "小区突然停水，没有任何通知。"), ("自来水发黄", "自来水出水发黄，有异味。")],
    "0102": [("人行道地砖破损", "人行道地砖破损翘起，容易绊倒行人。"), ("路灯不亮", "路段路灯已经一周不亮，夜间出行不安全。")],
    "0101": [("楼顶私搭乱建", "顶层住户在楼顶违规搭建房屋。")],
    "0202": [("餐馆油烟扰民", "楼下餐馆油烟直排，无法开窗。")],
    "0501": [("拖欠工资", "工地拖欠农民工工资三个月未发放。")],
    "0902": [("电梯频繁故障", "单元电梯频繁停运，老人上下楼困难。")],
    "0801": [("餐馆卫生问题", "餐馆后厨卫生条件差，疑似食品过期。")],
    "1101": [("咨询居住证办理", "咨询居住证办理需要哪些材料。")],
    "1102": [("咨询养老补贴申请", "咨询高龄老人养老补贴如何申请。")],
}
REPLIES = ("经核实，已协调相关单位处理完毕。", "已现场处置，问题已解决。", "已责令相关方整改，后续持续跟踪。",
           "已安排维修人员上门处理。", "已向来电人解释相关政策。")
ANSWERS = ("已向来电人解答相关政策和办理流程。", "已告知办理地点、所需材料和时间。")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
MOBILE = ("130", "131", "132", "135", "136", "138", "139", "150", "151", "158", "177", "180", "186", "188", "199")


@dataclass
class Habits:
    """How a unit works: probabilities drawn once per unit."""

    acknowledges_in_time: float
    replies_in_time: float
    solves: float
    pleases: float  # shifts satisfaction up

    @classmethod
    def draw(cls, rng: random.Random) -> Habits:
        return cls(rng.uniform(0.80, 0.99), rng.uniform(0.75, 0.97), rng.uniform(0.70, 0.95), rng.uniform(-0.1, 0.1))


@dataclass
class World:
    """What the generator needs to know, looked up once."""

    grids: list  # (Region, [(lon, lat), …] points inside it)
    categories: list[Category]
    unit_for: Callable  # (category, grid) → Unit
    fallback_for: Callable  # (grid) → Unit: where a returned case goes next
    actors: dict  # role → User | None
    habits: dict = field(default_factory=dict)  # unit id → Habits
    weights: dict = field(default_factory=dict)  # month → [(category, weight)]


@dataclass
class Written:
    cases: int = 0
    events: int = 0
    callbacks: int = 0
    contacts: int = 0
    states: Counter = field(default_factory=Counter)


# --- bulk insertion ------------------------------------------------------------------

def _converter(model_field):
    """How a column's Python value becomes a database value; None when it goes as it is."""
    if isinstance(model_field, crypto.EncryptedTextField):
        encrypt = crypto.encryptor()
        return lambda value: encrypt(str(value)) if value not in (None, "") else None
    if isinstance(model_field, models.DateTimeField):
        if connection.vendor == "sqlite":
            # What Django's SQLite adapter writes (naive UTC text), without its per-call checks.
            utc = dt.timezone.utc
            return lambda value: str(value.astimezone(utc).replace(tzinfo=None)) if value is not None else None
        return None  # the driver adapts aware datetimes
    if isinstance(model_field, models.JSONField):
        if connection.vendor == "sqlite":
            return json.dumps
        return lambda value: model_field.get_db_prep_save(value, connection)
    return None


def insert(model, rows: list[dict], *, with_pk: bool) -> int:
    """Insert ``rows`` ({attname: value}) with one ``executemany`` per batch; missing columns take defaults.

    With ``with_pk`` the rows carry their ids (the generator allocates them,
    because events refer to cases and callbacks by id).
    """
    if not rows:
        return 0
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    defaults = {f.attname: None if f.primary_key or (f.null and not f.has_default()) else f.get_default()
                for f in fields}
    converters = [(index, convert) for index, convert in enumerate(_converter(f) for f in fields) if convert]
    values_of = operator.itemgetter(*names)

    def prepared(row):
        if len(row) != len(names) or not row.keys() >= defaults.keys():
            row = {**defaults, **row}
        values = list(values_of(row))
        for index, convert in converters:
            values[index] = convert(values[index])
        return values

    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [prepared(row) for row in rows[start:start + BATCH]])
    return len(rows)


def _reset_sequences(*model_classes) -> None:
    """After inserts with explicit ids, PostgreSQL's sequences must move past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


# --- the world ------------------------------------------------------------------------

def _points(rng: random.Random, grid, count: int = 40) -> list[tuple[float, float]]:
    shape = boundaries.to_shape(grid.boundary) if grid.boundary else None
    if shape is None:
        return []
    min_x, min_y, max_x, max_y = shape.bounds
    points = []
    for _attempt in range(count * 20):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if shapely.contains_xy(shape, x, y):
            points.append((round(x, 6), round(y, 6)))
            if len(points) == count:
                break
    return points


def leaf_categories() -> list[Category]:
    parents = set(Category.objects.exclude(parent=None).values_list("parent_id", flat=True))
    return [c for c in Category.objects.filter(is_active=True).select_related("parent").order_by("code")
            if c.pk not in parents]


def build_world(*, rng: random.Random, grids, actors: dict) -> World:
    """Points per grid, the unit of each category in each grid (by the routing rules), each unit's habits."""
    categories = leaf_categories()
    grid_points = [(g, _points(rng, g)) for g in grids]
    grid_points = [(g, p) for g, p in grid_points if p]
    routed: dict = {}

    def unit_for(category, grid):
        key = (category.pk, grid.pk)
        if key not in routed:
            routed[key] = route(Case(category=category, region_code=grid.code)).unit
        return routed[key]

    centres: dict = {}

    def fallback_for(grid):
        code = grid.code[:9] + "000"
        if code not in centres:
            centres[code] = Unit.objects.filter(kind="subdistrict_office", region__code=code).order_by("pk").first()
        return centres[code]

    world = World(grids=grid_points, categories=categories, unit_for=unit_for, fallback_for=fallback_for,
                  actors=actors)
    for unit in Unit.objects.order_by("code"):
        world.habits[unit.pk] = Habits.draw(rng)
    return world


# --- one case's life ------------------------------------------------------------------

class _Deadlines:
    """Deadlines of dispatches, cached by (category, urgency, moment, region): dispatch times are on a 5-minute
    grid; the region is the case's, whose local calendar overrides may move its deadlines."""

    def __init__(self):
        self.cache, self.day = {}, None

    def dispatch(self, category, urgency, at, region):
        if at.date() != self.day:  # the history is written day by day: keep one day's deadlines
            self.cache, self.day = {}, at.date()
        key = (category.id, urgency, at, region)
        if key not in self.cache:
            self.cache[key] = deadlines.for_dispatch(category, urgency, at, region=region)
        return self.cache[key]


def _five_minutes(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


def _iso(moment) -> str:
    return moment.astimezone(_zone()).isoformat()


@functools.cache
def _zone():
    return timezone.get_default_timezone()


class _Life:
    """Builds one case's events and final row, as the services would have written them."""

    def __init__(self, case: dict, end: dt.datetime):
        self.case, self.end, self.events, self.callbacks, self.stopped = case, end, [], [], False

    def act(self, action, to_state, at, *, actor=None, label="", payload=None, reason="", unit=None) -> bool:
        """Append a transition if it happened before the end; False (and stop) otherwise."""
        if self.stopped or at > self.end:
            self.stopped = True
            return False
        from_state = self.case["state"]
        self.events.append({"case_id": self.case["id"], "at": at, "actor_id": actor.id if actor else None,
                            "actor_label": actor.username if actor else label, "action": action,
                            "from_state": from_state, "to_state": to_state, "reason": reason,
                            "payload": payload or {}, "unit_id": unit.id if unit else None,
                            **figures_of(action, payload)})
        if action != "intake":
            self.case["version"] += 1
        self.case["state"] = to_state
        self.case["updated_at"] = at
        return True


class _Weighted:
    """A population with cumulative weights, for many draws (``random.choices`` would sum them every time)."""

    def __init__(self, weighted):
        self.population = [w[0] for w in weighted]
        self.cumulative = list(itertools.accumulate(w[1] for w in weighted))

    def draw(self, rng):
        return rng.choices(self.population, cum_weights=self.cumulative)[0]


def _simulate(rng, world: World, due: _Deadlines, case_id: int, created: dt.datetime, end: dt.datetime,
              next_callback_id: Callable[[], int]) -> tuple[dict, list, list, dict | None]:
    category = world.weights[created.month].draw(rng)
    grid, points = world.grids[rng.randrange(len(world.grids))]
    lon, lat = points[rng.randrange(len(points))]
    channel = _CHANNELS.draw(rng)
    urgency = "urgent" if rng.random() < 0.08 else "normal"
    title, text = rng.choice(TEXTS.get(category.code) or [(f"{category.name}问题", f"市民反映{category.name}问题，请尽快处理。")])
    community = grid.parent.name if grid.parent_id else ""
    address = f"{community}{rng.randint(1, 30)}号楼附近"
    reporter = world.actors.get(Role.RESIDENT) if channel == Channel.WEB else None
    intake_actor = {Channel.WEB: reporter, Channel.GRID_PATROL: world.actors.get(Role.GRID_WORKER),
                    Channel.WALK_IN: world.actors.get(Role.DISPATCHER)}.get(channel, world.actors.get(Role.ADMIN))
    case = {
        "id": case_id, "channel": channel, "category_id": category.id, "urgency": urgency, "title": title,
        "description": f"{address}：{text}", "lon": lon, "lat": lat, "crs": "wgs84", "input_lon": lon,
        "input_lat": lat, "grid_id": grid.id, "region_code": grid.code, "address": address,
        "reporter_id": reporter.id if reporter else None, "is_anonymous": False,
        "hotline_id": f"DEMO-{created:%Y%m%d}-{case_id}" if channel == Channel.HOTLINE_12345 else None,
        "created_by_id": intake_actor.id if intake_actor else None, "state": "", "lead_unit_id": None,
        "is_binding": False, "response_due": None, "resolution_due": None, "dispatched_at": None,
        "acknowledged_at": None, "replied_at": None, "closed_at": None, "reply": "", "return_count": 0,
        "reopen_count": 0, "parent_id": None, "version": 1, "created_at": created, "updated_at": created,
    }
    life = _Life(case, end)
    life.act(Action.INTAKE, CaseState.RECEIVED, created, actor=intake_actor, label="demo", payload={
        "channel": channel, "category": category.code, "urgency": urgency, "region_code": grid.code,
        "reporter_id": case["reporter_id"], "anonymous": False})
    dispatcher = world.actors.get(Role.DISPATCHER)
    contact = None
    if channel == Channel.HOTLINE_12345:
        name = rng.choice(SURNAMES) + rng.choice(("先生", "女士"))
        contact = {"case_id": case_id, "name": name, "phone": rng.choice(MOBILE) + f"{rng.randrange(10**8):08d}",
                   "created_at": created}

    if category.is_consultation:
        at = created + dt.timedelta(minutes=rng.randint(2, 30))
        answer = rng.choice(ANSWERS)
        if life.act(Action.ANSWER, CaseState.CLOSED, at, actor=dispatcher, label="demo",
                    payload={"answer": answer}):
            case.update(reply=answer, replied_at=at, closed_at=at)
        return case, life.events, life.callbacks, contact
    roll = rng.random()
    if roll < 0.03:
        at = created + dt.timedelta(hours=rng.uniform(0.5, 6))
        action, state, why = ((Action.INVALIDATE, CaseState.INVALID, "无实质诉求内容") if roll < 0.02
                              else (Action.CANCEL, CaseState.CANCELLED, "来电人撤回诉求"))
        if life.act(action, state, at, actor=dispatcher, label="demo", reason=why):
            case["closed_at"] = at
        return case, life.events, life.callbacks, contact

    at = _five_minutes(workcal.next_working_moment(created + dt.timedelta(minutes=rng.randint(10, 120)),
                                                   region=grid.code))
    unit = world.unit_for(category, grid)
    if unit is None:  # nobody to dispatch to: the case waits in the queue
        return case, life.events, life.callbacks, contact
    if unit.kind == "department" and rng.random() < 0.05:
        # Returned by the first unit (退单), re-dispatched to the command centre.
        if not _dispatch(life, due, category, urgency, unit, at, dispatcher):
            return case, life.events, life.callbacks, contact
        at += dt.timedelta(hours=rng.uniform(0.2, 2))
        staff = f"demo:{unit.code}"
        case["return_count"] += 1
        if not life.act(Action.RETURN, CaseState.RETURNED, at, label=staff, reason="不属于本单位职责", unit=unit,
                        payload={"unit": unit.code, "return_count": case["return_count"]}):
            return case, life.events, life.callbacks, contact
        case.update(lead_unit_id=None, dispatched_at=None, acknowledged_at=None, response_due=None,
                    resolution_due=None)
        unit = world.fallback_for(grid) or unit
        at = _five_minutes(workcal.next_working_moment(at + dt.timedelta(minutes=rng.randint(10, 90)),
                                                       region=grid.code))
    if not _dispatch(life, due, category, urgency, unit, at, dispatcher):
        return case, life.events, life.callbacks, contact

    habits, staff = world.habits[unit.id], f"demo:{unit.code}"
    at = _acknowledge(life, rng, habits, unit, staff, at, reopened=False)
    if at is None:
        return case, life.events, life.callbacks, contact

    for round_number in range(2):
        resolution_due = case["resolution_due"]
        if resolution_due > at and rng.random() < habits.replies_in_time:
            at = at + (resolution_due - at) * rng.uniform(0.1, 0.95)
        else:
            at = max(at, resolution_due) + dt.timedelta(hours=rng.uniform(2, 120))
        reply = rng.choice(REPLIES)
        if not life.act(Action.REPLY, CaseState.REPLIED, at, label=staff, unit=unit, payload={
                "reply": reply, "resolution_due": _iso(resolution_due), "on_time": at <= resolution_due}):
            break
        case.update(reply=reply, replied_at=at)
        at += dt.timedelta(hours=rng.uniform(2, 72))
        solved = rng.random() < (habits.solves if round_number == 0 else 0.9)
        if solved:
            weights = (0.75 + habits.pleases, 0.20, 0.05 - habits.pleases / 4)
        else:
            weights = (0.10, 0.35, 0.55)
        satisfaction = rng.choices(("satisfied", "basically_satisfied", "unsatisfied"),
                                   [max(w, 0.01) for w in weights])[0]
        if round_number == 1 and satisfaction == "unsatisfied":
            satisfaction = "basically_satisfied"  # a second reopening is rare; the demo keeps it to one
        reopen = satisfaction == "unsatisfied"
        if at > end:
            break
        callback_id = next_callback_id()
        payload = {"callback": callback_id, "solved": solved, "satisfaction": satisfaction, "by_resident": False}
        if reopen:  # 重办: a new order to the same unit, with fresh deadlines, to acknowledge again
            deadline = deadlines.for_reopen(category, urgency, at,  # (not cached: dispatch times only)
                                            region=case["region_code"])
            case["reopen_count"] += 1
            payload.update(reopen_count=case["reopen_count"], response_due=_iso(deadline.response_due),
                           resolution_due=_iso(deadline.resolution_due))
        action, state = (Action.REOPEN, CaseState.DISPATCHED) if reopen else (Action.CALLBACK, CaseState.CLOSED)
        life.act(action, state, at, actor=dispatcher, label="demo", unit=unit, payload=payload)
        life.callbacks.append({"id": callback_id, "case_id": case_id, "solved": solved, "satisfaction": satisfaction,
                               "comment": "", "by_resident": False,
                               "recorded_by_id": dispatcher.id if dispatcher else None, "unit_id": unit.id,
                               "at": at})
        if not reopen:
            case["closed_at"] = at
            break
        case.update(replied_at=None, dispatched_at=at, acknowledged_at=None, response_due=deadline.response_due,
                    resolution_due=deadline.resolution_due)
        at = _acknowledge(life, rng, habits, unit, staff, at, reopened=True)
        if at is None:
            break
    return case, life.events, life.callbacks, contact


def _acknowledge(life: _Life, rng, habits: Habits, unit, staff: str, at, *, reopened: bool):
    """The unit acknowledges the order it has (a dispatch or a reopening); the time, or None if not yet."""
    response_due = life.case["response_due"]
    if rng.random() < habits.acknowledges_in_time:
        at = at + (response_due - at) * rng.uniform(0.05, 0.9)
    else:
        at = response_due + dt.timedelta(hours=rng.uniform(0.5, 30))
    if not life.act(Action.ACKNOWLEDGE, CaseState.IN_PROGRESS, at, label=staff, unit=unit, payload={
            "response_due": _iso(response_due), "on_time": at <= response_due, "reopened": reopened}):
        return None
    life.case["acknowledged_at"] = at
    return at


def _dispatch(life: _Life, due: _Deadlines, category, urgency, unit, at, dispatcher) -> bool:
    deadline = due.dispatch(category, urgency, at, life.case["region_code"])
    if not life.act(Action.DISPATCH, CaseState.DISPATCHED, at, actor=dispatcher, label="demo", unit=unit, payload={
            "unit": unit.code, "assisting_units": [], "response_due": _iso(deadline.response_due),
            "resolution_due": _iso(deadline.resolution_due), "binding": False,
            # The demo dispatches to the unit the routing rules give: the suggestion was the rules' and followed.
            "suggestion": {"source": "rules", "unit": unit.code, "unit_name": unit.name, "category": None,
                           "category_name": category.name, "confidence": None, "percent": None,
                           "model_version": None, "words": [], "explanation": "", "followed": True}}):
        return False
    life.case.update(lead_unit_id=unit.id, dispatched_at=at, acknowledged_at=None,
                     response_due=deadline.response_due, resolution_due=deadline.resolution_due)
    return True


# --- the year ---------------------------------------------------------------------------

def _weights_by_month(categories: list[Category]) -> dict[int, _Weighted]:
    return {month: _Weighted([(c, POPULARITY.get(c.code, 1) * SEASONS.get(c.code, {}).get(month, 1.0))
                              for c in categories])
            for month in range(1, 13)}


def _days(rng: random.Random, first: dt.date, last: dt.date, count: int) -> list[tuple[dt.date, int]]:
    """How many cases each day gets: weekdays more, days off fewer, a little noise; summing to ``count``."""
    days, weights = [], []
    day = first
    while day <= last:
        weight = 1.0 if workcal.is_working_day(day) else 0.65
        days.append(day)
        weights.append(weight * rng.uniform(0.85, 1.15))
        day += dt.timedelta(days=1)
    total = sum(weights)
    counts = [int(count * w / total) for w in weights]
    for index in rng.sample(range(len(days)), count - sum(counts)):
        counts[index] += 1
    return list(zip(days, counts, strict=True))


_HOURS = _Weighted(list(zip(range(24), (1, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 5, 9, 11, 11, 10, 7, 8, 10, 10, 9, 8, 7, 6, 5,
                                          4, 3, 2), strict=True)))
_CHANNELS = _Weighted(CHANNELS)


def write_history(*, rng: random.Random, world: World, first: dt.date, end: dt.datetime, count: int,
                  contacts: bool = True, progress: Callable[[int], None] | None = None) -> Written:
    """Simulate ``count`` cases created from ``first`` until ``end`` and insert them in bulk."""
    world.weights = _weights_by_month(world.categories)
    next_case = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    callback_ids = iter(range((Callback.objects.aggregate(m=Max("id"))["m"] or 0) + 1, 2**62))
    due, written = _Deadlines(), Written()
    phone_index = crypto.indexer("phone")
    buffers: dict[str, list] = {"cases": [], "events": [], "callbacks": [], "contacts": []}
    last = timezone.localtime(end).date()
    tz = timezone.get_current_timezone()

    def flush():
        with transaction.atomic():  # one transaction per batch (a savepoint inside the caller's)
            insert(Case, buffers["cases"], with_pk=True)
            insert(CaseEvent, buffers["events"], with_pk=False)
            insert(Callback, buffers["callbacks"], with_pk=True)
            insert(CaseContact, buffers["contacts"], with_pk=False)
        if progress:
            progress(len(buffers["cases"]))
        for rows in buffers.values():
            rows.clear()

    for day, n in _days(rng, first, last, count):
        first_number = numbers.reserve(day, n) if n else 0
        for index in range(n):
            hour = _HOURS.draw(rng)
            created = dt.datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=tz)
            if created > end:
                created = end - dt.timedelta(minutes=rng.randint(1, 600))
            case, events, callbacks, contact = _simulate(rng, world, due, next_case, created, end,
                                                         lambda: next(callback_ids))
            next_case += 1
            case["number"] = numbers.format_number(day, first_number + index)
            buffers["cases"].append(case)
            buffers["events"] += events
            buffers["callbacks"] += callbacks
            if contact and contacts:
                contact["phone_index"] = phone_index(contact["phone"])
                buffers["contacts"].append(contact)
            written.cases += 1
            written.events += len(events)
            written.callbacks += len(callbacks)
            written.contacts += 1 if contact and contacts else 0
            written.states[case["state"]] += 1
            if len(buffers["cases"]) >= BATCH:
                flush()
    flush()
    _reset_sequences(Case, Callback)
    return written


# --- the seed_demo step -------------------------------------------------------------------

def _demo_rules(units: dict, district, admin) -> int:
    """Routing rules of the demo district (who handles which category), created once."""
    created = 0
    for key, codes in DEMO_RULES.items():
        unit = units.get(key)
        if unit is None:
            continue
        for code in codes:
            category = Category.objects.filter(code=code).first()
            if category and not RoutingRule.objects.filter(is_active=True, category=category, region=district).exists():
                create_routing_rule(actor=admin, unit=unit, category=category, region=district,
                                    note="演示数据 / demo")
                created += 1
    return created


def seed_case_history(*, rng: random.Random, size: str, regions, units: dict, users, today: dt.date | None = None,
                      count: int | None = None) -> Written | None:
    """A year of cases ending ``today`` (default: today); None when demo cases exist already.

    ``count`` overrides the number of cases of ``size``.
    """
    if AuditEvent.objects.filter(action=MARKER).exists():
        return None
    actors = {}
    for user in users:
        actors.setdefault(user.role, user)
    admin = actors.get(Role.ADMIN) or User.objects.filter(is_superuser=True).order_by("pk").first()
    today = today or timezone.localdate()
    end = timezone.make_aware(dt.datetime.combine(today, dt.time(8, 0)))
    with transaction.atomic():
        rules = _demo_rules(units, regions.district, admin)
        world = build_world(rng=rng, grids=regions.grids, actors=actors)
        written = write_history(rng=rng, world=world, first=today - dt.timedelta(days=365), end=end,
                                count=count or CASES[size])
        record(actor=None, action=MARKER, object_type="cases.case", object_repr=f"size={size}",
               changes={"cases": written.cases, "events": written.events, "callbacks": written.callbacks,
                        "contacts": written.contacts, "routing_rules": rules, "until": end.isoformat(),
                        "states": dict(written.states)})
    return written


def seed_cases_step(*, rng, size, regions, units, users, stdout) -> Written | None:
    """The cases' step of ``manage.py seed_demo``."""
    written = seed_case_history(rng=rng, size=size, regions=regions, units=units, users=users)
    if written is None:
        stdout.write("Cases: demo case history already present, nothing added.")
    else:
        states = ", ".join(f"{state} {n}" for state, n in sorted(written.states.items()))
        stdout.write(f"Cases: {written.cases} cases over a year, {written.events} events, "
                     f"{written.callbacks} callbacks ({states}).")
    return written


