"""Rows of the intelligence app for accounts/tests/test_scoping_proof.py."""

from gongzhi.insights.models import RouterModel
from gongzhi.insights.textmodel import TextModel


def router_model(n):
    model = TextModel(["路灯", "噪声"], [1.0, 1.0], [[1.0, -1.0], [-1.0, 1.0]], [0.0, 0.0], ["0102", "0201"])
    return RouterModel.objects.create(version=1000 + n, source="cases", artefact=model.to_bytes())


CATALOGUES = {RouterModel: router_model}
FACTORIES = {}
