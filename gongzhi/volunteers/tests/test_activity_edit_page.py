"""The console's activity edit page: the form shows the activity; a change goes through change_activity."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.volunteers.services import activities

pytestmark = pytest.mark.django_db


def test_staff_change_an_activity_and_bad_input_changes_nothing(client, world):
    starts = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    activity = activities.create_activity(
        actor=world.users.staff_a, region=world.tree["comm_a"], title="楼道清扫", place="3号楼", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2), slots=5, publish=True)
    client.force_login(world.users.staff_a)
    url = f"/console/volunteers/activities/{activity.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200 and "楼道清扫" in page.content.decode()
    local = timezone.localtime(starts).strftime("%Y-%m-%dT%H:%M")
    form = {"region": world.tree["comm_a"].code, "title": "楼道大扫除", "place": "3号楼", "starts_at": local,
            "ends_at": timezone.localtime(starts + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"), "slots": "8",
            "points": "5"}
    assert client.post(url, form).status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.slots, activity.points) == ("楼道大扫除", 8, 5)
    refused = client.post(url, {**form, "title": "", "slots": "0"})
    assert refused.status_code == 400
    activity.refresh_from_db()
    assert activity.title == "楼道大扫除" and activity.slots == 8
    client.force_login(world.users.staff_b)
    assert client.get(url).status_code == 404
