"""Keeping the index in step with the cases, and rebuilding it.

Every write of a case goes through :func:`gongzhi.cases.machine.transition`,
which calls :func:`index_case` inside its transaction when a case is created
or its title, description or address changes: the case and its entry commit
or roll back together. The engine's own index follows the entry table by
itself (SQLite: triggers feeding the FTS5 table; PostgreSQL: a generated
``tsvector`` column under a GIN index), so nothing else writes it.

Rows written around the services (a bulk load, a restored backup, a case
table filled by SQL) are found by :func:`catch_up` (periodic job
``search_index``: cases above the highest indexed id) or indexed whole by
``manage.py rebuild_search_index``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection, transaction

from . import segment

BATCH = 500


def entry_values(title: str, description: str, address: str) -> dict:
    """The entry's columns for a case's texts: words separated by spaces."""
    (found_title, found_place, found_body), inside = segment.analyse(title or "", address or "", description or "")
    return {"title": " ".join(found_title), "place": " ".join(found_place), "body": " ".join(found_body),
            "parts": " ".join(inside)}


def index_case(case) -> None:
    """Write the entry of one case (inside the caller's transaction)."""
    index_rows([(case.pk, case.title, case.description, case.address)])


def index_rows(rows: Iterable[tuple[int, str, str, str]]) -> int:
    """Write the entries of ``(case id, title, description, address)`` rows; how many were written."""
    from gongzhi.cases.models import SearchEntry

    entries = [SearchEntry(case_id=pk, **entry_values(title, description, address))
               for pk, title, description, address in rows]
    if entries:
        SearchEntry.objects.bulk_create(entries, update_conflicts=True, unique_fields=["case"],
                                        update_fields=["title", "place", "body", "parts"], batch_size=BATCH)
    return len(entries)


def new_entries(rows: Iterable[tuple[str, str, str]]) -> list[dict]:
    """The entries' columns for the texts ``(title, description, address)`` of cases not yet written: for a
    batch, segmented before its transaction so that the write lock is held for the inserts alone."""
    return [entry_values(title, description, address) for title, description, address in rows]


def insert_entries(pairs: Iterable[tuple[int, dict]]) -> int:
    """Write the entries of new cases, ``(case id, entry columns)`` (inside the caller's transaction): one
    prepared INSERT for them all (:func:`gongzhi.core.inserts.insert_rows`); how many."""
    from gongzhi.cases.models import SearchEntry
    from gongzhi.core.inserts import insert_rows

    return insert_rows(SearchEntry, [{"case_id": pk, **values} for pk, values in pairs])


def _case_rows(queryset):
    return queryset.order_by("pk").values_list("pk", "title", "description", "address")


def catch_up(*, limit: int = 5000) -> int:
    """Index the cases newer than the newest entry (written around the services); how many."""
    from gongzhi.cases.models import Case, SearchEntry

    newest = SearchEntry.objects.order_by("-case_id").values_list("case_id", flat=True).first() or 0
    rows = list(_case_rows(Case.objects.filter(pk__gt=newest))[:limit])
    with transaction.atomic():
        return index_rows(rows)


def run_periodic() -> None:
    """Entry point of the periodic job ``search_index`` (registered in :class:`gongzhi.cases.apps.CasesConfig`)."""
    while catch_up() > 0:
        pass


def rebuild(*, progress: Callable[[int, int], None] | None = None, batch: int = 2000) -> int:
    """Segment every case again and rewrite every entry, then the engine's index; how many cases.

    Entries are written in batches of ``batch`` cases, each its own transaction, so that other
    writers are held up only for a batch at a time; entries of cases that no longer exist go.
    """
    from gongzhi.cases.models import Case, SearchEntry

    total = Case.objects.count()
    done, last = 0, 0
    while True:
        rows = list(_case_rows(Case.objects.filter(pk__gt=last))[:batch])
        if not rows:
            break
        with transaction.atomic():
            index_rows(rows)
        done += len(rows)
        last = rows[-1][0]
        if progress:
            progress(done, total)
    with transaction.atomic():
        SearchEntry.objects.exclude(case_id__in=Case.objects.values("pk")).delete()
    optimise()
    return done


def optimise() -> None:
    """Merge the engine's index after a large change (FTS5 'optimize'; VACUUM ANALYZE is PostgreSQL's own)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO cases_search_fts(cases_search_fts) VALUES ('optimize')")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE cases_searchentry")
