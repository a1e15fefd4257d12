"""The world of the case tests (units, staff, points in grids), reused."""

from gongzhi.cases.tests.conftest import (  # noqa: F401 - fixtures
    case_in,
    fast_passwords,
    new_case,
    noise,
    world,
)
