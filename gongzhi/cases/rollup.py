"""The rollup: counts of closed months and days that the rates and the intake trend need.

Why: a dashboard shows the rates of the month so far and a twelve-month
trend, and the ranking API serves any past month; counting a year of cases
and a month of events again on every first load is what made it slow. A
closed span (a month or a day that has ended) changes only if something is
written *dated* in it, which normal work never does, so its counts are kept
in two small tables under one :class:`~gongzhi.cases.models.rollup.Rollup`
header per span: :class:`~gongzhi.cases.models.rollup.RollupRates` (per unit
of the event and place of the case) and
:class:`~gongzhi.cases.models.rollup.RollupIntake` (per place). A period is
counted as its whole closed months, then its whole closed days, from the
rollup, plus the rest (today so far, a period starting or ending inside a
day) counted live from the events through their indexes (:func:`split`).

What is counted is the same function for both (:func:`live_rate_rows`):
rows of (unit of the event, region code of the case) with the seven counts
of :mod:`gongzhi.cases.metrics`, so a rolled-up span and the same span
counted live are equal by construction (and tested to be).

Reads never write. A read takes the rollups that are present and fresh
(:func:`usable`) and counts every other span it needs live from the events,
so a figure is right the moment an event is written, whatever the worker
has done yet. Keeping the rollup is the worker's job alone:

- the periodic job ``rollup`` (every 5 minutes) and ``manage.py rollup``
  compute the closed spans that are missing, recompute the stale ones, move
  the headers forward and drop old days (:func:`refresh`); it is idempotent,
  and ``--rebuild`` recomputes every span from scratch with the same result;
- a span is stale when something written after it was computed counts in
  it. The header records the highest case event id and case id that existed
  when it was computed. A newer event that *counts in* the span (a dispatch
  or an acknowledgement in time whose response deadline lies in it, a
  callback recorded in it), a newer case received in it, or a newer event of
  an action not in :data:`KEEPS_INTAKE` on a case received in it (an action
  that could change where or in what category the case was received) makes
  it stale (:func:`stale`). A late event dated in a past month (a hotline
  import, a correction) is therefore never lost: reads count that month
  live until the worker has recomputed it.

A span is computed with case writes held off (one transaction; on PostgreSQL
a SHARE lock on cases and events, on SQLite the write lock ``BEGIN
IMMEDIATE`` takes), so the ids recorded are exactly what was counted.

Both tables carry the case's category (its leaf), so figures by category
come from the rollup as well as figures by unit and by place.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from gongzhi.core.scoping import scope_of, scope_q

from .models import Action, Case, CaseEvent, Satisfaction
from .models.rollup import Rollup, RollupIntake, RollupRates, Span

COUNTS = ("dispatched", "responded", "called_back", "solved", "satisfied", "basically_satisfied", "unsatisfied")
DISPATCHES = (Action.DISPATCH, Action.DECIDE)
ACKNOWLEDGE = Action.ACKNOWLEDGE
# Actions that never change when, where or in which category a case was received.
# Any other action (intake, on-site verification, any action added later) on a
# case received in a rolled-up span makes that span's intake counts stale.
KEEPS_INTAKE = frozenset({
    Action.ANSWER, Action.DISPATCH, Action.ACKNOWLEDGE, Action.RETURN, Action.REFER, Action.DECIDE, Action.WHISTLE,
    Action.REPORT_IN, Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION, Action.REPLY,
    Action.CALLBACK, Action.REOPEN, Action.MERGE, Action.FOLLOW_CLOSE, Action.FOLLOW_CANCEL, Action.CANCEL,
    Action.INVALIDATE, Action.ATTACH, Action.REQUEST_VERIFICATION,
    # Supervision (督办) and the callback's attempts add to the case; they move nothing of its intake.
    Action.URGE, Action.YELLOW_CARD, Action.RED_CARD, Action.INSTRUCT, Action.ACKNOWLEDGE_INSTRUCTION,
    Action.CALLBACK_ATTEMPT, Action.CALLBACK_UNREACHABLE,
    # Waiting for mediation and its outcome as the reply: place and category stay as received.
    Action.REFER_MEDIATION, Action.MEDIATION_ENDED,
})


# --- months and days ----------------------------------------------------------------------

def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def day_of(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def month_of(moment: datetime) -> date:
    """The first day of the local month of ``moment``."""
    return day_of(moment).replace(day=1)


def next_month(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1]) + timedelta(days=1)


def month_range(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a local month."""
    return midnight(month), midnight(next_month(month))


def span_range(span: str, first_day: date) -> tuple[datetime, datetime]:
    if span == Span.MONTH:
        return month_range(first_day)
    return midnight(first_day), midnight(first_day + timedelta(days=1))


def split(start: datetime, end: datetime) -> tuple[list[tuple[str, date]], list[tuple[datetime, datetime]]]:
    """[start, end) as whole months, then whole days (as rollup keys), and the pieces left over.

    Only spans that have ended (by the clock, whatever ``end`` says) are
    rolled up; the rest is left to be counted live.
    """
    keys, pieces = [], []
    closed = min(end, timezone.now())
    day = day_of(start)
    cursor = start
    if midnight(day) < start:
        day += timedelta(days=1)
        cursor = min(midnight(day), end)
        pieces.append((start, cursor))
    while cursor < end:
        if day.day == 1 and midnight(next_month(day)) <= closed:
            keys.append((Span.MONTH, day))
            day = next_month(day)
        elif midnight(day + timedelta(days=1)) <= closed:
            keys.append((Span.DAY, day))
            day += timedelta(days=1)
        else:
            pieces.append((cursor, end))
            break
        cursor = midnight(day)
    return keys, pieces


# --- what is counted ---------------------------------------------------------------------

def live_rate_rows(start: datetime, end: datetime) -> dict[tuple, dict]:
    """The counts of the three rates for [start, end), per (unit id, case region code, case category id).

    Dispatches (and binding decisions) and acknowledgements in time count by
    their response deadline (a reopening and the acknowledgement answering it
    carry none: :func:`gongzhi.cases.models.case.figures_of`), callbacks by
    when they were recorded; each query
    is answered from its partial covering index (see ``CaseEvent.Meta``).
    """
    events = CaseEvent.objects.values("unit_id", region_code=F("case__region_code"),
                                      category_id=F("case__category_id"))

    def verdict(satisfaction):
        return Count("solved", filter=Q(satisfaction=satisfaction))

    responses = (events.filter(response_due__gte=start, response_due__lt=end)
                 .annotate(dispatched=Count("action", filter=Q(action__in=DISPATCHES)),
                           responded=Count("action", filter=Q(action=ACKNOWLEDGE, on_time=True)))
                 .order_by())
    # (An annotation cannot be called "solved": that is the column's name.)
    callbacks = (events.filter(solved__isnull=False, at__gte=start, at__lt=end)
                 .annotate(called_back=Count("solved"), solved_count=Count("solved", filter=Q(solved=True)),
                           satisfied=verdict(Satisfaction.SATISFIED),
                           basically_satisfied=verdict(Satisfaction.BASICALLY_SATISFIED),
                           unsatisfied=verdict(Satisfaction.UNSATISFIED))
                 .order_by())
    rows: dict[tuple, dict] = {}
    for source in (responses, callbacks):
        for row in source:
            if "solved_count" in row:
                row["solved"] = row.pop("solved_count")
            _add(rows, row)
    return rows


def _add(rows: dict, row: dict) -> None:
    key = (row["unit_id"], row["region_code"], row["category_id"])
    entry = rows.get(key)
    if entry is None:
        entry = rows[key] = {"unit_id": key[0], "region_code": key[1], "category_id": key[2],
                             **dict.fromkeys(COUNTS, 0)}
    for name in COUNTS:
        entry[name] += row.get(name) or 0


def rate_rows(start: datetime, end: datetime) -> list[dict]:
    """The rate counts of [start, end) per (unit id, case region code, category id).

    Fresh rolled-up spans are read from the rollup; the rest (spans the
    worker has not computed yet or must recompute, today, partial days) are
    counted live. Nothing is written.
    """
    keys, pieces = split(start, end)
    rows: dict[tuple, dict] = {}
    live = list(pieces)
    if keys:
        for _attempt in range(3):
            ids, missing = usable(keys)
            rows = {}
            rolled = (RollupRates.objects.filter(rollup_id__in=ids).values("unit_id", "region_code", "category_id")
                      .annotate(**{name: Sum(name) for name in COUNTS}).order_by())
            for row in rolled:
                _add(rows, row)
            if Rollup.objects.filter(pk__in=ids).count() == len(set(ids)):
                break  # (else the worker recomputed or dropped a span meanwhile: read again)
        live += [span_range(*key) for key in missing]
    for piece_start, piece_end in live:
        for row in live_rate_rows(piece_start, piece_end).values():
            _add(rows, row)
    return list(rows.values())


def received_by_month(actor, months: list[date], *, within: str = "",
                      categories: list[int] | None = None) -> dict[date, int]:
    """Cases ``actor`` sees received in each of the closed ``months`` (under region prefix ``within``).

    Exactly the count of :func:`gongzhi.cases.selectors.list_cases` over each
    month (and, with ``categories``, of those category ids only): the cases
    of the actor's area come from the rollup (by region code) where it is
    fresh and are counted live where it is not; the cases the actor sees for
    other reasons (their unit leads, assists on or was summoned to them,
    they reported them) outside the area are counted live, through the
    indexes of those paths. Nothing is written.
    """
    if not months:
        return {}
    scope = scope_of(actor).for_spec(Case.scoping)  # without cases.view: the actor's own cases only
    area = Q() if scope.unrestricted else _area(scope.region_prefixes, "region_code")
    chosen = Q() if categories is None else Q(category_id__in=list(categories))
    keys = [(Span.MONTH, month) for month in months]
    for _attempt in range(3):
        ids, missing = usable(keys)
        counts = dict.fromkeys(months, 0)
        rows = RollupIntake.objects.filter(area, chosen, rollup_id__in=ids, region_code__startswith=within)
        for first_day, n in rows.values_list("rollup__first_day").annotate(n=Sum("received")).order_by():
            counts[first_day] += n
        if Rollup.objects.filter(pk__in=ids).count() == len(set(ids)):
            break
    cases = Case.objects.filter(chosen, region_code__startswith=within).order_by()
    if missing:
        found = cases.filter(area).aggregate(**{
            f"m{i}": Count("id", filter=Q(created_at__gte=month_range(day)[0], created_at__lt=month_range(day)[1]))
            for i, (_span, day) in enumerate(missing)})
        for i, (_span, day) in enumerate(missing):
            counts[day] += found[f"m{i}"]
    if scope.unrestricted:
        return counts
    beyond = scope_q(Case, replace(scope, region_prefixes=()))
    first, last = month_range(min(months))[0], month_range(max(months))[1]
    elsewhere = (cases.filter(beyond, created_at__gte=first, created_at__lt=last)
                 .exclude(_area(scope.region_prefixes, "region_code")))
    found = elsewhere.aggregate(**{
        f"m{i}": Count("id", filter=Q(created_at__gte=month_range(m)[0], created_at__lt=month_range(m)[1]))
        for i, m in enumerate(months)})
    for i, month in enumerate(months):
        counts[month] += found[f"m{i}"]
    return counts


def _area(prefixes, path: str) -> Q:
    """Rows whose region code at ``path`` lies under one of ``prefixes`` (none: no row)."""
    area = Q(pk__in=[])
    for prefix in prefixes:
        area |= Q(**{f"{path}__startswith": prefix})
    return area


# --- keeping the rollup -------------------------------------------------------------------

def _hold_case_writes() -> None:
    """Inside a transaction: no case or case event is written until it ends.

    SQLite transactions here begin IMMEDIATE and so already hold the one
    write lock; PostgreSQL needs a SHARE lock (cases first, then events: the
    order in which writers take them).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{Case._meta.db_table}", "{CaseEvent._meta.db_table}" IN SHARE MODE')


def _latest_ids() -> tuple[int, int]:
    event = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    case = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return event, case


def compute(span: str, first_day: date) -> Rollup:
    """(Re)compute one closed month or day from the events and cases, replacing what was there."""
    start, end = span_range(span, first_day)
    if end > timezone.now():
        raise ValueError(f"{span} {first_day} has not ended; only closed spans are rolled up")
    try:
        with transaction.atomic():
            _hold_case_writes()
            event_id, case_id = _latest_ids()
            rates = live_rate_rows(start, end)
            intake = (Case.objects.filter(created_at__gte=start, created_at__lt=end)
                      .values_list("region_code", "category_id").annotate(n=Count("id")).order_by())
            Rollup.objects.filter(span=span, first_day=first_day).delete()
            header = Rollup.objects.create(span=span, first_day=first_day, event_id=event_id, case_id=case_id)
            RollupRates.objects.bulk_create([RollupRates(rollup=header, **row) for row in rates.values()],
                                            batch_size=500)
            RollupIntake.objects.bulk_create([RollupIntake(rollup=header, region_code=code, category_id=category,
                                                           received=n)
                                              for code, category, n in intake], batch_size=500)
    except IntegrityError:  # computed at the same time by another process: theirs is as good
        header = Rollup.objects.get(span=span, first_day=first_day)
    return header


def _moments(action, at, due, on_time, solved, received) -> list[datetime]:
    """When the counts an event changes fall: its deadline, its time, its case's reception."""
    moments = []
    if due is not None and (action in DISPATCHES or (action == ACKNOWLEDGE and on_time)):
        moments.append(due)
    if solved is not None:
        moments.append(at)
    if action not in KEEPS_INTAKE and received is not None:
        moments.append(received)
    return moments


def stale(headers: list[Rollup]) -> tuple[set[tuple[str, date]], int]:
    """The spans of ``headers`` that events or cases written since they were computed change.

    Returns (their keys, how many new events there are to look through).
    Normal work writes only moments of today or later, which touch no closed
    span; so the database hands back only the new rows with a moment before
    the end of the latest span (:func:`_moments` decides then), and the rows
    of today's work, however many, never reach Python.
    """
    if not headers:
        return set(), 0
    headers = [h for h in headers if not h.frozen]  # a detached month's events are not here to count
    if not headers:
        return set(), 0
    by_key = {(h.span, h.first_day): h for h in headers}
    found: set[tuple[str, date]] = set()

    def touch(moment, row_id, attribute):
        day = day_of(moment)
        for key in ((Span.DAY, day), (Span.MONTH, day.replace(day=1))):
            header = by_key.get(key)
            if header is not None and row_id > getattr(header, attribute):
                found.add(key)

    end = max(span_range(h.span, h.first_day)[1] for h in headers)
    since_event = min(h.event_id for h in headers)
    new_events = CaseEvent.objects.filter(id__gt=since_event).order_by()
    past = (Q(response_due__lt=end, action__in=DISPATCHES) | Q(response_due__lt=end, action=ACKNOWLEDGE, on_time=True)
            | Q(solved__isnull=False, at__lt=end) | (~Q(action__in=KEEPS_INTAKE) & Q(case__created_at__lt=end)))
    rows = new_events.filter(past).values_list("id", "action", "at", "response_due", "on_time", "solved",
                                               "case__created_at")
    for event_id, *facts in rows.iterator(chunk_size=2000):
        for moment in _moments(*facts):
            touch(moment, event_id, "event_id")
    new_cases = (Case.objects.filter(id__gt=min(h.case_id for h in headers), created_at__lt=end).order_by()
                 .values_list("id", "created_at"))
    for case_id, received in new_cases.iterator(chunk_size=2000):
        touch(received, case_id, "case_id")
    return found, new_events.count()


def _keys_q(keys) -> Q:
    spans: dict[str, list[date]] = {}
    for span, first_day in keys:
        spans.setdefault(span, []).append(first_day)
    q = Q(pk__in=[])
    for span, days in spans.items():
        q |= Q(span=span, first_day__in=days)
    return q


def usable(keys: list[tuple[str, date]]) -> tuple[list[int], list[tuple[str, date]]]:
    """The ids of the present and fresh rollups among ``keys``, and the keys left to count live.

    A read's only question to the rollup: it never computes, so reading a
    dashboard writes nothing, and a span the worker has not (re)computed yet
    is still counted exactly.
    """
    headers = {(h.span, h.first_day): h for h in Rollup.objects.filter(_keys_q(keys))}
    outdated, _seen = stale(list(headers.values()))
    fresh = [headers[key].pk for key in keys if key in headers and key not in outdated]
    live = [key for key in keys if key not in headers or key in outdated]
    return fresh, live


def advance() -> int:
    """Move every fresh header's ids to the latest, with case writes held off; returns how many moved."""
    with transaction.atomic():
        _hold_case_writes()
        headers = list(Rollup.objects.all())
        outdated, _seen = stale(headers)
        event_id, case_id = _latest_ids()
        fresh = [h.pk for h in headers if (h.span, h.first_day) not in outdated]
        moved = Rollup.objects.filter(pk__in=fresh).update(event_id=event_id, case_id=case_id)
    for key in sorted(outdated):
        compute(*key)
    return moved


def closed_spans(now: datetime | None = None) -> list[tuple[str, date]]:
    """Every closed month from the first case received to the last month, and the closed days of this month."""
    now = now or timezone.now()
    first = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return []
    keys, month, current = [], month_of(first), month_of(now)
    while month < current:
        keys.append((Span.MONTH, month))
        month = next_month(month)
    day = max(current, day_of(first))
    while day < day_of(now):
        keys.append((Span.DAY, day))
        day += timedelta(days=1)
    return keys


def refresh(*, rebuild: bool = False, now: datetime | None = None) -> dict:
    """The periodic job and the command: every closed span present and fresh, headers moved forward.

    Idempotent. With ``rebuild`` every span is recomputed, but for the months
    whose events are detached (:func:`freeze`): their counts stay as they were.
    """
    now = now or timezone.now()
    keys = closed_spans(now)
    present = set(Rollup.objects.values_list("span", "first_day"))
    final = set(Rollup.objects.filter(frozen=True).values_list("span", "first_day"))
    todo = [key for key in keys if key not in final and (rebuild or key not in present)]
    for key in todo:
        compute(*key)
    previous = (month_of(now) - timedelta(days=1)).replace(day=1)
    dropped, _ = Rollup.objects.filter(span=Span.DAY, first_day__lt=previous).delete()
    moved = advance()
    return {"spans": len(keys), "computed": len(todo), "moved": moved, "dropped": dropped}


def freeze(month: date) -> Rollup:
    """Make a month's rollup final before its case events are detached (fresh first, then never recomputed).

    Receiver of :data:`gongzhi.core.partitions.before_detach`, so the figures
    of a month in cold storage are still answered, from its rollup.
    """
    key = (Span.MONTH, month)
    header = Rollup.objects.filter(span=Span.MONTH, first_day=month).first()
    if header is None or header.frozen is False and key in stale([header])[0]:
        header = compute(*key)
    Rollup.objects.filter(pk=header.pk).update(frozen=True)
    header.frozen = True
    return header


def thaw(month: date) -> None:
    """The month's events are back (:data:`gongzhi.core.partitions.after_attach`): its rollup is kept again."""
    Rollup.objects.filter(span=Span.MONTH, first_day=month).update(frozen=False)


def on_detach(sender, *, table: str, month: date, **kwargs) -> None:
    if table == CaseEvent._meta.db_table:
        freeze(month)


def on_attach(sender, *, table: str, month: date, **kwargs) -> None:
    if table == CaseEvent._meta.db_table:
        thaw(month)


def run_periodic() -> None:
    """Entry point of the periodic job (registered in :class:`gongzhi.cases.apps.CasesConfig`)."""
    refresh()
