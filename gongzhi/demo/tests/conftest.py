"""The demo seeds every app: its tests use the fixtures of the apps it seeds (demo is above them all)."""

from gongzhi.cases.tests.conftest import fast_passwords, new_case, noise, world  # noqa: F401
from gongzhi.registry.tests.conftest import fast_password_hashing, staff  # noqa: F401
