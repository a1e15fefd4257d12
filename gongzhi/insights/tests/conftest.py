"""Fixtures of the intelligence tests: the case world of the cases app and bulk-made closed cases."""

import pytest

from gongzhi.cases.models import Case, CaseState, Category, Channel
from gongzhi.cases.tests.conftest import (  # noqa: F401  (fixtures)
    MONDAY,
    case_in,
    fast_passwords,
    new_case,
    noise,
    world,
)
from gongzhi.insights import corpus


@pytest.fixture
def closed_cases(tree):
    """``make(n, seed)``: n closed cases of the generated corpus in grid A1, written at once."""

    def make(n, seed=1, **options):
        categories = {c.code: c for c in Category.objects.all()}
        grid = tree["grid_a1"]
        start = Case.objects.count()
        rows = [Case(channel=Channel.HOTLINE_12345, category=categories[code], title=title, description=description,
                     grid=grid, region_code=grid.code, state=CaseState.CLOSED, number=f"T{seed:03d}{start + i:07d}",
                     created_at=MONDAY, closed_at=MONDAY)
                for i, (title, description, code) in enumerate(corpus.generate(n, seed=seed, **options))]
        return Case.objects.bulk_create(rows, batch_size=500)

    return make
