"""A district to measure figures on: 10 subdistricts × 10 communities × 4 grids and 120 units.

A department per domain, a command centre per subdistrict, a committee per
community; and the demo generator's world over it, so that cases written in
bulk by ``gongzhi.demo.cases.write_history`` go where routing would send them.
Shared by ``case_metrics.py`` and ``year.py`` (import after Django is set up).
"""

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.accounts.roles import Role
from gongzhi.demo.cases import Habits, World, leaf_categories
from gongzhi.demo.cases import _points as points_in
from gongzhi.regions.models import Level, Region

SUBDISTRICTS, COMMUNITIES, GRIDS = 10, 10, 4
DOMAINS = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10")


def square(lon, lat, size):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def build_district():
    district = Region.objects.create(code="110105000000", name="朝阳区", level=Level.DISTRICT)
    grids, offices, committees = [], {}, {}
    for s in range(1, SUBDISTRICTS + 1):
        sub = Region.objects.create(code=f"110105{s:03d}000", name=f"第{s}街道", level=Level.SUBDISTRICT,
                                    parent=district)
        offices[sub.code[:9]] = Unit.objects.create(code=f"OFFICE-{s:02d}", name=f"第{s}街道指挥中心",
                                                    kind=UnitKind.SUBDISTRICT_OFFICE, region=sub)
        for c in range(1, COMMUNITIES + 1):
            comm = Region.objects.create(code=f"110105{s:03d}{c:03d}", name=f"第{s}街道第{c}社区",
                                         level=Level.COMMUNITY, parent=sub)
            committees[comm.code] = Unit.objects.create(code=f"COMM-{s:02d}-{c:02d}", name=f"{comm.name}居委会",
                                                        kind=UnitKind.COMMUNITY_COMMITTEE, region=comm,
                                                        supervisor=offices[sub.code[:9]])
            for g in range(1, GRIDS + 1):
                lon = 116.30 + (s - 1) * 0.05 + (c - 1) % 5 * 0.01 + (g - 1) % 2 * 0.005
                lat = 39.80 + (c - 1) // 5 * 0.01 + (g - 1) // 2 * 0.005
                grids.append(Region(code=f"{comm.code}{g:03d}", name=f"{comm.name}第{g}网格", level=Level.GRID,
                                    parent=comm, boundary=square(lon, lat, 0.005)))
    Region.objects.bulk_create(grids)
    departments = {domain: Unit.objects.create(code=f"DEPT-{domain}", name=f"区职能部门{domain}",
                                               kind=UnitKind.DEPARTMENT, region=district) for domain in DOMAINS}
    return list(Region.objects.filter(level=Level.GRID).select_related("parent")), offices, committees, departments


def district_world(rng, admin):
    """Build the district and the generator's world over it; returns (world, grids)."""
    grids, offices, committees, departments = build_district()

    def unit_for(category, grid):
        kind = category.default_unit_kind
        if kind == UnitKind.COMMUNITY_COMMITTEE:
            return committees[grid.code[:12]]
        if kind == UnitKind.DEPARTMENT and category.code[:2] in departments:
            return departments[category.code[:2]]
        return offices[grid.code[:9]]

    world = World(grids=[(g, points_in(rng, g, 10)) for g in grids], categories=leaf_categories(),
                  unit_for=unit_for, fallback_for=lambda grid: offices[grid.code[:9]], actors={Role.ADMIN: admin})
    world.habits = {unit.pk: Habits.draw(rng) for unit in Unit.objects.order_by("code")}
    return world, grids
