"""Every page carries a Content-Security-Policy without 'unsafe-inline', and no page needs one
(issue 11, item 5).

The pages are walked as each role (and an anonymous visitor): every URL of the URL configuration
that takes no argument, then every link found on the way (the case, notice and admin pages of
real rows), one page per kind of address (its path, ids aside). Every response carries the policy; no HTML page
has an inline script (a ``<script>`` without ``src`` that is not a JSON data block), a
``style=`` or ``on…=`` attribute, or a ``<style>`` element without the request's nonce.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from gongzhi.accounts.roles import STAFF_ROLES
from gongzhi.cases.models import CaseState
from gongzhi.registry import services as registry

ROLES = ["anonymous", "resident", "grid_a1", "comm_a_staff", "dispatcher", "cg_clerk", "leader", "admin"]
# GET would change something or is not a page: never followed.
SKIP = re.compile(r"^/(static|media)/|/logout/|/read-all/|\.(xlsx|csv|jpg|png|webp)$|/attachments?/")
MAX_PAGES = 400  # per role; far more than there are kinds of page


class _Inline(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.links: list[str] = []
        self.styles_nonces: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self.problems.append("<script> without src")
        if tag == "style":
            self.styles_nonces.append(attrs.get("nonce"))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("href", "src", "action"):
            if (attrs.get(name) or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")


def _patterns(resolvers, prefix=""):
    """The paths of the URL configuration that take no argument."""
    for entry in resolvers:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + route.lstrip("^"))
        elif isinstance(entry, URLPattern) and "<" not in route and "(" not in route and "\\" not in route:
            yield "/" + (prefix + route).lstrip("^").rstrip("$")


def _kind(url: str) -> str:
    """One page per kind of address: ids become N, the query (filters, sorting) is left out."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


def _walk(client, start: list[str]) -> dict[str, int]:
    queue, seen, visited = list(start), set(), {}
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        if _kind(url) in seen or SKIP.search(urlsplit(url).path):
            continue
        seen.add(_kind(url))
        response = client.get(url)
        visited[url] = response.status_code
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, f"{url}: no policy ({policy!r})"
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, f"{url}: {policy}"
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        if response.status_code in (301, 302):
            queue.append(urljoin(url, response["Location"]))
            continue
        parser = _Inline()
        parser.feed(response.content.decode())
        assert not parser.problems, f"{url}: {parser.problems}"
        nonce = re.search(r"'nonce-([^']+)'", policy)
        for found in parser.styles_nonces:
            assert nonce and found == nonce.group(1), f"{url}: a <style> without the request's nonce"
        for href in parser.links:
            target = urljoin(url, href.split("#")[0])
            if target.startswith("/") and target not in visited:
                queue.append(target)
    return visited


@pytest.fixture
def rows(world, case_in, new_case):
    """Rows behind the detail pages: cases in several states, a person, a notice."""
    for state in (CaseState.RECEIVED, CaseState.DISPATCHED, CaseState.REPLIED, CaseState.CLOSED):
        case_in(state)
    registry.create_person(actor=world.users.comm_a_staff, name="张三", grid=world.tree["grid_a1"])
    for user in vars(world.users).values():
        user.is_staff = user.role in STAFF_ROLES
        user.is_superuser = user.username == "admin"
        user.save()
    return world


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_the_policy_and_no_inline_script_or_style(rows, client, role):
    if role != "anonymous":
        client.force_login(getattr(rows.users, role))
    # The JSON API answers with the same middleware: its docs page and one list stand for its operations.
    start = sorted(path for path in set(_patterns(get_resolver().url_patterns)) if not path.startswith("/api/"))
    start += ["/admin/", "/api/v1/docs", "/api/v1/openapi.json", "/api/v1/cases/"]
    visited = _walk(client, start)
    pages = [url for url, status in visited.items() if status == 200]
    assert "/api/v1/docs" in pages
    if role in ("comm_a_staff", "admin"):
        assert any(re.search(r"^/admin/\w+/\w+/\d+/change/", url) for url in pages), pages
    if role in ("dispatcher", "cg_clerk", "leader"):
        assert any(re.search(r"^/console/cases/\d+/", url) for url in pages), pages


def test_the_policy_admits_the_map_tiles_host_only(settings):
    from gongzhi.settings import _tile_origin

    assert _tile_origin("https://{s}.tiles.example.cn/{z}/{x}/{y}.png") == ["https://*.tiles.example.cn"]
    assert _tile_origin("http://t0.tianditu.gov.cn:8080/DataServer?x={x}") == ["http://t0.tianditu.gov.cn:8080"]
    assert _tile_origin("") == [] and _tile_origin("/tiles/{z}/{x}/{y}.png") == []
