"""Rows of the intelligence app for accounts/tests/test_scoping_proof.py."""

import datetime as dt

from gongzhi.insights.models import Alert, MonthlyTopic, RouterModel, ServicePoint
from gongzhi.insights.textmodel import TextModel


def router_model(n):
    model = TextModel(["路灯", "噪声"], [1.0, 1.0], [[1.0, -1.0], [-1.0, 1.0]], [0.0, 0.0], ["0102", "0201"])
    return RouterModel.objects.create(version=1000 + n, source="cases", artefact=model.to_bytes())


CATALOGUES = {RouterModel: router_model}


def alert(place, n):
    return Alert.objects.create(kind="spike", key=f"scoping:{place.code}:{n}", region_code=place.code,
                                title=f"预警{n}", reason="测试")


def topic(place, n):
    return MonthlyTopic.objects.create(region=place, month=dt.date(2020, 1 + n % 12, 1), title=f"每月一题{n}")


def service_point(place, n):
    return ServicePoint.objects.create(kind="clinic", name=f"卫生服务站{n}", grid=place, longitude=116.445,
                                       latitude=39.905)


FACTORIES = {Alert: alert, MonthlyTopic: topic, ServicePoint: service_point}
