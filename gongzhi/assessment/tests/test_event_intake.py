"""Events from other systems: signed requests become cases once; bad and replayed signatures are refused."""

import json
import time

import pytest
from django.test import Client

from gongzhi.assessment import intake
from gongzhi.assessment.models import ExternalEvent
from gongzhi.cases.models import Case, Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(world):
    made, secret = intake.create_source(actor=world.users.admin, code="xueliang", name="雪亮工程视频平台",
                                        region=world.tree["street"], category=Category.objects.get(code="0201"),
                                        per_minute=5)
    return made, secret


def post(body, secret, *, timestamp=None, signature=None, code="xueliang"):
    raw = json.dumps(body, ensure_ascii=False).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    signature = intake.sign(secret, timestamp, raw) if signature is None else signature
    return Client().post(f"/hooks/events/{code}/", raw, content_type="application/json",
                         headers={"X-Gongzhi-Timestamp": timestamp, "X-Gongzhi-Signature": signature})


EVENT = {"external_id": "CAM-0042-20250915", "title": "占道经营", "description": "视频识别：路口占道经营",
         "lon": 116.445, "lat": 39.905, "evidence_url": "https://video.example/clip/42"}


def test_an_event_becomes_one_case_however_often_it_is_sent(source):
    made, secret = source
    first = post(EVENT, secret)
    assert first.status_code == 201, first.content
    case = Case.objects.get(pk=first.json()["case"])
    assert case.channel == "api" and case.region_code == "110105001001001" and case.title == "占道经营"
    again = post(EVENT, secret, timestamp=str(int(time.time()) + 1))  # a retry, newly signed
    assert again.status_code == 200 and again.json()["case"] == case.pk and not again.json()["created"]
    assert Case.objects.count() == 1 and ExternalEvent.objects.get().evidence_url == EVENT["evidence_url"]
    from datetime import timedelta

    from django.utils import timezone
    from gongzhi.accounts.models import User

    admin = User.objects.get(username="admin")
    counted = intake.counts_by_source(admin, timezone.now() - timedelta(hours=1), timezone.now() + timedelta(hours=1))
    assert counted == [{"source": "xueliang", "name": "雪亮工程视频平台", "cases": 1}]


def test_bad_stale_and_replayed_signatures_are_refused_and_change_nothing(source):
    made, secret = source
    assert post(EVENT, secret, signature="0" * 64).status_code == 401
    assert post(EVENT, "another secret").status_code == 401
    assert post(EVENT, secret, timestamp=str(int(time.time()) - 3600)).status_code == 401
    assert post(EVENT, secret, code="nobody").status_code == 401
    assert post(EVENT, secret, timestamp="soon").status_code == 401
    assert not Case.objects.exists()
    stamp = str(int(time.time()))
    assert post(EVENT, secret, timestamp=stamp).status_code == 201
    replay = post(EVENT, secret, timestamp=stamp)
    assert replay.status_code == 409 and Case.objects.count() == 1


def test_bad_input_and_the_rate_limit(source):
    made, secret = source
    bad = post({"external_id": "", "evidence_url": "javascript:alert(1)", "lon": 116.445, "lat": 39.905}, secret)
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"external_id", "evidence_url"}
    outside = post({**EVENT, "external_id": "far", "lon": 120.0, "lat": 30.0}, secret)
    assert outside.status_code == 422
    assert not Case.objects.exists()
    for n in range(5):
        assert post({**EVENT, "external_id": f"E{n}"}, secret, timestamp=str(int(time.time()) + n)).status_code == 201
    assert post({**EVENT, "external_id": "E9"}, secret, timestamp=str(int(time.time()) + 9)).status_code == 429
    assert Case.objects.count() == 5


def test_the_command_registers_a_source_and_prints_its_secret_once(world):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_event_source", "sensors", "燃气报警传感器", region=world.tree["street"].code,
                 category="0201", per_minute=10, stdout=out)
    code, secret = out.getvalue().strip().split("\t")
    assert code == "sensors" and len(secret) > 30
    response = post({**EVENT, "external_id": "GAS-1"}, secret, code="sensors")
    assert response.status_code == 201
