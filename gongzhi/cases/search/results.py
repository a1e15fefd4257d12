"""Counting and paging search results honestly.

A count is exact up to ``cap`` matches (counted by the engine over the match
joined to the area and filters). Beyond it, counting every match would cost a
look at each, so the count is an estimate and says so: the text matches of the
whole deployment (cheap, from the index alone) times the share of an even
sample of them that the actor's area and filters keep, shown as "about N".
Without text to estimate from, it is "more than ``cap``".

A page past the last is never replaced by another page: :class:`Page` says
``past_end`` and holds nothing, and the faces say so.

A page of a text search is first taken from the best :data:`BEST` matches
of the whole deployment by rank, read from the index alone (:func:`engine.best`):
the actor's area and filters are then checked on those cases only, by key,
instead of joining every match to its case row, ranking the join and counting
it again (a query of two common words matches thousands of cases). Every match
ranked strictly better than the first one left out is among them, so the order
is exact; when they are all the matches, their count is exact too. When too few
of them lie in the actor's area (a grid worker's page of a common word), the
page is computed over the whole join. This serves PostgreSQL, whose ``ts_rank``
in the join read every match's ``tsvector`` again for the count and the page
(:data:`BEST_FIRST`); SQLite's FTS5 ranks inside the join at less cost.

A count of a text search asks the engine for the match alone, without its rank
(:func:`engine.only_matching`), and takes the estimate first when the text
matches of the whole deployment are more than ``cap``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from . import engine

CAP = 1000
SAMPLE = 1000
BEST = 1000  # matches taken by rank from the index alone for a page (see the module docstring)
# The engines whose pages are taken from the best matches first. On SQLite the join is cheaper: FTS5
# ranks inside the join and the case rows are read in process (measured in bench/case_search.py).
BEST_FIRST = frozenset({"postgresql"})
EXACT, ABOUT, MORE_THAN = "eq", "about", "gte"


@dataclass(frozen=True)
class Count:
    value: int
    relation: str = EXACT  # eq: exactly; about: an estimate; gte: at least

    @property
    def exact(self) -> bool:
        return self.relation == EXACT


def _round(n: float) -> int:
    """Two significant figures: an estimate does not pretend to more."""
    n = int(round(n))
    if n < 100:
        return n
    scale = 10 ** (len(str(n)) - 2)
    return int(round(n / scale) * scale)


def count(queryset: QuerySet, node=None, *, cap: int | None = None, base: QuerySet | None = None,
          known: tuple[int, int | None] | None = None) -> Count:
    """How many rows ``queryset`` holds: exact up to ``cap``, else "about N" or "more than ``cap``".

    For a text search, ``base`` (the area and filters without the text) lets the count ask the
    engine for the match alone, without ranking what it counts; ``known`` is (the text matches of the
    whole deployment, an estimate of the visible ones or None) when the caller has them already."""
    cap = CAP if cap is None else cap
    if node is not None:
        counted = engine.only_matching(base, node) if base is not None else queryset
        total, estimate = known or (engine.text_matches(node), None)  # from the index alone
        if total <= cap:  # the visible matches are some of these: counted exactly, at most ``cap`` of them
            return Count(counted.order_by().count())
        if estimate is None:
            estimate = _estimate(base if base is not None else queryset, node, total)  # the sample matches
        if estimate > cap:  # an estimate, and said to be one
            return Count(estimate, ABOUT)
        n = counted.order_by()[:cap + 1].count()
        return Count(n) if n <= cap else Count(cap, MORE_THAN)
    n = queryset.order_by()[:cap + 1].count()
    return Count(n) if n <= cap else Count(cap, MORE_THAN)


def _estimate(queryset: QuerySet, node, total: int) -> int:
    """The text matches of the whole deployment times the share of an even sample of them that ``queryset``
    (the actor's area and filters) keeps."""
    sample = engine.sample_ids(node, total, SAMPLE)
    if not sample:
        return 0
    kept = queryset.order_by().filter(pk__in=sample).count()
    return _round(total * kept / len(sample))


@dataclass
class Page:
    number: int
    size: int
    count: Count
    items: list = field(default_factory=list)
    has_next: bool = False
    past_end: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def last_number(self) -> int | None:
        """The number of the last page when the count is exact."""
        return max(1, -(-self.count.value // self.size)) if self.count.exact else None

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def page(queryset: QuerySet, number: int, size: int, *, node=None, cap: int | None = None,
         base: QuerySet | None = None) -> Page:
    """Page ``number`` (from 1) of ``queryset``; ``past_end`` and no rows when it lies beyond the last.

    For a text search, ``queryset`` is ``base`` (the actor's area and filters) joined to the match of
    ``node``; given ``base``, the page is first taken from the best matches (see the module docstring).
    """
    if node is not None and base is not None and connection.vendor in BEST_FIRST:
        found = _page_of_best(queryset, base, node, number, size, cap)
        if found is not None:
            return found
    counted = count(queryset, node, cap=cap, base=base)
    result = Page(number=number, size=size, count=counted)
    if counted.exact and number > (result.last_number or 1):
        result.past_end = True
        return result
    start = (number - 1) * size
    rows = list(queryset[start:start + size + 1])
    if not rows and number > 1:
        result.past_end = True
        return result
    result.items, result.has_next = rows[:size], len(rows) > size
    return result


def _page_of_best(queryset: QuerySet, base: QuerySet, node, number: int, size: int, cap) -> Page | None:
    """The page from the best matches by rank (at most :data:`BEST`, and at most ``cap``), or None when they
    do not hold it. When they are all the matches there are, the count is theirs, exact."""
    limit = min(BEST, CAP if cap is None else cap)
    start = (number - 1) * size
    if start + size + 1 > limit:
        return None
    best, total = engine.best(node, limit + 1)
    complete = len(best) <= limit  # every match of the deployment is here
    if not complete:  # those ranked as the first one left out, or worse, may have equals left out
        best = [(pk, rank) for pk, rank in best[:limit] if rank < best[limit][1]]
    rank_of = dict(best)
    ids = list(rank_of)
    kept = []
    for first in range(0, len(ids), 500):
        kept.extend(base.order_by().filter(pk__in=ids[first:first + 500]).values_list("pk", "created_at"))
    if not complete and len(kept) < start + size + 1:
        return None
    kept.sort(key=lambda row: (row[1], row[0]), reverse=True)  # newest first on a tie of rank,
    kept.sort(key=lambda row: rank_of[row[0]])  # best first (stable sorts)
    if complete:
        counted = Count(len(kept))
    else:  # the best matches are the sample of the estimate: the share of them the area and filters keep
        counted = count(queryset, node, cap=cap, base=base,
                         known=(total, _round(total * len(kept) / len(ids)) if ids else None))
    result = Page(number=number, size=size, count=counted)
    if counted.exact and number > (result.last_number or 1):
        result.past_end = True
        return result
    shown = [pk for pk, _at in kept[start:start + size]]
    cases = {case.pk: case for case in base.filter(pk__in=shown)}
    for pk in shown:
        cases[pk].search_rank = rank_of[pk]
    result.items = [cases[pk] for pk in shown]
    result.has_next = len(kept) > start + size
    return result
