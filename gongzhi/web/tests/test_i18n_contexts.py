"""One English word, two meanings, two Chinese words: the catalogue keeps them apart by context.

"Dispatched" is a state (已派单) and a ranking column counting cases (派单量);
"Reply" is an action (答复), the heading over the reply's text (答复内容) and a
photo's purpose (答复照片); "Report" a photo's purpose (诉求照片) and the patrol
page's button (上报); "new" an unread notification's badge (新); "Received" a
state (已受理) and the dashboard's count of the period (受理量).
"""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from gongzhi.cases import machine
from gongzhi.cases.models import AttachmentPurpose, CaseState
from gongzhi.notifications.models import Notification
from gongzhi.web.views.dashboard import TILE_LABELS


def test_labels_of_the_same_word_differ_by_meaning_in_chinese():
    with translation.override("zh-hans"):
        assert str(CaseState.DISPATCHED.label) == "已派单"
        assert gettext("Dispatched") == "派单量"  # the ranking's column (web/dashboard_data.py)
        assert str(CaseState.RECEIVED.label) == "已受理"
        assert str(TILE_LABELS["received"]) == "受理量"
        assert str(machine.Action.REPLY.label) == "答复"
        assert str(AttachmentPurpose.REPLY.label) == "答复照片"
        assert str(AttachmentPurpose.REPORT.label) == "诉求照片"
    with translation.override("en"):
        assert str(CaseState.DISPATCHED.label) == "Dispatched" and str(TILE_LABELS["received"]) == "Received"
        assert str(machine.Action.REPLY.label) == str(AttachmentPurpose.REPLY.label) == "Reply"


@pytest.mark.django_db
def test_the_pages_use_the_word_of_their_meaning(world, signed_in, case_in):
    replied = case_in(CaseState.REPLIED)
    client = signed_in(world.users.dispatcher, language="zh-hans")
    html = client.get(f"/console/cases/{replied.pk}/").content.decode()
    assert "<h2>答复内容</h2>" in html and "已答复" in html
    patrol = signed_in(world.users.grid_a1, language="zh-hans").get("/grid/patrol/").content.decode()
    assert ">上报</button>" in patrol
    Notification.objects.create(user=world.users.resident, kind="case.replied", title="您的诉求已办结")
    inbox = signed_in(world.users.resident, language="zh-hans").get("/inbox/").content.decode()
    assert '<span class="badge">新</span>' in inbox
