import pytest

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.regions import grid_index


@pytest.fixture(autouse=True)
def fresh_grid_index():
    """Each test starts without a cached index (the cache is process-wide)."""
    grid_index.invalidate()
    yield
    grid_index.invalidate()



@pytest.fixture
def make_staff(db):
    """Users for force_login: no password, so no slow Argon2 hashing per test."""

    def make(username, role, region=None, **extra):
        user = User(username=username, role=role, region=region, **extra)
        user.set_unusable_password()
        user.save()
        return user

    return make


@pytest.fixture
def admin(make_staff):
    return make_staff("admin", Role.ADMIN)


@pytest.fixture
def community_admin(make_staff, tree):
    """An administrator whose area is community A only."""
    return make_staff("comm-admin", Role.ADMIN, region=tree["comm_a"])


@pytest.fixture
def grid_worker(make_staff, tree):
    return make_staff("worker-a1", Role.GRID_WORKER, region=tree["grid_a1"])
