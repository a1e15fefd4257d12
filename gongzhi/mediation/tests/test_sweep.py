"""The mediation's deadlines and reminders through the periodic sweep: each said once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.mediation import sweep
from gongzhi.mediation.models import Agreement
from gongzhi.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_overdue_mediation_is_said_once(world, dispute_in):
    dispute = dispute_in("mediating")
    later = dispute.due_at + timedelta(hours=1)
    assert sweep.sweep(later)["overdue"] == 1
    assert sweep.sweep(later)["overdue"] == 0
    assert dispute.events.filter(action="overdue").count() == 1
    assert Notification.objects.filter(user=world.users.mediator, kind="mediation.overdue").count() == 1
    dispute.refresh_from_db()
    assert dispute.version == dispute.version  # a note: the mediator's concurrent action is never a conflict


def test_due_soon_alert(world, dispute_in):
    dispute = dispute_in("assigned")
    counts = sweep.sweep(dispute.due_at - timedelta(days=1))
    assert counts["due_alert"] == 1 and dispute.events.filter(action="deadline_alert").count() == 1


def test_performance_reminders_before_and_after(world, dispute_in):
    dispute = dispute_in("agreed")
    agreement = Agreement.objects.get(dispute=dispute)
    Agreement.objects.filter(pk=agreement.pk).update(performance_due=timezone.localdate() + timedelta(days=1))
    assert sweep.sweep()["performance_before"] == 1
    Agreement.objects.filter(pk=agreement.pk).update(performance_due=timezone.localdate() - timedelta(days=1))
    counts = sweep.sweep()
    assert counts["performance_after"] == 1 and counts["performance_before"] == 0
    assert sweep.sweep()["performance_after"] == 0
