"""Actors and units around the shared `tree`: a whole-system admin, a community-A admin, a grid-A1 worker."""

import pytest

from gongzhi import settings as project_settings
from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.accounts.roles import Role

PASSWORD = "Gongzhi-test-2026"


@pytest.fixture
def global_admin(make_user):
    return make_user("root_admin", role=Role.ADMIN, is_staff=True)


@pytest.fixture
def comm_admin(make_user, tree):
    """An administrator whose area is community A (grids A1 and A2, not B1)."""
    return make_user("comm_a_admin", role=Role.ADMIN, region=tree["comm_a"], is_staff=True)


@pytest.fixture
def grid_worker(make_user, tree):
    return make_user("gw_a1", role=Role.GRID_WORKER, region=tree["grid_a1"], is_staff=True)


@pytest.fixture
def units(tree):
    def unit(code, kind, region):
        return Unit.objects.create(code=code, name=f"unit {code}", kind=kind, region=region)

    return {
        "committee_a": unit("U-CA", UnitKind.COMMUNITY_COMMITTEE, tree["comm_a"]),
        "committee_b": unit("U-CB", UnitKind.COMMUNITY_COMMITTEE, tree["comm_b"]),
        "station_a1": unit("U-A1", UnitKind.OTHER, tree["grid_a1"]),
        "station_b1": unit("U-B1", UnitKind.OTHER, tree["grid_b1"]),
        "chengguan": unit("U-CG", UnitKind.DEPARTMENT, tree["district"]),
    }


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["gongzhi.accounts.tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture
def configured_hashers(settings):
    """The password hashers of gongzhi/settings.py, for tests about them."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS

