"""Fixtures of the calendar-override tests: office hours of the examples, a fresh calendar, an administrator."""

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.core import workcal


@pytest.fixture(autouse=True)
def _fresh_calendar(settings):
    settings.OFFICE_HOURS = "09:00-12:00,13:30-17:30"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test users
    workcal.reset()
    yield
    workcal.reset()


@pytest.fixture
def admin_user(make_user):
    return make_user("cal-admin", role=Role.ADMIN, is_staff=True)
