"""No log line written during the test session may hold a phone or ID number in clear (#11 item 9).

A pytest plugin, loaded by ``gongzhi/conftest.py``: a handler on the root
logger for the whole session sees every record, passes it through the filters
of the handlers ``settings.LOGGING`` configured (as the product writes it) and
formats it as the production JSON line (message, extras such as a request and
its query string, exception). A line in which
:func:`gongzhi.core.crypto.personal_numbers` finds a number, as written or
percent-decoded, fails the test during which it was written; one written
outside any test fails the session. Tests of the masking itself hand records
to a handler directly, not through a logger.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

import pytest
from django.conf import settings

from gongzhi.core import crypto
from gongzhi.ops.logs import JsonFormatter


def numbers_in(line: str) -> list[str]:
    """The kinds of the personal numbers in a log line, as written or percent-decoded."""
    found = crypto.personal_numbers(line) or crypto.personal_numbers(unquote_plus(line))
    return [number.kind for number in found]


class LeakCatcher(logging.Handler):
    """Keeps each log line that would be written with a number in clear (masked, to say where)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.leaks: list[str] = []
        self.reported = 0
        self.outside: list[str] = []  # written between tests (session fixtures)
        self.formatter_ = JsonFormatter()

    def product_handlers(self) -> list[logging.Handler]:
        configured = set(settings.LOGGING.get("handlers", {}))
        return [h for h in logging.getLogger().handlers if h is not self and h.get_name() in configured]

    def emit(self, record):
        try:
            lines = []
            for handler in self.product_handlers() or [None]:
                written = handler.filter(record) if handler is not None else record
                if written:
                    lines.append(self.formatter_.format(written if isinstance(written, logging.LogRecord)
                                                        else record))
            for line in lines:
                kinds = numbers_in(line)
                if kinds:
                    self.leaks.append(f"{record.name} {record.levelname} ({', '.join(kinds)}): "
                                      f"{crypto.mask_free_text(unquote_plus(line))[:500]}")
        except Exception as exc:  # the check must not hide the record's own failure
            self.leaks.append(f"{record.name}: the log check could not format the record ({exc!r})")

    def install(self):
        root = logging.getLogger()
        if self not in root.handlers:  # dictConfig (a test reconfiguring logging) replaces root's handlers
            root.addHandler(self)

    def unreported(self) -> list[str]:
        new, self.reported = self.leaks[self.reported:], len(self.leaks)
        return new


@pytest.fixture(scope="session", autouse=True)
def log_leak_catcher():
    catcher = LeakCatcher()
    catcher.install()
    yield catcher
    logging.getLogger().removeHandler(catcher)
    if leaks := catcher.outside + catcher.unreported():
        pytest.fail("Log lines written outside a test hold phone or ID numbers in clear:\n" + "\n".join(leaks),
                    pytrace=False)


@pytest.fixture(autouse=True)
def no_personal_numbers_in_logs(log_leak_catcher):
    """Fails the test if a log line written during it holds a phone or ID number in clear."""
    log_leak_catcher.install()
    log_leak_catcher.outside += log_leak_catcher.unreported()  # written since the last test: the session's
    yield
    if leaks := log_leak_catcher.unreported():
        pytest.fail("Log lines hold phone or ID numbers in clear (mask them: gongzhi.ops.logs):\n"
                    + "\n".join(leaks), pytrace=False)
