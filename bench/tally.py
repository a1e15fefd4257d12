"""Benchmark of the art. 278 tally: a 20,000-owner vote of one large compound, counted from its ballots.

Builds, in bulk, one compound of 20,000 owners (a tenth of them holding two dwellings, a twentieth of the
dwellings co-owned by two people), opens an art. 278 vote through the service (the roll frozen from the
registry: that figure is printed too), writes a ballot for three quarters of the roll, and times
``services.votes.tally`` (what the close and the result page compute), open and secret ballot alike.

    .venv/bin/python bench/tally.py            # a fresh SQLite file under var/bench/
    DATABASE_URL=postgres://… .venv/bin/python bench/tally.py
"""

import os
import random
import time
from datetime import timedelta
from decimal import Decimal

from _django import start

start("tally", os.environ.get("BENCH_DATABASE_URL", ""))

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

OWNERS = 20_000


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main():
    call_command("migrate", verbosity=0)
    from gongzhi.accounts.models import User
    from gongzhi.accounts.roles import Role
    from gongzhi.deliberation import services
    from gongzhi.deliberation.models import Item, ItemState, Participation, RollEntry, SecretBallot, Vote
    from gongzhi.deliberation.services import votes
    from gongzhi.regions.models import Level, Region
    from gongzhi.registry.models import Compound, Dwelling, DwellingRole, Person, Residence

    rng = random.Random(278)
    district = Region.objects.create(code="110105000000", name="朝阳区", level=Level.DISTRICT)
    street = Region.objects.create(code="110105001000", name="建外街道", level=Level.SUBDISTRICT, parent=district)
    community = Region.objects.create(code="110105001001", name="永安里社区", level=Level.COMMUNITY, parent=street)
    grid = Region.objects.create(code="110105001001001", name="第一网格", level=Level.GRID, parent=community)
    staff = User.objects.create(username="bench_staff", role=Role.COMMUNITY_STAFF, region=community)
    compound = Compound.objects.create(name="大型小区", grid=grid)
    with transaction.atomic():
        persons = Person.objects.bulk_create(
            [Person(grid=grid, name=f"业主{i}", id_type="other") for i in range(OWNERS + OWNERS // 20)],
            batch_size=5000)
        dwellings, residences = [], []
        n = 0
        for i in range(OWNERS):
            for _ in range(2 if i % 10 == 0 else 1):
                dwellings.append(Dwelling(grid=grid, compound=compound, room=str(n),
                                          exclusive_area=Decimal(rng.randint(4000, 16000)) / 100))
                n += 1
        dwellings = Dwelling.objects.bulk_create(dwellings, batch_size=5000)
        owner_of, d = [], 0
        for i in range(OWNERS):
            for _ in range(2 if i % 10 == 0 else 1):
                owner_of.append(i)
        co_owner = OWNERS
        for dwelling, owner in zip(dwellings, owner_of):
            residences.append(Residence(person=persons[owner], dwelling=dwelling, role=DwellingRole.OWNER))
            if dwelling.pk % 20 == 0 and co_owner < len(persons) and owner % 10:
                residences.append(Residence(person=persons[co_owner], dwelling=dwelling, role=DwellingRole.OWNER))
                co_owner += 1
        Residence.objects.bulk_create(residences, batch_size=5000)
    now = timezone.now()
    figures = {}
    for secret in (False, True):
        item = Item.objects.create(region=grid, compound=compound, title="续聘物业", state=ItemState.DELIBERATED)
        vote = services.create_vote(actor=staff, item=item, question="是否续聘物业服务企业？", electorate="owners",
                                    art278_item=4, opens_at=now - timedelta(minutes=1),
                                    closes_at=now + timedelta(days=7), compound=compound, secret=secret)
        vote, wall, cpu = timed(lambda: services.open_vote(actor=staff, vote=vote))
        figures.setdefault("roll", (wall, cpu, RollEntry.objects.filter(vote=vote).count()))
        entries = list(RollEntry.objects.filter(vote=vote).values_list("id", "area"))
        cast = rng.sample(entries, len(entries) * 3 // 4)
        choices = [rng.choices(("yes", "no", "abstain"), (70, 25, 5))[0] for _ in cast]
        with transaction.atomic():
            Participation.objects.bulk_create(
                [Participation(vote=vote, entry_id=e, channel="online", choice="" if secret else c)
                 for (e, _a), c in zip(cast, choices)], batch_size=5000)
            if secret:
                SecretBallot.objects.bulk_create([SecretBallot(vote=vote, choice=c, area=a)
                                                  for (_e, a), c in zip(cast, choices)], batch_size=5000)
            Vote.objects.filter(pk=vote.pk).update(cast_count=len(cast))
        votes.tally(vote)  # warm
        runs = [timed(lambda: votes.tally(vote)) for _ in range(5)]
        outcome = runs[0][0]
        walls = sorted(r[1] for r in runs)
        cpus = sorted(r[2] for r in runs)
        figures["secret" if secret else "open"] = (walls[len(walls) // 2], cpus[len(cpus) // 2], outcome)
    wall, cpu, entries = figures["roll"]
    print(f"database: {connection.vendor}")
    print(f"roll entries (owners counted once, co-owners as one): {entries:,}")
    print(f"art. 278 roll frozen from the registry, 20,000 owners: {wall:.0f} ms (CPU {cpu:.0f} ms)")
    wall, cpu, outcome = figures["open"]
    print(f"result: {outcome.explanation()}")
    print(f"art. 278 tally, 20,000 owners: {wall:.0f} ms (target: < 1000)")
    print(f"art. 278 tally, 20,000 owners, CPU: {cpu:.0f} ms")
    wall, cpu, _outcome = figures["secret"]
    print(f"art. 278 tally, 20,000 owners, secret ballot: {wall:.0f} ms (target: < 1000)")
    print(f"art. 278 tally, 20,000 owners, secret ballot, CPU: {cpu:.0f} ms")


if __name__ == "__main__":
    main()
