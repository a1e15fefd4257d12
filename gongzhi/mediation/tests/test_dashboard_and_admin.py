"""The mediation panel of the leader's dashboard (figures from the events), and the admin of dispute types and
committees (configuration through the services, audited)."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.audit.models import AuditEvent
from gongzhi.mediation import services
from gongzhi.mediation.models import Committee, DisputeType

pytestmark = pytest.mark.django_db


def _figure(html: str, key: str) -> str:
    return re.search(rf'data-mediation-figure="{key}">([^<]*)<', html).group(1)


def test_the_leader_sees_the_mediation_figures_of_the_period(client, world, dispute_in):
    dispute_in("agreed")
    dispute_in("failed")
    dispute_in("withdrawn")
    client.force_login(world.users.leader)
    html = client.get("/dashboard/").content.decode()
    assert "data-mediation" in html
    assert _figure(html, "registered") == "3" and _figure(html, "agreed") == "1"
    assert _figure(html, "success_rate") == "50.0%"  # 1 agreed of 2 agreed or failed; the withdrawal in neither
    assert _figure(html, "criminal") == "0"
    assert "/api/v1/mediation/figures.xlsx?start=" in html
    client.force_login(world.users.police)  # department staff: no mediation figures
    assert "data-mediation" not in client.get("/dashboard/").content.decode()


def test_dispute_types_are_configured_through_the_service(world):
    with pytest.raises(PermissionDenied):
        services.save_dispute_type(actor=world.users.mediator, code="tenancy", name="房屋租赁")
    with pytest.raises(ValidationError) as refused:
        services.save_dispute_type(actor=world.users.admin, code="房屋 租赁", name="")
    assert set(refused.value.message_dict) == {"code", "name"}
    assert not DisputeType.objects.filter(name="房屋租赁").exists()
    made = services.save_dispute_type(actor=world.users.admin, code="tenancy", name="房屋租赁", name_en="Tenancy",
                                      order=20)
    changed = services.save_dispute_type(actor=world.users.admin, code="tenancy", name="房屋租赁", is_active=False,
                                         order=20)
    assert changed.pk == made.pk and not changed.is_active
    assert AuditEvent.objects.filter(action="mediation.type.save").count() == 2


def test_the_admin_adds_a_type_and_retires_a_committee(client, world):
    admin = world.users.admin
    admin.is_staff = True  # the admin site is for staff accounts
    admin.save(update_fields=["is_staff"])
    client.force_login(admin)
    response = client.post("/admin/mediation/disputetype/add/", {"code": "tenancy", "name": "房屋租赁",
                                                                 "name_en": "Tenancy", "order": "20",
                                                                 "is_active": "on"})
    assert response.status_code == 302 and DisputeType.objects.get(code="tenancy").name == "房屋租赁"
    bad = client.post("/admin/mediation/disputetype/add/", {"code": "Bad Code", "name": "x", "order": "1"})
    assert bad.status_code == 200 and not DisputeType.objects.filter(name="x").exists()
    committee = world.committees.medical
    response = client.post(f"/admin/mediation/committee/{committee.pk}/change/",
                           {"tier": "county", "trade": "medical"})  # is_active unticked
    assert response.status_code == 302
    committee.refresh_from_db()
    assert not committee.is_active and AuditEvent.objects.filter(action="mediation.committee.save").exists()
    assert client.get(f"/admin/mediation/committee/{committee.pk}/delete/").status_code == 403
    client.force_login(world.users.comm_staff)
    assert client.get("/admin/mediation/disputetype/").status_code in (302, 403)
    assert Committee.objects.filter(is_active=True).count() == 4
