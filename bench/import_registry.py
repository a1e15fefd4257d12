"""Benchmark of the registry import: 100,000 persons, validated and encrypted.

Builds a temporary SQLite database under var/bench/ with one community of 10
grids, generates a CSV file of 100,000 persons (realistic names, valid GB 11643
ID numbers, mobile numbers, residence types, grid codes) and imports it with
``gongzhi.registry.importing.import_registry`` exactly as ``manage.py
import_registry`` does: parsing, per-cell validation (check characters,
allowed values, the importer's area, duplicates in the file and in the
database), pinyin, two blind indexes and two AES-GCM encryptions per row, one
transaction, bulk inserts, one audit event.

In the same run the same rows are inserted raw for comparison: Django
``bulk_create`` (same batch size) of the already-parsed values into a scratch
table with the same columns as the person table, but plain text columns, no
validation, no encryption, no derived columns. The ratio import/raw is the
price of the checks and the protection. A second, lower bound is printed too:
``executemany`` of the same tuples on the bare cursor, no ORM at all.

    .venv/bin/python bench/import_registry.py [--persons N]
"""

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)
DB = BENCH_DIR / "import_registry.sqlite3"
for suffix in ("", "-wal", "-shm"):
    Path(f"{DB}{suffix}").unlink(missing_ok=True)
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

import csv  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402

from gongzhi.accounts.models import User  # noqa: E402
from gongzhi.accounts.roles import Role  # noqa: E402
from gongzhi.core.ids import make_id_number  # noqa: E402
from gongzhi.regions.models import Level, Region  # noqa: E402
from gongzhi.registry.importing import import_registry  # noqa: E402
from gongzhi.registry.models import Person  # noqa: E402
from gongzhi.registry.spreadsheets import SHEETS  # noqa: E402

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志文斌玉海燕春梅晓东红子涵浩然一诺欣怡梓轩雨桐思宇俊"
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "138", "139", "150", "151", "158", "177", "180", "186", "188",
                   "199")


def build_tree(grids: int) -> list[Region]:
    district = Region.objects.create(code="110105000000", name="朝阳区", level=Level.DISTRICT)
    street = Region.objects.create(code="110105001000", name="建外街道", level=Level.SUBDISTRICT, parent=district)
    community = Region.objects.create(code="110105001001", name="永安里社区", level=Level.COMMUNITY, parent=street)
    return [Region.objects.create(code=f"110105001001{i:03d}", name=f"永安里第{i}网格", level=Level.GRID,
                                  parent=community) for i in range(1, grids + 1)]


def generate_rows(count: int, grids: list[Region], rng: random.Random) -> list[list[str]]:
    headers = {c.key: c.header for c in SHEETS["persons"].columns}
    order = ["external_id", "name", "id_number", "phone", "residence_type", "grid"]
    rows = [[headers[key] for key in order]]
    used = set()
    for i in range(count):
        while True:
            birth = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(365 * 88))
            number = make_id_number("110105", birth, rng.randrange(1000))
            if number not in used:
                used.add(number)
                break
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}" if rng.random() < 0.9 else ""
        residence = rng.choices(("户籍", "流动", "境外"), (70, 28, 2))[0]
        rows.append([f"P{i:07d}", name, number, phone, residence, rng.choice(grids).code])
    return rows


def raw_model():
    """A scratch model with the person table's columns as plain text: the raw-insert baseline."""
    attrs = {"__module__": __name__, "Meta": type("Meta", (), {"app_label": "registry", "db_table": "bench_raw_person"})}
    for field in Person._meta.local_fields:
        if field.primary_key:
            continue
        if field.get_internal_type() == "TextField" or isinstance(field, models.TextField):
            clone = models.TextField(null=True, blank=True)
        elif field.is_relation:
            clone = models.ForeignKey(field.related_model, null=True, on_delete=models.DO_NOTHING, related_name="+",
                                      db_constraint=False)
        else:
            clone = field.clone()
        attrs[field.name] = clone
    return type("RawPerson", (models.Model,), attrs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(20260101)

    call_command("migrate", verbosity=0)
    grids = build_tree(10)
    admin = User.objects.create(username="bench-admin", role=Role.ADMIN)
    rows = generate_rows(args.persons, grids, rng)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    data = buffer.getvalue().encode("utf-8-sig")

    started = time.perf_counter()
    report = import_registry(actor=admin, data=data, filename="persons.csv")
    import_seconds = time.perf_counter() - started
    if not report.ok:
        for error in report.errors[:20]:
            print(error)
        raise SystemExit("the generated file did not import")
    assert Person.objects.count() == args.persons

    # Baseline 1: ORM bulk_create of the same, already parsed rows into plain columns.
    RawPerson = raw_model()
    with connection.schema_editor() as editor:
        editor.create_model(RawPerson)
    grid_ids = {g.code: g.pk for g in grids}
    started = time.perf_counter()
    with transaction.atomic():
        objects = [RawPerson(external_id=r[0], name=r[1], id_number=r[2], phone=r[3], residence_type=r[4],
                             grid_id=grid_ids[r[5]]) for r in rows[1:]]
        RawPerson.objects.bulk_create(objects, batch_size=1000)
    raw_seconds = time.perf_counter() - started

    # Baseline 2: executemany on the bare cursor (no model objects at all).
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_raw_person")
    columns = [f.column for f in RawPerson._meta.local_fields if not f.primary_key]
    values = {f.column: f.get_default() for f in RawPerson._meta.local_fields}
    now = dt.datetime.now(dt.UTC).isoformat()
    tuples = []
    for r in rows[1:]:
        row = {**values, "external_id": r[0], "name": r[1], "id_number": r[2], "phone": r[3],
               "residence_type": r[4], "grid_id": grid_ids[r[5]], "created_at": now, "updated_at": now}
        tuples.append(tuple(row[c] for c in columns))
    sql = f"INSERT INTO bench_raw_person ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, tuples)
    cursor_seconds = time.perf_counter() - started

    n = args.persons
    started = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    loop_rate = 5_000_000 / (time.perf_counter() - started)
    import_rate, raw_rate, cursor_rate = n / import_seconds, n / raw_seconds, n / cursor_seconds
    print(f"registry import ({n:,} persons, validated and encrypted): {import_rate:,.0f} rows/s (target: >= 5000)")
    print(f"raw bulk insert of the same rows (ORM bulk_create, plain columns): {raw_rate:,.0f} rows/s")
    print(f"import / raw bulk insert: {import_rate / raw_rate:.2f} (target: >= 0.3)")
    print(f"raw executemany of the same rows (no ORM, lower bound): {cursor_rate:,.0f} rows/s")
    print(f"import / raw executemany: {import_rate / cursor_rate:.2f}")
    # For comparing machines: a plain Python loop (an unloaded current desktop does several times more).
    print(f"machine speed (python loop): {loop_rate / 1e6:.1f} M iterations/s")


if __name__ == "__main__":
    main()
