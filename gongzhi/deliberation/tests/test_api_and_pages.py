"""The API and the pages over the services: a resident raises, co-signs and votes; a secret ballot stays secret."""

import json

import pytest
from django.urls import reverse

from gongzhi.deliberation.models import Participation, Proposal, SecretBallot

from .test_votes import owners_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners(resident, add_dwelling):
    a, b = resident(), resident()
    add_dwelling("100", a[1])
    add_dwelling("60", b[1])
    return a, b


def test_a_resident_raises_and_co_signs_through_the_api(client, tree, resident):
    author, _p = resident()
    neighbour, _p = resident()
    client.force_login(author)
    response = client.post("/api/v1/deliberation/proposals", json.dumps(
        {"title": "增设快递柜", "body": "小区没有快递柜", "region": tree["grid_a1"].code}), content_type="application/json")
    assert response.status_code == 201, response.content
    proposal_id = response.json()["id"]
    refused = client.post("/api/v1/deliberation/proposals", json.dumps(
        {"title": "路灯", "body": "不亮", "region": tree["grid_b1"].code}), content_type="application/json")
    assert refused.status_code == 403 and "where you live" in refused.json()["detail"]
    client.force_login(neighbour)
    listed = client.get("/api/v1/deliberation/proposals").json()
    assert [p["id"] for p in listed["items"]] == [proposal_id]
    signed = client.post(f"/api/v1/deliberation/proposals/{proposal_id}/support")
    assert signed.status_code == 200 and signed.json()["supporter_count"] == 1
    again = client.post(f"/api/v1/deliberation/proposals/{proposal_id}/support")
    assert again.status_code == 422 and "already co-signed" in str(again.json()["errors"])


def test_a_secret_ballot_through_the_api_says_only_that_one_voted(client, staff, tree, compound, owners, window):
    vote = owners_vote(staff, tree, compound, window, secret=True)
    user, _person = owners[0]
    client.force_login(user)
    cast = client.post(f"/api/v1/deliberation/votes/{vote.pk}/ballot", json.dumps({"choice": "no"}),
                       content_type="application/json")
    assert cast.status_code == 201 and set(cast.json()) == {"vote_id", "cast_at", "channel"}
    twice = client.post(f"/api/v1/deliberation/votes/{vote.pk}/ballot", json.dumps({"choice": "yes"}),
                        content_type="application/json")
    assert twice.status_code == 422 and "nobody votes twice" in str(twice.json())
    shown = client.get(f"/api/v1/deliberation/votes/{vote.pk}").json()
    assert shown["me"] == {"linked": True, "on_roll": True, "voted": True,
                           "entries": [{"id": shown["me"]["entries"][0]["id"], "voted": True}]}
    assert shown["turnout"]["cast"] == 1 and shown["result"] == {}
    client.force_login(staff["community_a"])
    text = json.dumps(client.get(f"/api/v1/deliberation/votes/{vote.pk}").json())
    ballot_key = str(SecretBallot.objects.get().pk)
    assert ballot_key not in text and '"no"' not in text
    assert Participation.objects.get().choice == ""


def test_the_resident_pages_raise_sign_and_vote(client, staff, tree, compound, owners, window, resident):
    vote = owners_vote(staff, tree, compound, window)
    user, person = owners[1]
    client.force_login(user)
    home = client.get(reverse("deliberation_home"))
    assert home.status_code == 200 and vote.question in home.content.decode()
    raised = client.post(reverse("deliberation_new"), {"title": "修缮凉亭", "body": "凉亭漏雨",
                                                       "region": person.grid.code})
    assert raised.status_code == 302
    proposal = Proposal.objects.get(title="修缮凉亭")
    other, _p = resident()
    client.force_login(other)
    assert client.post(reverse("deliberation_support", args=[proposal.pk])).status_code == 302
    proposal.refresh_from_db()
    assert proposal.supporter_count == 1
    client.force_login(user)
    page = client.get(reverse("deliberation_vote", args=[vote.pk]))
    assert page.status_code == 200 and "Cast my ballot" in page.content.decode()
    cast = client.post(reverse("deliberation_vote", args=[vote.pk]), {"choice": "yes"})
    assert cast.status_code == 302
    assert "You have voted" in client.get(reverse("deliberation_vote", args=[vote.pk])).content.decode()
    client.force_login(staff["community_a"])
    staff_page = client.get(reverse("deliberation_staff_vote", args=[vote.pk]))
    assert staff_page.status_code == 200 and "Turnout: 1 of 2" in staff_page.content.decode()


def test_the_privacy_holder_finds_a_residents_rows_but_never_a_secret_ballot(staff, tree, compound, owners, window):
    from gongzhi.deliberation import services
    from gongzhi.privacy import holders

    user, person = owners[0]
    services.raise_proposal(actor=user, title="垃圾分类", body="增设厨余桶", region=tree["grid_a1"])
    vote = owners_vote(staff, tree, compound, window, secret=True)
    services.cast_ballot(actor=user, vote=vote, choice="yes")
    found = holders.find_all(holders.Subject(phone=person.phone, user_id=user.pk))
    mine = {f.model._meta.label: len(f.rows) for f in found if f.holder.app_label == "deliberation"}
    assert mine == {"deliberation.Proposal": 1, "deliberation.Participation": 1}
    assert all(f.model is not SecretBallot for f in found)
