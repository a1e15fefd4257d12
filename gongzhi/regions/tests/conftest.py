import pytest
from django.utils import translation

from gongzhi.accounts.roles import Role
from gongzhi.regions import grid_index


@pytest.fixture(autouse=True)
def fresh_grid_index():
    """Each test starts without a cached index (the cache is process-wide)."""
    grid_index.invalidate()
    yield
    grid_index.invalidate()


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source form."""
    with translation.override("en"):
        yield


@pytest.fixture
def admin(make_user):
    return make_user("admin", role=Role.ADMIN)


@pytest.fixture
def community_admin(make_user, tree):
    """An administrator whose area is community A only."""
    return make_user("comm-admin", role=Role.ADMIN, region=tree["comm_a"])


@pytest.fixture
def grid_worker(make_user, tree):
    return make_user("worker-a1", role=Role.GRID_WORKER, region=tree["grid_a1"])
