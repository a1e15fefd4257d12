"""Counting and paging search results honestly.

A count is exact up to ``cap`` matches (counted by the engine over the match
joined to the area and filters). Beyond it, counting every match would cost a
look at each, so the count is an estimate and says so: the text matches of the
whole deployment (cheap, from the index alone) times the share of an even
sample of them that the actor's area and filters keep, shown as "about N".
Without text to estimate from, it is "more than ``cap``".

A page past the last is never replaced by another page: :class:`Page` says
``past_end`` and holds nothing, and the faces say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from . import engine

CAP = 1000
SAMPLE = 1000
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


def count(queryset: QuerySet, node=None, *, cap: int | None = None) -> Count:
    cap = CAP if cap is None else cap
    n = queryset.order_by()[:cap + 1].count()
    if n <= cap:
        return Count(n)
    if node is None:
        return Count(cap, MORE_THAN)
    total = engine.text_matches(node)
    sample = engine.sample_ids(node, total, SAMPLE)
    kept = queryset.order_by().filter(pk__in=sample).count() if sample else 0
    estimate = _round(total * kept / len(sample)) if sample else 0
    return Count(estimate, ABOUT) if estimate > cap else Count(cap, MORE_THAN)


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


def page(queryset: QuerySet, number: int, size: int, *, node=None, cap: int | None = None) -> Page:
    """Page ``number`` (from 1) of ``queryset``; ``past_end`` and no rows when it lies beyond the last."""
    counted = count(queryset, node, cap=cap)
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
