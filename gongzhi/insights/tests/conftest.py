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


@pytest.fixture
def tiny_model(db):
    """An active model that knows two words: 水管 → 供水 (0104), 施工 → 噪声扰民 (0201)."""
    from gongzhi.insights.models import RouterModel
    from gongzhi.insights.textmodel import TextModel

    model = TextModel(["水管", "施工"], [1.0, 1.0], [[8.0, -8.0], [-8.0, 8.0]], [0.0, 0.0], ["0104", "0201"])
    return RouterModel.objects.create(version=1, source="cases", artefact=model.to_bytes(), is_active=True,
                                      labels={"0104": "城乡建设/供水", "0201": "环境保护/噪声扰民"}, macro_f1=0.95)


@pytest.fixture
def water_rule(world):
    from gongzhi.cases.models import RoutingRule

    return RoutingRule.objects.create(category=Category.objects.get(code="0104"), region=None, unit=world.units.water)


@pytest.fixture
def pipe_case(world):
    """Filed under 噪声扰民 (0201), but the text is about a burst pipe."""
    from gongzhi.cases import services

    return services.create_case(actor=world.users.resident, channel="web", category=Category.objects.get(code="0201"),
                                title="楼下水管爆了", description="楼下水管爆了，到处是水。", lon=116.445, lat=39.905,
                                at=MONDAY)


@pytest.fixture
def put_cases(tree):
    """``put(n, grid, at, title=, description=, code=, address=, state=)``: n cases written at once."""
    import itertools

    counter = itertools.count()
    categories = {c.code: c for c in Category.objects.all()}

    def put(n, grid, at, *, title="路灯不亮", description="小区路灯晚上不亮", code="0102", address="",
            state=CaseState.RECEIVED, texts=None):
        grid = tree[grid] if isinstance(grid, str) else grid
        texts = texts or [(title, description, code)] * n
        rows = [Case(channel=Channel.WEB, category=categories[c], title=t, description=d, grid=grid,
                     region_code=grid.code, state=state, address=address, number=f"P{next(counter):09d}",
                     created_at=at)
                for t, d, c in texts[:n]]
        return Case.objects.bulk_create(rows)

    return put
