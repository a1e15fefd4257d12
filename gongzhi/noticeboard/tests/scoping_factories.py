"""Notices placed in a region, for accounts/tests/test_scoping_proof.py."""

from gongzhi.noticeboard.models import Notice


def notice(place, n):
    return Notice.objects.create(title=f"通知{n}", body="停水通知", region=place)


FACTORIES = {Notice: notice}
