"""Load deterministic demo data; running it again changes nothing.

Later domains add their part through a function in ``gongzhi/demo/`` called
from here, in dependency order.
"""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from gongzhi.audit.services import record
from gongzhi.core.maintenance import refresh_statistics
from gongzhi.demo.regions import seed_regions
from gongzhi.demo.users import demo_password, seed_units, seed_users


class Command(BaseCommand):
    help = "Load demo data: a district with its subdistricts, communities, grids, units and one user per role."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
        parser.add_argument("--size", choices=["small", "medium", "large"], default="small")

    def handle(self, *args, seed, size, **options):
        rng = random.Random(seed)
        password = demo_password()
        with transaction.atomic():
            regions = seed_regions(rng=rng, size=size)
            units = seed_units(regions)
            users = seed_users(regions, units, password)
            record(actor=None, action="demo.seed", object_type="demo", object_repr=f"seed={seed} size={size}",
                   changes={"grids": len(regions.grids), "units": len(units)})
        for step in self._later_steps():
            step(rng=rng, size=size, regions=regions, units=units, users=users, stdout=self.stdout)
        refresh_statistics()  # a bulk load: the planner must know the new rows at once
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {len(regions.communities)} communities, {len(regions.grids)} grids."))
        self.stdout.write("Demo logins (user name / password):")
        for user in users:
            self.stdout.write(f"  {user.username:<22} {password}   {user.get_role_display()}")

    def _later_steps(self):
        """Domain seeders added by later apps, each idempotent, called in order."""
        steps = []
        try:
            from gongzhi.demo.registry import seed_registry_step
        except ImportError:
            pass
        else:
            steps.append(seed_registry_step)
        try:
            from gongzhi.demo.cases import seed_cases_step
        except ImportError:
            pass
        else:
            steps.append(seed_cases_step)
        try:
            from gongzhi.demo.deliberation import seed_deliberation_step
        except ImportError:
            pass
        else:
            steps.append(seed_deliberation_step)
        try:
            from gongzhi.demo.mediation import seed_mediation_step
        except ImportError:
            pass
        else:
            steps.append(seed_mediation_step)
        from gongzhi.demo.party import seed_party_step

        steps.append(seed_party_step)
        return steps
