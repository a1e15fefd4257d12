"""Demo region tree: one district with a subdistrict of urban communities and a
township with an urban-rural fringe community and villages, gridded with
plausible (irregular but non-overlapping) polygons.

Codes follow the statistical division scheme: township part 001–099 are
街道, 200–399 乡; village part 001–199 are 居委会, 200–399 村委会.
"""

from dataclasses import dataclass

from gongzhi.regions.models import CommunityType, Level, Region

DISTRICT = ("110105000000", "朝阳区")

SUBDISTRICTS = [
    # code, name, communities: (code, name, type, (lon, lat) south-west corner, (width, height) in degrees)
    ("110105001000", "建外街道", [
        ("110105001001", "永安里社区", CommunityType.URBAN, (116.440, 39.900), (0.012, 0.008)),
        ("110105001002", "光华里社区", CommunityType.URBAN, (116.452, 39.900), (0.012, 0.008)),
        ("110105001003", "建国里社区", CommunityType.URBAN, (116.440, 39.908), (0.024, 0.007)),
    ]),
    ("110105200000", "金盏乡", [
        ("110105200001", "金盏社区", CommunityType.PERI_URBAN, (116.590, 39.970), (0.020, 0.015)),
        ("110105200201", "皮村", CommunityType.RURAL, (116.610, 39.970), (0.030, 0.025)),
        ("110105200202", "东窑村", CommunityType.RURAL, (116.590, 39.985), (0.020, 0.020)),
    ]),
]

GRIDS_PER_SIDE = {"small": 2, "medium": 3, "large": 4}


@dataclass
class DemoRegions:
    district: Region
    subdistricts: list
    communities: list
    grids: list


def _lattice(rng, origin, size, n):
    """(n+1)² lattice points over the rectangle, interior points jittered.

    Neighbouring cells share their corner points, so the cells tessellate the
    community without gaps or overlaps while not looking like a chessboard.
    """
    (lon0, lat0), (width, height) = origin, size
    dx, dy = width / n, height / n
    points = {}
    for i in range(n + 1):
        for j in range(n + 1):
            jitter = 0 < i < n and 0 < j < n
            x = lon0 + i * dx + (rng.uniform(-0.25, 0.25) * dx if jitter else 0)
            y = lat0 + j * dy + (rng.uniform(-0.25, 0.25) * dy if jitter else 0)
            points[i, j] = (round(x, 6), round(y, 6))
    return points


def _cell(points, i, j):
    ring = [points[i, j], points[i + 1, j], points[i + 1, j + 1], points[i, j + 1], points[i, j]]
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def _rectangle(origin, size):
    (x, y), (w, h) = origin, size
    ring = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
    return {"type": "Polygon", "coordinates": [[[round(a, 6), round(b, 6)] for a, b in ring]]}


def _upsert(code, **fields):
    region, _ = Region.objects.update_or_create(code=code, defaults=fields)
    return region


def seed_regions(*, rng, size: str) -> DemoRegions:
    n = GRIDS_PER_SIDE[size]
    district = _upsert(DISTRICT[0], name=DISTRICT[1], level=Level.DISTRICT, parent=None)
    subdistricts, communities, grids = [], [], []
    for sub_code, sub_name, comms in SUBDISTRICTS:
        sub = _upsert(sub_code, name=sub_name, level=Level.SUBDISTRICT, parent=district)
        subdistricts.append(sub)
        for code, name, kind, origin, extent in comms:
            community = _upsert(code, name=name, level=Level.COMMUNITY, parent=sub, community_type=kind,
                                boundary=_rectangle(origin, extent))
            communities.append(community)
            points = _lattice(rng, origin, extent, n)
            number = 0
            for j in range(n):
                for i in range(n):
                    number += 1
                    grids.append(_upsert(
                        f"{code}{number:03d}", name=f"{name}第{number}网格", level=Level.GRID,
                        parent=community, community_type=kind, boundary=_cell(points, i, j),
                    ))
    return DemoRegions(district=district, subdistricts=subdistricts, communities=communities, grids=grids)
