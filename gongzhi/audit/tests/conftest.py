import pytest

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role



@pytest.fixture
def staff(db):
    """Users for force_login: no password, so no slow Argon2 hashing per test."""

    def make(username, role, region=None, **extra):
        user = User(username=username, role=role, region=region, is_staff=True, **extra)
        user.set_unusable_password()
        user.save()
        return user

    return make


@pytest.fixture
def global_admin(staff):
    return staff("root_admin", Role.ADMIN)
