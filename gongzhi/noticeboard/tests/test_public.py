"""The anonymous visitor of a community's public pages reads the live notices of its community and above."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from gongzhi.accounts.actors import PublicVisitor
from gongzhi.core.scoping import scope_of, scope_queryset
from gongzhi.noticeboard.models import Notice
from gongzhi.noticeboard.services import publish_notice

pytestmark = pytest.mark.django_db


def test_the_anonymous_visitor_reads_notices_published_for_its_community_and_above(tree):
    now = timezone.now()
    live = Notice.objects.create(title="停水", body="周六停水", region=tree["comm_a"])
    street = Notice.objects.create(title="街道通知", body="全街道", region=tree["street"])
    withdrawn = Notice.objects.create(title="撤回", body="x", region=tree["comm_a"], unpublished_at=now)
    later = Notice.objects.create(title="未到", body="x", region=tree["comm_a"], publish_at=now + timedelta(days=1))
    other = Notice.objects.create(title="光华里", body="x", region=tree["comm_b"])
    visitor = PublicVisitor.of(tree["comm_a"])
    assert set(scope_queryset(Notice.objects.all(), visitor)) == {live, street}
    assert {withdrawn, later, other}.isdisjoint(scope_queryset(Notice.objects.all(), visitor))
    assert not scope_of(visitor).covers_code(tree["comm_a"].code)  # it reads; it never acts in an area
    with pytest.raises(PermissionDenied):
        publish_notice(actor=visitor, title="x", body="x", region=tree["comm_a"])
