"""Fixtures shared by every app's tests: a small region tree and users."""

import os

import pytest
from django.core.cache import caches
from django.utils import translation

from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.accounts.roles import Role
from gongzhi.core import snapshots
# The session-wide check that no log line holds a phone or ID number in clear (its fixtures are autouse).
from gongzhi.ops.tests.log_check import log_leak_catcher, no_personal_numbers_in_logs  # noqa: F401
from gongzhi.regions.models import CommunityType, Level, Region


# Tests assert messages in their English source form; the Chinese default is
# proved where it matters (web/tests). Commands started as subprocesses inherit this.
os.environ["GONGZHI_LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def english(settings):
    """Pages, API and services answer in English unless a test asks otherwise."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_snapshots():
    """Configuration kept in the process (gongzhi.core.snapshots) is read again in every test: the
    rows a previous test saw were rolled back without a signal."""
    snapshots.invalidate_all()


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache. Rows of a previous test were rolled back, so their ids come
    again; a page cached under the same user id, period, minute and latest event id (the dashboard's key)
    would be answered from the other test's figures."""
    for each in caches.all():
        each.clear()


@pytest.fixture
def chinese_default(settings):
    """The product's own default: a visitor who chose no language gets Chinese."""
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """The configured Argon2 costs ~100 MB and most of a core per hash; tests use
    the same algorithm at minimal cost (``configured_hashers`` in accounts tests
    checks the real configuration)."""
    settings.PASSWORD_HASHERS = ["gongzhi.accounts.tests.hashers.FastArgon2PasswordHasher"]


def square(lon, lat, size=0.01):
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
    }


@pytest.fixture
def tree(db):
    """District → subdistrict → two communities → grids A1, A2 (community A) and B1."""
    district = Region.objects.create(code="110105000000", name="朝阳区", level=Level.DISTRICT)
    street = Region.objects.create(code="110105001000", name="建外街道", level=Level.SUBDISTRICT, parent=district)
    comm_a = Region.objects.create(
        code="110105001001", name="永安里社区", level=Level.COMMUNITY, parent=street, community_type=CommunityType.URBAN
    )
    comm_b = Region.objects.create(
        code="110105001002", name="光华里社区", level=Level.COMMUNITY, parent=street, community_type=CommunityType.URBAN
    )
    grid_a1 = Region.objects.create(
        code="110105001001001", name="永安里第一网格", level=Level.GRID, parent=comm_a, boundary=square(116.44, 39.90)
    )
    grid_a2 = Region.objects.create(
        code="110105001001002", name="永安里第二网格", level=Level.GRID, parent=comm_a, boundary=square(116.45, 39.90)
    )
    grid_b1 = Region.objects.create(
        code="110105001002001", name="光华里第一网格", level=Level.GRID, parent=comm_b, boundary=square(116.44, 39.91)
    )
    return {
        "district": district, "street": street, "comm_a": comm_a, "comm_b": comm_b,
        "grid_a1": grid_a1, "grid_a2": grid_a2, "grid_b1": grid_b1,
    }


@pytest.fixture
def make_user(db):
    def make(username, role=Role.RESIDENT, region=None, unit=None, password="Gongzhi-test-2026", **extra):
        user = User(username=username, role=role, region=region, unit=unit, **extra)
        user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def street_office(tree):
    return Unit.objects.create(code="U-JW", name="建外街道办事处", kind=UnitKind.SUBDISTRICT_OFFICE,
                               region=tree["street"])


def pytest_collection_modifyitems(config, items):
    """Transactional tests must restore the migration data they flush.

    A ``transaction=True`` test empties every table when it ends; without
    ``serialized_rollback`` the rows that migrations seed (content types,
    default categories, care tags) are recreated differently or not at all,
    and the next serialized test fails on duplicates. Refuse the trap early.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: use @pytest.mark.django_db(transaction=True, serialized_rollback=True)"
            )
