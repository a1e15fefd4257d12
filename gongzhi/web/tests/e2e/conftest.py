"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against
pytest-django's live server.

Playwright's own browser download cannot work here, so the browser is the
system one (`make test` installs it with apt). Every page opened through
:class:`Watched` fails the test on a console error, an uncaught exception, a
failed request, an HTTP error answer, or a request to any host other than the
live server.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--headless"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1920, "height": 1080}
SCREENSHOTS = Path(__file__).resolve().parents[4] / "var" / "screenshots"
PASSWORD = "Gongzhi-test-2026"  # the make_user fixture's password

def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def browser(monkeypatch):
    """One browser per test, started after the test database is set up.

    Playwright's sync API runs an event loop in this thread; the test's own
    ORM calls (checking results) are still synchronous, so Django's async
    guard is lifted for the test alone (never in the environment of a
    subprocess started later: `check --deploy` rightly refuses it).

    Not a session fixture: while Playwright's event loop runs, Django's
    connection handler is context-local, so a test starting under a running
    loop would not see the serialized contents its rollback must restore.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"The browser tests need Debian's Chromium at {CHROMIUM}: run `make test` as root "
                    "(it installs it) or `sudo apt-get install chromium`.")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Watched:
    """A browser context whose pages report every problem into ``problems``."""

    def __init__(self, browser, base_url: str, *, viewport: dict, language: str | None = None, mobile=False):
        self.base_url = base_url
        self.host = urlsplit(base_url).netloc
        self.problems: list[str] = []
        self.context = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile,
                                           locale="zh-CN", timezone_id="Asia/Shanghai")
        if language:
            self.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
        self.context.on("request", self._on_request)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        # A request the browser itself aborted (the page moved on to the next one while a script
        # still loaded) is no fault of the page; a file that is missing answers 404, caught below.
        self.page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
                     and self.problems.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def _on_request(self, request):
        netloc = urlsplit(request.url).netloc
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if netloc != self.host:
            self.problems.append(f"request to another host: {request.url}")

    def go(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def sign_in(self, username: str):
        page = self.go("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        assert "/login/" not in page.url, f"{username} could not sign in"
        return page

    def close(self):
        self.context.close()
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def watched(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    opened: list[Watched] = []

    def open_context(**kwargs) -> Watched:
        context = Watched(browser, live_server.url, **kwargs)
        opened.append(context)
        return context

    yield open_context
    problems = []
    for context in opened:
        try:
            context.close()
        except AssertionError as exc:
            problems.append(str(exc))
    assert not problems, "\n".join(problems)
