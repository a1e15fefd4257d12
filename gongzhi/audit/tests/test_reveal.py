"""The one reveal of personal data: a real reason, a burst limit and a daily cap per user, the
supervisor alerted once, and no two concurrent reveals past the cap (issue #11 item 10, #13 item 5)."""

import ast
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

import gongzhi
from gongzhi.accounts.models import ApiKey, Unit, UnitKind
from gongzhi.accounts.roles import Role
from gongzhi.audit import reveal as revealing
from gongzhi.audit.models import AuditEvent
from gongzhi.audit.reveal import REVEAL_ACTIONS, RevealRefused, clean_reason

ACTION = "registry.person.reveal"


@pytest.fixture
def alerts(monkeypatch):
    """The alerts raised, recorded instead of (as well as) being sent."""
    raised = []
    monkeypatch.setattr(revealing, "_alert_handlers",
                        [*revealing._alert_handlers, lambda **kwargs: raised.append(kwargs)])
    return raised


@pytest.fixture
def limits(settings):
    settings.REVEAL_REASON_MIN_CHARS = 4
    settings.REVEAL_BURST = 3
    settings.REVEAL_BURST_SECONDS = 3600
    settings.REVEAL_DAILY_CAP = 5
    return settings


@pytest.fixture
def clerk(tree, make_user):
    unit = Unit.objects.create(code="U-YAL", name="永安里社区居委会", kind=UnitKind.COMMUNITY_COMMITTEE,
                               region=tree["comm_a"])
    return make_user("clerk", Role.COMMUNITY_STAFF, region=tree["comm_a"], unit=unit)


def look(actor, n=1, reason="核对身份信息"):
    for i in range(n):
        revealing.reveal(actor=actor, action=ACTION, reason=reason, object_type="registry.person", object_id=str(i))


def reveals(actor=None):
    events = AuditEvent.objects.filter(action=ACTION)
    return events.filter(actor_id=actor.pk) if actor is not None else events


@pytest.mark.parametrize("reason", [
    "", "   ", "ab", "\u200b\u200b", "a\u200bb\u200c\u200d\ufeff", "\u202eab", "ab\x1b\x07\x7f", "\u3164\u3164\u3164\u3164",
    "回", "\u2060\u2060\u2060\u2060\u2060",
])
def test_a_reason_without_enough_visible_characters_is_refused(settings, reason):
    settings.REVEAL_REASON_MIN_CHARS = 4
    with pytest.raises(ValidationError) as caught:
        clean_reason(reason)
    assert list(caught.value.message_dict) == ["reason"]


@pytest.mark.parametrize("reason, kept", [
    ("核对身份", "核对身份"), ("回访", "回访"), ("call back", "call back"), ("  回访\u200b核实  ", "回访核实"),
    ("core\u202eissue", "coreissue"), ("line one\nline two", "line one line two"),
])
def test_visible_characters_count_and_invisible_ones_are_removed(settings, reason, kept):
    settings.REVEAL_REASON_MIN_CHARS = 4
    assert clean_reason(reason) == kept


def test_the_minimum_is_a_setting(settings):
    settings.REVEAL_REASON_MIN_CHARS = 10
    with pytest.raises(ValidationError, match="at least 10 visible characters"):
        clean_reason("核对身份")
    assert clean_reason("核对低保身份") == "核对低保身份"


@pytest.mark.django_db
def test_a_refused_reason_leaves_no_event(clerk, limits):
    with pytest.raises(ValidationError):
        look(clerk, reason="\u200b\u200b")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_reveal_is_recorded_with_the_cleaned_reason(clerk, limits):
    look(clerk, reason="核对\u200b身份\u202e")
    event = reveals(clerk).get()
    assert event.reason == "核对身份" and event.object_id == "0"


@pytest.mark.django_db
def test_over_the_burst_the_reveal_is_refused_and_the_supervisor_alerted_once(clerk, limits, alerts):
    look(clerk, 3)
    for _attempt in range(3):
        with pytest.raises(RevealRefused) as caught:
            look(clerk)
        assert caught.value.limit == "burst"
        assert "wait a moment" in str(caught.value)
    assert reveals(clerk).count() == 3
    refusals = AuditEvent.objects.filter(action=revealing.REFUSED, actor_id=clerk.pk)
    assert refusals.count() == 3
    assert [r.changes["alerted"] for r in refusals.order_by("pk")] == [True, False, False]
    assert len(alerts) == 1 and alerts[0]["actor"] == clerk and alerts[0]["limit"] == "burst"


@pytest.mark.django_db
def test_over_the_daily_cap_the_reveal_is_refused_and_the_supervisor_alerted_once(clerk, limits, alerts):
    limits.REVEAL_BURST = 100
    look(clerk, 5)
    for _attempt in range(2):
        with pytest.raises(RevealRefused) as caught:
            look(clerk)
        assert caught.value.limit == "daily"
        assert "today's limit of 5" in str(caught.value)
    assert reveals(clerk).count() == 5
    assert len(alerts) == 1 and alerts[0]["limit"] == "daily" and alerts[0]["count"] == 5


@pytest.mark.django_db
def test_the_limits_are_per_user(clerk, limits, make_user, tree):
    look(clerk, 3)
    other = make_user("other", Role.COMMUNITY_STAFF, region=tree["comm_a"])
    look(other, 3)
    assert reveals(other).count() == 3


@pytest.mark.django_db
def test_an_api_key_has_its_own_limits(clerk, limits, alerts):
    key = ApiKey.objects.create(name="民政对接", key_prefix="gz_test", key_hash="h" * 64, unit=clerk.unit,
                                capabilities=["registry.reveal"])
    look(key, 3)
    look(clerk, 3)  # the key's reveals do not count for the clerk, nor the other way round
    with pytest.raises(RevealRefused):
        look(key)
    assert AuditEvent.objects.filter(action=ACTION, changes__api_key=key.pk).count() == 3
    assert len(alerts) == 1 and alerts[0]["actor"] == key


@pytest.mark.django_db
def test_only_known_reveal_actions_are_counted(clerk, limits):
    with pytest.raises(ValueError):
        revealing.reveal(actor=clerk, action="registry.person.peek", reason="核对身份信息")


def _race(actor_pk, n):
    """``n`` reveals by one user, each in its own thread and connection, released at the same instant."""
    from gongzhi.accounts.models import User

    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def run(index):
        try:
            actor = User.objects.get(pk=actor_pk)
            barrier.wait(timeout=10)
            look(actor)
            outcomes[index] = "revealed"
        except RevealRefused:
            outcomes[index] = "refused"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_reveals_cannot_pass_the_cap(clerk, limits):
    limits.REVEAL_BURST = 100
    look(clerk, 3)
    outcomes = _race(clerk.pk, 8)
    assert sorted(outcomes) == ["refused"] * 6 + ["revealed"] * 2, outcomes
    assert reveals(clerk).count() == 5


def _strings(node):
    """The string constants an ``action=`` expression can take (``"a" if x else "b"`` gives both)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def test_no_reveal_is_recorded_except_through_the_one_helper():
    """A reveal written with ``record()`` directly would skip the reason rule and the limits."""
    root = Path(gongzhi.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        if {"tests", "migrations"} & set(path.relative_to(root).parts) or path == Path(revealing.__file__):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name != "record":
                continue
            for keyword in node.keywords:
                if keyword.arg == "action" and any(a in REVEAL_ACTIONS or "reveal" in a
                                                   for a in _strings(keyword.value)):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not found, f"reveals recorded without gongzhi.audit.reveal.reveal(): {found}"
