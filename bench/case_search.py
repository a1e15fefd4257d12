"""Benchmark of case search: p95 of a two-word query over many cases, on SQLite and on PostgreSQL.

For each engine a fresh database is migrated (SQLite: var/bench/case_search.sqlite3; PostgreSQL: the
database of ``--postgres-url``, created when missing and emptied first), then ``--cases`` cases
(1,000,000 by default) are written with bulk SQL, not through the services: the case rows and their
index entries (the words of title, address and description, space-separated, as the indexer stores
them). The texts are drawn from a vocabulary of dictionary words that jieba leaves whole, with a
Zipf-like frequency, so the entries are exactly what segmentation would store for them.

Then ``--queries`` two-word queries (two words of middling frequency, each found in roughly 0.5–5 %
of the cases) go through :func:`gongzhi.cases.selectors.case_page`, the path of the console and the
API: parse, the area of a street's dispatcher (every case of the bench lies in it), the engine's
match and rank, the count (exact or estimated) and the first page of 20. One line per engine:

    case search p95 (SQLite, 1,000,000 cases): N ms (target: < 100)

    .venv/bin/python bench/case_search.py [--cases N] [--queries N] [--engine sqlite|postgresql|both]
                                          [--postgres-url URL] [--reuse]

``--reuse`` queries the database of the last run again when it holds ``--cases`` cases (the load of
1,000,000 cases takes 8–13 minutes on a busy machine). Besides the wall time it prints the CPU time of
each query: on SQLite that is the whole query; on PostgreSQL this process's part plus the server
process's (read from ``/proc/<pid>/schedstat`` when the server runs on the same machine).
"""

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/gongzhi_bench_search"
BATCH = 20_000
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def vocabulary(rng):
    """Dictionary words of 2–4 characters that the index keeps whole, most frequent first."""
    import jieba

    from gongzhi.cases.search import segment

    jieba.dt.check_initialized()
    words = sorted(((f, w) for w, f in jieba.dt.FREQ.items() if 2 <= len(w) <= 4 and f > 200), reverse=True)
    kept = []
    for _, word in words:
        if segment.words(word) == [word] and not segment.pieces(word):
            kept.append(word)
        if len(kept) == 6000:
            break
    return kept


def zipf_sampler(rng, words):
    import itertools

    cumulative = list(itertools.accumulate(1.0 / (rank + 10) for rank in range(len(words))))
    return lambda k: rng.choices(words, cum_weights=cumulative, k=k)


def load(n, rng, words, vendor):
    from django.db import connection, transaction
    from django.utils import timezone

    from gongzhi.cases.models import Category
    from gongzhi.regions.models import Region

    draw = zipf_sampler(rng, words)
    category = Category.objects.filter(parent__isnull=False).order_by("code").first().pk
    grids = list(Region.objects.filter(level="grid").values_list("pk", "code"))
    now = timezone.now()
    from gongzhi.cases.models import Case

    given = ["id", "number", "channel", "category_id", "urgency", "title", "description", "region_code",
             "grid_id", "address", "created_at", "updated_at"]
    rest = [f for f in Case._meta.concrete_fields if f.attname not in given]
    defaults = [None if f.null else f.get_default() for f in rest]
    columns = given + [f.column for f in rest]
    case_sql = (f"INSERT INTO cases_case ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})")
    entry_sql = "INSERT INTO cases_searchentry (case_id, title, place, body, parts) VALUES (%s, %s, %s, %s, '')"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS cases_searchentry_document")
        for start in range(1, n + 1, BATCH):
            cases, entries = [], []
            for pk in range(start, min(n + 1, start + BATCH)):
                title, place, body = draw(3), draw(2), draw(rng.randint(15, 40))
                grid_id, code = grids[pk % len(grids)]
                at = now - (n - pk) * timezone.timedelta(seconds=30)
                number = f"{at:%Y%m%d}{pk:07d}"  # unique: the id, under the day
                cases.append((pk, number, "hotline_12345", category, "normal", "".join(title), "".join(body), code,
                              grid_id, "".join(place), at, at, *defaults))
                entries.append((pk, " ".join(title), " ".join(place), " ".join(body)))
            with transaction.atomic():
                cursor.executemany(case_sql, cases)
                cursor.executemany(entry_sql, entries)
            print(f"  {min(n, start + BATCH - 1):,} cases written ({time.perf_counter() - started:.0f} s)",
                  file=sys.stderr, flush=True)
        if vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("CREATE INDEX cases_searchentry_document ON cases_searchentry USING gin (document)")
            cursor.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)", [n])
            cursor.execute("VACUUM ANALYZE cases_case")
            cursor.execute("VACUUM ANALYZE cases_searchentry")
        else:
            cursor.execute("INSERT INTO cases_search_fts(cases_search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
    print(f"  loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def middling_words(words, n):
    """Words found in roughly 0.5–5 % of the cases (by their share of the Zipf weights); not 或者, which the
    query language reads as OR."""
    from gongzhi.cases.search.query import _OR

    weights = [1.0 / (rank + 10) for rank in range(len(words))]
    total = sum(weights)
    per_case = 30 + 5  # about as many words as a case holds
    share = [(w, 1 - (1 - weight / total) ** per_case) for w, weight in zip(words, weights) if w.upper() not in _OR]
    return [w for w, s in share if 0.005 <= s <= 0.05][:400] or [w for w, s in share if s <= 0.05]


def server_cpu(vendor):
    """A clock of the CPU time of this connection's PostgreSQL server process (seconds), when it runs on this
    machine and Linux lets it be read (``/proc/<pid>/schedstat``); a clock of 0 otherwise (and on SQLite,
    which runs in this process)."""
    if vendor != "postgresql":
        return lambda: 0.0
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        path = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")

    def clock():
        try:
            return int(path.read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0

    return clock


def child(vendor, cases, queries, url, reuse):
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if vendor == "sqlite":
        db = BENCH_DIR / "case_search.sqlite3"
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not (reuse and exists):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command

    from gongzhi.accounts.models import Unit, UnitKind, User
    from gongzhi.accounts.roles import Role
    from gongzhi.cases import selectors
    from gongzhi.cases.models import Case
    from gongzhi.regions.models import Level, Region

    call_command("migrate", verbosity=0)
    rng = random.Random(14)
    words = vocabulary(rng)
    dispatcher = User.objects.filter(username="bench-dispatcher").first()
    if reuse and dispatcher is not None and Case.objects.count() == cases:
        print(f"  reusing the {cases:,} cases of the last run", file=sys.stderr, flush=True)
    else:
        if Case.objects.exists():
            raise SystemExit("the bench database holds other data; run without --reuse")
        district = Region.objects.create(code="110105000000", name="朝阳区", level=Level.DISTRICT)
        street = Region.objects.create(code="110105001000", name="建外街道", level=Level.SUBDISTRICT,
                                       parent=district)
        community = Region.objects.create(code="110105001001", name="永安里社区", level=Level.COMMUNITY,
                                          parent=street)
        for i in range(10):
            Region.objects.create(code=f"110105001001{i + 1:03d}", name=f"永安里第{i + 1}网格", level=Level.GRID,
                                  parent=community)
        office = Unit.objects.create(code="U-JW", name="建外街道办事处", kind=UnitKind.SUBDISTRICT_OFFICE,
                                     region=street)
        dispatcher = User.objects.create(username="bench-dispatcher", role=Role.DISPATCHER, region=street,
                                         unit=office)
        load(cases, rng, words, vendor)
    pool = middling_words(words, cases)
    server = server_cpu(vendor)
    timings = []
    for i in range(queries + 10):
        q = " ".join(rng.sample(pool, 2))
        started, cpu, served = time.perf_counter(), time.thread_time(), server()
        page = selectors.case_page(dispatcher, selectors.CaseFilters(q=q), number=1, size=20)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu + server() - served) * 1000
        if i >= 10:  # the first few warm the caches and jieba
            timings.append((elapsed, q, page.count.value, page.count.relation, cpu))
    timings.sort()
    p50, p95 = timings[len(timings) // 2][0], timings[int(len(timings) * 0.95) - 1][0]
    cpus = sorted(t[4] for t in timings)
    counts = sorted(t[2] for t in timings)
    print(f"  {len(timings)} queries, p50 {p50:.1f} ms, max {timings[-1][0]:.1f} ms ({timings[-1][1]}), "
          f"matches per query: median {counts[len(counts) // 2]:,}, max {counts[-1]:,}", file=sys.stderr)
    where = "in process" if vendor == "sqlite" else (
        "this process and its server process" if server() else "this process only: the server's is not readable")
    print(f"  CPU time per query ({where}): p50 {cpus[len(cpus) // 2]:.1f} ms, "
          f"p95 {cpus[int(len(cpus) * 0.95) - 1]:.1f} ms; load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    print(f"case search p95 ({NAMES[vendor]}, {cases:,} cases): {p95:.0f} ms (target: < 100)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--reuse", action="store_true",
                        help="query the database of the last run again when it holds --cases cases")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.cases, args.queries, args.postgres_url, args.reuse)
        return
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine in engines:  # one process each: the settings' database is fixed at start-up
        subprocess.run([sys.executable, __file__, "--child", engine, "--cases", str(args.cases), "--queries",
                        str(args.queries), "--postgres-url", args.postgres_url] + (["--reuse"] if args.reuse else []),
                       check=False)


if __name__ == "__main__":
    main()
