"""A grid named like markup shows as text on the map: nothing runs (issue 11, item 5). The page's
CSP and the map's textContent both hold; a CSP violation or script error fails the test (Watched)."""

from __future__ import annotations

import pytest

from .conftest import DESKTOP

NAME = '<img src=x onerror="window.__xss=1">网格'


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_grid_named_like_markup_shows_as_text_on_the_map(world, watched):
    grid = world.tree["grid_a1"]
    grid.name = NAME
    grid.save()
    worker = watched(viewport=DESKTOP, language="en")
    worker.sign_in("grid_a1")
    page = worker.go("/grid/map/")
    page.wait_for_selector("#grid-map[data-ready]")
    # The grid's name is its label on the map (a permanent tooltip), inserted as text.
    assert NAME in [t.strip() for t in page.locator("#grid-map .map-label.grid").all_inner_texts()]
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.evaluate("() => window.__xss") is None
    page.wait_for_load_state("networkidle")  # the icon's request is not cut off by the end of the test


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_docs_load_swagger_ui_from_this_server(world, watched):
    """No CDN, no inline script: a request to another host or a CSP violation fails the test."""
    reader = watched(viewport=DESKTOP)
    reader.sign_in("admin")
    page = reader.go("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20_000)
    assert "Gongzhi API" in page.inner_text(".swagger-ui .info")
    page.wait_for_load_state("networkidle")
