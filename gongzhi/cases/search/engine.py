"""Asking the database engine: the text match and its rank, joined to a case queryset.

The match is added to the caller's queryset (already narrowed to the actor's
area and filters) as a join with the engine's index, so the engine finds the
matching cases from its index and the area and filters are checked on those
only. Each case gets ``search_rank`` (lower is better) and the order is rank,
then newest first.

- SQLite: the FTS5 table ``cases_search_fts`` (rowid = case id), ranked by
  bm25 with the columns weighted title 4, address 2, description 1, words
  inside words 0.5 (set once in the table's ``rank`` configuration);
- PostgreSQL: ``cases_searchentry.document``, a ``tsvector`` with the same
  columns as weights A, B, C, D, matched with ``to_tsquery('simple', …)`` under
  its GIN index and ranked by ``ts_rank``.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from . import query

RANK = "search_rank"
ORDER = (RANK, "-created_at", "-id")


def matching(queryset: QuerySet, node) -> QuerySet:
    """``queryset`` (of cases) narrowed to the cases matching ``node``, with ``search_rank``, best first."""
    table = queryset.model._meta.db_table
    if connection.vendor == "postgresql":
        expression = query.tsquery(node)
        return queryset.extra(
            tables=["cases_searchentry"],
            where=[f'cases_searchentry.case_id = "{table}"."id"',
                   "cases_searchentry.document @@ to_tsquery('simple', %s)"],
            params=[expression],
            select={RANK: "-ts_rank(cases_searchentry.document, to_tsquery('simple', %s))"},
            select_params=[expression],
        ).order_by(*ORDER)
    return queryset.extra(
        tables=["cases_search_fts"],
        where=[f'cases_search_fts.rowid = "{table}"."id"', "cases_search_fts MATCH %s"],
        params=[query.fts5(node)],
        select={RANK: "cases_search_fts.rank"},
    ).order_by(*ORDER)


def only_matching(queryset: QuerySet, node) -> QuerySet:
    """``queryset`` narrowed to the cases matching ``node``, without rank or order: for counting."""
    table = queryset.model._meta.db_table
    if connection.vendor == "postgresql":
        sub = "SELECT case_id FROM cases_searchentry WHERE document @@ to_tsquery('simple', %s)"
        params = [query.tsquery(node)]
    else:
        sub = "SELECT rowid FROM cases_search_fts WHERE cases_search_fts MATCH %s"
        params = [query.fts5(node)]
    return queryset.extra(where=[f'"{table}"."id" IN ({sub})'], params=params)


def best(node, limit: int) -> tuple[list[tuple[int, float]], int]:
    """The ``limit`` best matches of ``node`` in the whole deployment, ``(case id, search_rank)``, best first,
    and how many matches there are in all; from the index alone: no case row is read (SQLite: FTS5's own
    ``ORDER BY rank``; PostgreSQL: the entries' ``tsvector``). The ranks are those :func:`matching` gives."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT case_id, -ts_rank(document, q) AS r, count(*) OVER () FROM cases_searchentry, "
                           "to_tsquery('simple', %s) AS q WHERE document @@ q ORDER BY r LIMIT %s",
                           [query.tsquery(node), limit])
            rows = cursor.fetchall()
            return [(row[0], row[1]) for row in rows], (rows[0][2] if rows else 0)
        cursor.execute("SELECT rowid, rank FROM cases_search_fts WHERE cases_search_fts MATCH %s "
                       "ORDER BY rank LIMIT %s", [query.fts5(node), limit])
        rows = [(row[0], row[1]) for row in cursor.fetchall()]
    return rows, (len(rows) if len(rows) < limit else text_matches(node))


def text_matches(node) -> int:
    """How many cases match ``node`` in the whole deployment (no area, no filter): for an estimate."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM cases_searchentry WHERE document @@ to_tsquery('simple', %s)",
                           [query.tsquery(node)])
        else:
            cursor.execute("SELECT count(*) FROM cases_search_fts WHERE cases_search_fts MATCH %s",
                           [query.fts5(node)])
        return cursor.fetchone()[0]


def sample_ids(node, total: int, size: int) -> list[int]:
    """About ``size`` ids of matching cases spread evenly over all of them (by id)."""
    step = max(1, total // size)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT case_id FROM cases_searchentry WHERE document @@ to_tsquery('simple', %s) "
                           "AND case_id %% %s = 0 LIMIT %s", [query.tsquery(node), step, size])
        else:
            cursor.execute("SELECT rowid FROM cases_search_fts WHERE cases_search_fts MATCH %s AND rowid %% %s = 0 "
                           "LIMIT %s", [query.fts5(node), step, size])
        return [row[0] for row in cursor.fetchall()]
