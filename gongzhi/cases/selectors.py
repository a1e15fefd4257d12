"""Reads of cases, always narrowed to what the actor may see.

Visibility is the area mechanism (:func:`gongzhi.core.scoping.scope_queryset`
with ``Case.scoping``: the region subtree, the lead unit, the reporter) plus
one rule of participation: a unit also sees the cases it has been called into,
as an assisting unit (协办) or by a street whistle (吹哨报到), because it must
work on them. Nothing else widens what anyone sees.

Text search is a real full-text index (:mod:`gongzhi.cases.search`): jieba
cuts titles, descriptions and addresses into words at write time, SQLite FTS5
or PostgreSQL full-text search finds and ranks them, newest first on ties. A
number (``#<id>``, the hotline's work-order id) finds its case exactly and is
never looked for in the text (:func:`exact_matches`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Case as When_
from django.db.models import Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Region

from . import search
from .models import Case, CaseState, Category, ImportRun, SavedView, Verification
from .numbers import parse as parse_number


def visible_cases(actor) -> QuerySet:
    """Every case ``actor`` may see: their area, their unit's cases (lead, assisting,
    summoned), their own (see ``Case.scoping``)."""
    return scope_queryset(Case.objects.all(), actor)


def case_for(actor, case_id) -> Case | None:
    """One visible case, or None (unknown and invisible look the same)."""
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        return None
    if not 0 < case_id < 2**63:
        return None
    return visible_cases(actor).select_related("category", "lead_unit", "grid", "reporter").filter(
        pk=case_id).first()


def category_subtree_ids(code: str) -> list[int]:
    root = Category.objects.filter(code=code).first()
    if root is None:
        raise ValidationError({"category": _("There is no category with code “%(code)s”.") % {"code": code}})
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    ids, frontier = {root.pk}, {root.pk}
    while frontier:
        frontier = {pk for pk, parent in parents.items() if parent in frontier} - ids
        ids |= frontier
    return sorted(ids)


def overdue_q(now: datetime) -> Q:
    return (Q(state=CaseState.DISPATCHED, response_due__lt=now)
            | Q(state=CaseState.IN_PROGRESS, resolution_due__lt=now))


@dataclass
class CaseFilters:
    state: str | None = None
    category: str | None = None
    region: str | None = None
    unit: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    overdue: bool | None = None
    q: str | None = None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def list_cases(actor, filters: CaseFilters, *, now: datetime | None = None) -> QuerySet:
    """Visible cases matching ``filters``, newest first. Bad filter values raise ValidationError."""
    now = now or timezone.now()
    qs = visible_cases(actor).select_related("category", "lead_unit", "grid")
    f = filters
    if f.state:
        states = [s.strip() for s in f.state.split(",") if s.strip()]
        unknown = [s for s in states if s not in CaseState.values]
        if unknown:
            raise ValidationError({"state": _("Unknown state “%(state)s”; use one of: %(choices)s.")
                                   % {"state": unknown[0], "choices": ", ".join(CaseState.values)}})
        qs = qs.filter(state__in=states)
    if f.category:
        qs = qs.filter(category_id__in=category_subtree_ids(f.category.strip()))
    if f.region:
        region = Region.objects.filter(code=f.region.strip()).first()
        if region is None:
            raise ValidationError({"region": _("There is no region with code “%(code)s”.") % {"code": f.region}})
        qs = qs.filter(region_code__startswith=region.prefix)
    if f.unit:
        qs = qs.filter(lead_unit__code=f.unit.strip())
    if f.created_from and f.created_to and f.created_from > f.created_to:
        raise ValidationError({"created_from": _("The start of the date range is after its end.")})
    try:
        if f.created_from:
            qs = qs.filter(created_at__gte=_local_midnight(f.created_from))
        if f.created_to:
            qs = qs.filter(created_at__lt=_local_midnight(f.created_to + timedelta(days=1)))
    except OverflowError:
        raise ValidationError({"created_from": _("The date range is out of bounds.")}) from None
    if f.overdue is not None:
        qs = qs.filter(overdue_q(now)) if f.overdue else qs.exclude(overdue_q(now))
    if f.q and f.q.strip():
        text = f.q.strip()
        exact = exact_case_matches(text, actor)
        if exact:
            # The case(s) the number names, and nothing else: a number never matches free text.
            ids = [case.pk for case in exact]
            order = When_(*[When(pk=pk, then=Value(rank)) for rank, pk in enumerate(ids)],
                          output_field=IntegerField())
            return qs.filter(pk__in=ids).order_by(order)
        if is_number_query(text):
            return qs.none()
        node = search.parse(text)
        return search.matching(qs, node) if node is not None else qs.none()
    return qs.order_by("-created_at", "-id")


# What a number typed into a search looks like: digits, read out with spaces or dashes, maybe "#" first.
_NUMBER_QUERY = re.compile(r"^#?\s*\d[\d\s\-]*$")
_CASE_ID = re.compile(r"^#\s*(\d{1,18})$")


def is_number_query(query: str) -> bool:
    """Whether ``query`` is shaped like a number (``#42``, ``2026120500042``, ``2026 1205 00042``): such a
    query finds a case by its number or nothing, never by words."""
    return bool(_NUMBER_QUERY.match((query or "").strip()))


def exact_case_matches(query: str, actor) -> list[Case]:
    """The visible cases ``query`` names exactly, best first: by work-order number (受理编号), by the hotline's
    own number (``hotline_id``, 工单编号) as written, or by ``#<id>`` (bare digits of an id count too).

    THE recogniser of case numbers for every search (console, API, the full-text search): a search first asks
    this, and shows what it returns alone when it returns anything. Empty when nothing matches, or when what
    matches lies outside the actor's area (unknown and invisible look the same).
    """
    text = (query or "").strip()
    if not text or len(text) > 64:
        return []
    number = parse_number(text)
    hotline_ids = {text}
    if is_number_query(text):
        hotline_ids.add(re.sub(r"[\s\-#]", "", text))  # a hotline number read out in groups
    case_id = _CASE_ID.match(text)
    digits = case_id.group(1) if case_id else (text if text.isdigit() and len(text) <= 18 else None)
    match = Q(hotline_id__in=hotline_ids)
    if number is not None:
        match |= Q(number=number)
    if digits is not None and 0 < int(digits) < 2**63:
        match |= Q(pk=int(digits))
    found = list(visible_cases(actor).filter(match).select_related("category", "lead_unit", "grid")[:10])

    def rank(case):  # the work-order number first, then the hotline's number, then the id
        if number is not None and case.number == number:
            return 0
        return 1 if case.hotline_id in hotline_ids else 2

    return sorted(found, key=lambda case: (rank(case), -case.pk))


def case_page(actor, filters: CaseFilters, *, number: int = 1, size: int = 20, now: datetime | None = None,
              narrow=None) -> search.Page:
    """One page of :func:`list_cases`, with its count exact or honestly estimated (``Page.count``) and
    ``past_end`` set, without rows, when ``number`` lies beyond the last page. ``narrow(queryset)``
    adds a face's own filter (the console's due dates)."""
    node = None
    text = (filters.q or "").strip()
    if text and not is_number_query(text) and not exact_case_matches(text, actor):
        node = search.parse(text)
    if node is None:
        queryset = list_cases(actor, filters, now=now)
        if narrow is not None:
            queryset = narrow(queryset)
        return search.page(queryset, max(1, number), size)
    # The area and filters without the text, then the match: the page is taken from the best matches
    # first (gongzhi.cases.search.results).
    base = list_cases(actor, replace(filters, q=""), now=now)
    if narrow is not None:
        base = narrow(base)
    return search.page(search.matching(base, node), max(1, number), size, node=node, base=base)


def is_overdue(case: Case, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if case.state == CaseState.DISPATCHED:
        return case.response_due is not None and case.response_due < now
    if case.state == CaseState.IN_PROGRESS:
        return case.resolution_due is not None and case.resolution_due < now
    return False


def reporter_visible(case: Case, actor) -> bool:
    """Handlers do not learn who reported an anonymous case; the reporter and the audit trail do."""
    return not case.is_anonymous or (user_of(actor) is not None and actor.pk == case.reporter_id)


def timeline(case: Case):
    return case.events.select_related("unit", "actor__unit").order_by("at", "id")


def categories() -> QuerySet:
    """The public taxonomy (not region-bound; anyone may read it)."""
    return Category.objects.filter(is_active=True).select_related("parent").order_by("sort_order", "code")


POPULAR_DAYS = 90
POPULAR_CACHE_SECONDS = 600


def popular_categories(*, limit: int = 6, now: datetime | None = None) -> list[Category]:
    """The active leaf categories reported most in the last ``POPULAR_DAYS`` days, most first.

    Offered as one-tap choices when reporting. Counted over every place (only
    which categories, never how many or where, leaves this function) and kept
    in the cache for ``POPULAR_CACHE_SECONDS``, so a busy report page does not
    count the cases on every visit.
    """
    key = f"cases.popular_categories.{limit}"
    codes = cache.get(key)
    if codes is None:
        since = (now or timezone.now()) - timedelta(days=POPULAR_DAYS)
        rows = (Case.objects.filter(created_at__gte=since, category__is_active=True).order_by()
                .values("category__code").annotate(n=Count("id")).order_by("-n", "category__code")[:limit])
        codes = [row["category__code"] for row in rows]
        cache.set(key, codes, POPULAR_CACHE_SECONDS)
    found = {c.code: c for c in categories().filter(code__in=codes)}
    return [found[code] for code in codes if code in found]


def pending_verification(case: Case) -> Verification | None:
    """The on-site verification of ``case`` waiting for its finding, if any (at most one)."""
    return Verification.objects.filter(case=case, found_at=None).select_related("grid").first()


def verifications_to_do(actor, *, now: datetime | None = None) -> list[Verification]:
    """Pending verifications of the actor's grid on cases still in hand, overdue first, then by deadline."""
    now = now or timezone.now()
    region_id = getattr(actor, "region_id", None)
    if region_id is None:
        return []
    return list(scope_queryset(Verification.objects.all(), actor)
                .filter(grid_id=region_id, found_at=None, case__state__in=_VERIFIABLE)
                .select_related("case", "case__category", "requested_by").order_by("due_at", "id")[:100])


def verifications(case: Case):
    return case.verifications.select_related("found_by", "requested_by", "photo").order_by("requested_at", "id")


_VERIFIABLE = (CaseState.RECEIVED, CaseState.DISPATCHED, CaseState.IN_PROGRESS, CaseState.RETURNED,
               CaseState.ARBITRATION, CaseState.REPLIED, CaseState.MEDIATING)


def saved_views(actor) -> QuerySet:
    """The actor's own saved views and those shared with their unit, own first."""
    if user_of(actor) is None:
        return SavedView.objects.none()
    mine = Q(owner_id=actor.pk)
    if getattr(actor, "unit_id", None):
        mine |= Q(unit_id=actor.unit_id)
    return SavedView.objects.filter(mine).select_related("owner").order_by("name", "id")


def saved_view_for(actor, view_id) -> SavedView | None:
    try:
        view_id = int(view_id)
    except (TypeError, ValueError):
        return None
    return saved_views(actor).filter(pk=view_id).first() if 0 < view_id < 2**63 else None


# --- deadlines computed without a holiday schedule -------------------------------------------

def _unscheduled_events():
    from .deadlines import UNSCHEDULED_KEY
    from .models import CaseEvent

    return CaseEvent.objects.filter(**{f"payload__{UNSCHEDULED_KEY}": True})


def has_unscheduled_deadline(case: Case) -> bool:
    """Whether a deadline of ``case`` was counted across a year without a holiday schedule (Monday–Friday only):
    some event of the case says so in its payload (``"calendar_unscheduled": true``)."""
    return _unscheduled_events().filter(case=case).exists()


def cases_with_unscheduled_deadlines(actor) -> QuerySet:
    """The open cases ``actor`` sees with a deadline counted across a year without a holiday schedule,
    to be checked once the schedule is loaded (oldest first)."""
    from django.db.models import Exists, OuterRef

    from .models import TERMINAL_STATES

    flagged = _unscheduled_events().filter(case=OuterRef("pk"))
    return visible_cases(actor).exclude(state__in=TERMINAL_STATES).filter(Exists(flagged)).order_by("pk")


# --- supervision (督办) and leaders' instructions -------------------------------------

def supervisions_of(case: Case):
    """The urgings, cards and instructions of one case, newest first."""
    from .models import Supervision

    return Supervision.objects.filter(case=case).select_related("unit", "given_by")


def supervisions_for(actor, *, limit: int = 20, kinds=None) -> list:
    """Recent supervision in the actor's area or addressed to their unit; pending instructions first."""
    from django.db.models import Case as When_, IntegerField, Value, When

    from .models import Supervision, SupervisionKind

    queryset = scope_queryset(Supervision.objects.all(), actor)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    pending_first = When_(When(kind=SupervisionKind.INSTRUCTION, acknowledged_at=None, then=Value(0)),
                          default=Value(1), output_field=IntegerField())
    return list(queryset.select_related("case", "unit", "given_by")
                .order_by(pending_first, "-given_at", "-id")[:limit])


# --- imports started from the console ------------------------------------------------------

def import_runs(actor) -> QuerySet:
    """The actor's own imports, newest first: a run (and its report, which shows rows of the file) is
    its starter's alone, an administrator's scope notwithstanding."""
    user = user_of(actor)
    if user is None:
        return ImportRun.objects.none()
    return scope_queryset(ImportRun.objects.defer("data"), actor).filter(created_by=user).order_by(
        "-created_at", "-id")


def import_run_for(actor, run_id) -> ImportRun | None:
    try:
        run_id = int(run_id)
    except (TypeError, ValueError):
        return None
    return import_runs(actor).filter(pk=run_id).first() if 0 < run_id < 2**63 else None


# --- the desk: a caller's earlier cases, reply templates ---------------------------------

def cases_of_caller(actor, phone_index: str, *, limit: int = 20) -> list[Case]:
    """Visible cases whose caller (contact) or reporting user has the phone of ``phone_index`` (a blind
    index), newest first; a reporter anonymous to handlers is not matched (that would name them)."""
    if not phone_index:
        return []
    match = Q(contact__phone_index=phone_index) | Q(reporter__phone_index=phone_index, is_anonymous=False)
    return list(visible_cases(actor).filter(match).select_related("category", "lead_unit", "grid")
                .order_by("-created_at", "-id")[:limit])


def reply_templates(actor) -> QuerySet:
    """The reply templates the actor's unit keeps (all of them, retired too), by category and name."""
    from .models import ReplyTemplate

    unit_id = getattr(user_of(actor), "unit_id", None)
    if unit_id is None:
        return ReplyTemplate.objects.none()
    return ReplyTemplate.objects.filter(unit_id=unit_id).select_related("category", "category__parent")


def reply_template_for(actor, template_id):
    try:
        template_id = int(template_id)
    except (TypeError, ValueError):
        return None
    return reply_templates(actor).filter(pk=template_id).first() if 0 < template_id < 2**63 else None


def reply_templates_for_case(case: Case) -> list:
    """The templates offered when replying to ``case``: those in use of its lead unit for its category or the
    category's parent (a template for 城乡建设 serves all of its leaves)."""
    from .models import ReplyTemplate

    if case.lead_unit_id is None:
        return []
    categories = [case.category_id] + ([case.category.parent_id] if case.category.parent_id else [])
    return list(ReplyTemplate.objects.filter(unit_id=case.lead_unit_id, category_id__in=categories, is_active=True)
                .order_by("name", "id"))
