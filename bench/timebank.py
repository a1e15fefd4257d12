"""Benchmark of the time bank: spends per second with row locking, from concurrent clients, no lost update.

On PostgreSQL (the database of ``--database-url``, migrated first; use a scratch database), one
community with ``--volunteers`` verified volunteers, each credited ``--hours`` hours. ``--clients``
threads, each with its own connection, spend one minute at a time through
``gongzhi.volunteers.ledger.spend`` (the function the API and the pages call: capability and area
check, the account row locked, the idempotency key looked up, the overdraft check, the transfer, its
two lines, the cached balance and the audit event, one transaction) from volunteers picked at random,
so clients queue on the same rows. Some spends repeat an earlier key (a double tap), which must write
nothing; the last round spends more than is left, which must be refused.

Then the ledger is checked: every transfer's lines sum to zero, every cached balance equals its lines,
and each balance equals what was credited minus the spends that succeeded (no lost update).

    .venv/bin/python bench/timebank.py --database-url postgres://postgres@127.0.0.1:5432/bench_timebank \
        [--clients 8] [--spends 4000] [--volunteers 32]
"""

import argparse
import os
import random
import threading
import time

from _django import start

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                    help="a PostgreSQL database to use (migrated, then filled; scratch only)")
parser.add_argument("--clients", type=int, default=8)
parser.add_argument("--spends", type=int, default=4000, help="spends in all")
parser.add_argument("--volunteers", type=int, default=32)
parser.add_argument("--hours", type=int, default=200, help="hours credited to each volunteer first")
parser.add_argument("--replays", type=float, default=0.05, help="share of spends that repeat an earlier key")
args = parser.parse_args()
if not args.database_url.startswith(("postgres://", "postgresql://")):
    parser.error("give a PostgreSQL database with --database-url (row locks are what is measured)")

start("timebank", args.database_url)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from gongzhi.accounts.models import User  # noqa: E402
from gongzhi.accounts.roles import Role  # noqa: E402
from gongzhi.regions.models import Level, Region  # noqa: E402
from gongzhi.volunteers import ledger  # noqa: E402
from gongzhi.volunteers.models import Account, Currency, Transfer, TransferKind, Volunteer, VolunteerStatus  # noqa: E402


def setup():
    call_command("migrate", verbosity=0)
    run = timezone.now().strftime("%H%M%S")
    district, _ = Region.objects.get_or_create(code="990100000000", defaults={"name": "基准区", "level": Level.DISTRICT})
    street, _ = Region.objects.get_or_create(code="990100001000", defaults={
        "name": "基准街道", "level": Level.SUBDISTRICT, "parent": district})
    community, _ = Region.objects.get_or_create(code="990100001001", defaults={
        "name": "基准社区", "level": Level.COMMUNITY, "parent": street})
    staff = User.objects.create(username=f"bench_staff_{run}", role=Role.COMMUNITY_STAFF, region=community)
    people = []
    for n in range(args.volunteers):
        user = User.objects.create(username=f"bench_vol_{run}_{n}", role=Role.RESIDENT)
        volunteer = Volunteer.objects.create(region=community, user=user, name=f"志愿者{n}",
                                             status=VolunteerStatus.VERIFIED)
        ledger.credit(actor=staff, volunteer=volunteer, currency=Currency.HOURS, amount=args.hours * 60)
        people.append((volunteer, user))
    return run, people


def main():
    run, people = setup()
    per_client = args.spends // args.clients
    results = [None] * args.clients
    barrier = threading.Barrier(args.clients + 1)

    def client(index):
        rng = random.Random(index)
        done = replayed = refused = 0
        used = []
        try:
            barrier.wait()
            for n in range(per_client):
                volunteer, user = people[rng.randrange(len(people))]
                if used and rng.random() < args.replays:
                    volunteer, user, key = used[rng.randrange(len(used))]
                else:
                    key = f"bench-{run}-{index}-{n}"
                try:
                    posted = ledger.spend(actor=user, volunteer=volunteer, currency=Currency.HOURS, amount=1, key=key)
                except Exception:  # noqa: BLE001 - an overdraft refused (ValidationError) counts as refused
                    refused += 1
                    continue
                if posted.created:
                    done += 1
                    used.append((volunteer, user, key))
                else:
                    replayed += 1
        finally:
            connection.close()
        results[index] = (done, replayed, refused)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    done = sum(r[0] for r in results)
    replayed = sum(r[1] for r in results)
    attempts = per_client * args.clients

    # The last round: every volunteer asks for more than is left; all must be refused.
    overdrafts = 0
    for volunteer, user in people[:8]:
        balance = Account.objects.get(volunteer=volunteer, currency=Currency.HOURS).balance
        try:
            ledger.spend(actor=user, volunteer=volunteer, currency=Currency.HOURS, amount=balance + 1,
                         key=f"bench-{run}-over-{volunteer.pk}")
        except Exception:  # noqa: BLE001
            overdrafts += 1

    ids = [v.pk for v, _u in people]
    problems = ledger.verify_ledger()
    spent = Transfer.objects.filter(kind=TransferKind.SPEND, volunteer_id__in=ids).count()
    balance_total = sum(Account.objects.filter(volunteer_id__in=ids, currency=Currency.HOURS)
                        .values_list("balance", flat=True))
    lost = args.volunteers * args.hours * 60 - spent - balance_total

    print(f"database: {connection.vendor}, clients: {args.clients}, volunteers: {args.volunteers}")
    print(f"spend attempts: {attempts}, written: {done}, key replays answered without writing: {replayed}")
    print(f"overdrafts refused: {overdrafts} of 8")
    print(f"ledger problems: {len(problems)}, lost updates: {lost}")
    print(f"client CPU: {cpu:.2f} s for {wall:.2f} s wall ({cpu / wall:.0%} of one core)")
    print(f"time-bank spends, per attempt: {attempts / wall:.0f} attempts/s")
    print(f"time-bank spends: {done / wall:.0f} spends/s (target: >= 500)")
    if problems or lost or overdrafts != 8:
        raise SystemExit("the ledger is not sound after the run")


main()
