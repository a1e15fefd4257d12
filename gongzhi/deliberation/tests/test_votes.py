"""Votes through the services: the roll frozen from the registry, casting, proxies, paper, the close and tally."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.deliberation import services
from gongzhi.deliberation.models import (
    ItemState,
    Outcome,
    Participation,
    RollChange,
    RollEntry,
    SecretBallot,
    Vote,
    VoteState,
)
from gongzhi.deliberation.services import votes as vote_services

PDF = b"%PDF-1.4\n% authorisation\n"


def deliberated_item(staff, tree, compound=None):
    item = services.create_item(actor=staff["community_a"], region=tree["grid_a1"], title="更换小区大门",
                                compound=compound)
    item = services.schedule_item(actor=staff["community_a"], item=item)
    return services.deliberate(actor=staff["community_a"], item=item)


@pytest.fixture
def owners(staff, tree, resident, add_dwelling):
    """Owner A holds two dwellings (80 + 40 m²); B and C co-own one (100 m²); D holds one (90 m²);
    one dwelling has no exclusive area yet; one has no owner."""
    a, b, c, d = (resident() for _ in range(4))
    add_dwelling("80", a[1])
    add_dwelling("40", a[1])
    add_dwelling("100", b[1], c[1])
    add_dwelling("90", d[1])
    add_dwelling(None, d[1])
    add_dwelling("70")
    return {"a": a, "b": b, "c": c, "d": d}


def owners_vote(staff, tree, compound, window, *, item_no=9, secret=False, proxies=True):
    item = deliberated_item(staff, tree, compound)
    vote = services.create_vote(actor=staff["community_a"], item=item, question="是否更换大门？", electorate="owners",
                                art278_item=item_no, opens_at=window[0], closes_at=window[1], secret=secret,
                                proxies_allowed=proxies, compound=compound)
    return services.open_vote(actor=staff["community_a"], vote=vote)


def test_the_owners_roll_counts_several_dwellings_once_and_co_owners_as_one(staff, tree, compound, owners, window):
    vote = owners_vote(staff, tree, compound, window)
    entries = {e.key: e for e in RollEntry.objects.filter(vote=vote)}
    a, b, c, d = (owners[k][1].pk for k in "abcd")
    assert set(entries) == {f"owners:{a}", f"owners:{min(b, c)}+{max(b, c)}", f"owners:{d}"}
    assert entries[f"owners:{a}"].area == Decimal("120.00")
    assert entries[f"owners:{a}"].dwellings.count() == 2
    assert entries[f"owners:{d}"].area == Decimal("90.00")  # the dwelling without an area is left off
    assert vote.result["roll"] == {"dwellings": 6, "without_exclusive_area": 1, "without_owner": 1, "entries": 3}
    assert vote.item.state == ItemState.VOTING
    assert AuditEvent.objects.filter(action="deliberation.vote.open", object_id=str(vote.pk)).exists()


def test_each_co_owner_may_vote_for_their_dwelling_but_only_once_between_them(staff, tree, compound, owners, window):
    vote = owners_vote(staff, tree, compound, window)
    services.cast_ballot(actor=owners["b"][0], vote=vote, choice="yes")
    with pytest.raises(ValidationError, match="nobody votes twice"):
        services.cast_ballot(actor=owners["c"][0], vote=vote, choice="no")
    with pytest.raises(ValidationError, match="nobody votes twice"):
        services.cast_ballot(actor=owners["b"][0], vote=vote, choice="no")
    assert Participation.objects.filter(vote=vote).count() == 1
    assert Vote.objects.get(pk=vote.pk).cast_count == 1


def test_close_tallies_with_every_figure_and_decides_the_item(staff, tree, compound, owners, window):
    vote = owners_vote(staff, tree, compound, window)
    services.cast_ballot(actor=owners["a"][0], vote=vote, choice="yes")
    services.cast_ballot(actor=owners["d"][0], vote=vote, choice="no")
    with pytest.raises(ValidationError, match="cannot be tallied before"):
        services.close_vote(actor=staff["community_a"], vote=vote)
    closed = services.close_vote(actor=staff["community_a"], vote=vote, at=window[1])
    assert closed.state == VoteState.CLOSED
    assert closed.result["explanation"] == (
        "participation by area: 67.7 % ≥ 66.7 % (210 of 310 m²), participation by headcount: 66.7 % ≥ 66.7 % "
        "(2 of 3); approval by area: 57.1 % > 50 % (120 of 210 m²), approval by headcount: 50.0 % ≤ 50 % (1 of 2) "
        "→ rejected")
    item = closed.item
    item.refresh_from_db()
    assert item.state == ItemState.DECIDED and item.outcome == Outcome.REJECTED
    assert vote_services.tally(closed).explanation() == closed.result["explanation"]  # the same ballots, the same
    with pytest.raises(ValidationError, match="closed at"):
        services.cast_ballot(actor=owners["b"][0], vote=closed, choice="yes", at=window[1])


def test_ballots_cannot_be_cast_outside_the_window_and_nothing_changes(staff, tree, compound, owners):
    now = timezone.now()
    vote = owners_vote(staff, tree, compound, (now + dt.timedelta(hours=1), now + dt.timedelta(days=1)))
    with pytest.raises(ValidationError, match="not open yet"):
        services.cast_ballot(actor=owners["a"][0], vote=vote, choice="yes")
    with pytest.raises(ValidationError, match="closed at"):
        services.cast_ballot(actor=owners["a"][0], vote=vote, choice="yes", at=now + dt.timedelta(days=2))
    assert not Participation.objects.exists() and Vote.objects.get(pk=vote.pk).cast_count == 0


def test_an_ineligible_voter_is_refused(staff, tree, compound, owners, window, resident):
    vote = owners_vote(staff, tree, compound, window)
    tenant, _person = resident()
    with pytest.raises(PermissionDenied, match="not on the roll"):
        services.cast_ballot(actor=tenant, vote=vote, choice="yes")
    stranger = type(tenant).objects.create(username="nobody", role="resident", phone="13900000000")
    with pytest.raises(PermissionDenied, match="not linked to a resident"):
        services.cast_ballot(actor=stranger, vote=vote, choice="yes")
    with pytest.raises(ValidationError, match="yes, no or abstain"):
        services.cast_ballot(actor=owners["a"][0], vote=vote, choice="maybe")
    assert not Participation.objects.exists()


def test_a_proxy_needs_the_written_authorisation_and_a_rule_that_allows_it(staff, tree, compound, owners, window,
                                                                          resident):
    vote = owners_vote(staff, tree, compound, window)
    proxy, _person = resident()
    entry = RollEntry.objects.get(vote=vote, key=f"owners:{owners['d'][1].pk}")
    with pytest.raises(ValidationError, match="written authorisation"):
        services.cast_ballot(actor=proxy, vote=vote, choice="yes", entry=entry, by_proxy=True)
    with pytest.raises(ValidationError, match="PDF, JPEG or PNG"):
        services.cast_ballot(actor=proxy, vote=vote, choice="yes", entry=entry, by_proxy=True,
                             authorisation=io.BytesIO(b"not a document"))
    assert not Participation.objects.exists()
    cast = services.cast_ballot(actor=proxy, vote=vote, choice="yes", entry=entry, by_proxy=True,
                                authorisation=io.BytesIO(PDF))
    assert cast.by_proxy and cast.authorisation.name.endswith(".pdf") and cast.entry == entry

    no_proxies = owners_vote(staff, tree, compound, window, proxies=False)
    entry = RollEntry.objects.get(vote=no_proxies, key=f"owners:{owners['d'][1].pk}")
    with pytest.raises(ValidationError, match="does not allow voting by proxy"):
        services.cast_ballot(actor=proxy, vote=no_proxies, choice="yes", entry=entry, by_proxy=True,
                             authorisation=io.BytesIO(PDF))


def test_a_residents_meeting_refuses_proxies_when_created(staff, tree, window):
    item = deliberated_item(staff, tree)
    with pytest.raises(ValidationError) as caught:
        services.create_vote(actor=staff["community_a"], item=item, question="议题", rule="residents_meeting",
                             electorate="adults", opens_at=window[0], closes_at=window[1], proxies_allowed=True)
    assert "proxies_allowed" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.create_vote(actor=staff["community_a"], item=item, question="议题", rule="art278_ordinary",
                             electorate="adults", opens_at=window[0], closes_at=window[1])
    assert {"electorate", "art278_item"} <= set(caught.value.message_dict)
    assert not Vote.objects.exists()


def test_staff_enter_a_paper_ballot_with_its_scanned_form(staff, tree, compound, owners, window):
    vote = owners_vote(staff, tree, compound, window)
    entry = RollEntry.objects.get(vote=vote, key=f"owners:{owners['a'][1].pk}")
    with pytest.raises(ValidationError, match="scanned ballot form"):
        services.enter_paper_ballot(actor=staff["community_a"], vote=vote, entry=entry, choice="yes", paper_form=None)
    cast = services.enter_paper_ballot(actor=staff["community_a"], vote=vote, entry=entry, choice="yes",
                                       paper_form=io.BytesIO(PDF))
    assert cast.channel == "paper" and cast.cast_by == staff["community_a"] and cast.paper_form.name
    with pytest.raises(ValidationError, match="nobody votes twice"):
        services.cast_ballot(actor=owners["a"][0], vote=vote, choice="no")
    with pytest.raises(PermissionDenied):
        services.enter_paper_ballot(actor=staff["community_b"], vote=vote, entry=entry, choice="no",
                                    paper_form=io.BytesIO(PDF))


def test_roll_corrections_are_logged_and_refused_once_the_voter_voted(staff, tree, compound, owners, window, resident):
    vote = owners_vote(staff, tree, compound, window)
    _user, heir = resident()
    added = services.correct_roll(actor=staff["community_a"], vote=vote, kind="add", reason="产权证新近办理",
                                  persons=[heir], area=Decimal("55.5"))
    assert added.key == f"added:{heir.pk}" and added.area == Decimal("55.5")
    entry = RollEntry.objects.get(vote=vote, key=f"owners:{owners['d'][1].pk}")
    services.correct_roll(actor=staff["community_a"], vote=vote, kind="correct", reason="面积以产权证为准",
                          entry=entry, area=Decimal("91"))
    assert RollChange.objects.filter(vote=vote).count() == 2
    services.cast_ballot(actor=owners["a"][0], vote=vote, choice="yes")
    voted = RollEntry.objects.get(vote=vote, key=f"owners:{owners['a'][1].pk}")
    with pytest.raises(ValidationError, match="already voted"):
        services.correct_roll(actor=staff["community_a"], vote=vote, kind="remove", reason="误登", entry=voted)
    assert RollEntry.objects.get(pk=voted.pk).active


def test_a_secret_ballot_cannot_be_linked_to_its_voter(staff, tree, compound, owners, window, client):
    vote = owners_vote(staff, tree, compound, window, secret=True)
    services.cast_ballot(actor=owners["a"][0], vote=vote, choice="no")
    services.cast_ballot(actor=owners["d"][0], vote=vote, choice="yes")
    # The schema: who voted and what was chosen share nothing but the vote.
    participation_columns = {f.column for f in Participation._meta.concrete_fields}
    ballot_columns = {f.column for f in SecretBallot._meta.concrete_fields}
    assert ballot_columns == {"id", "vote_id", "choice", "area"}
    # Shared names only: "id" (a sequence on one side, a random key on the other), the vote, and "choice",
    # which a participation fills in an open ballot only.
    assert participation_columns & ballot_columns == {"id", "vote_id", "choice"}
    assert not any(f.get_internal_type() in ("DateTimeField", "DateField", "AutoField", "BigAutoField")
                   for f in SecretBallot._meta.concrete_fields)
    assert set(Participation.objects.filter(vote=vote).values_list("choice", flat=True)) == {""}
    # Ids: random keys, not in the order of casting.
    keys = [str(k) for k in SecretBallot.objects.filter(vote=vote).values_list("id", flat=True)]
    assert len(keys) == 2 and all(len(k) == 36 for k in keys)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM deliberation_secretballot")
        raw = cursor.fetchall()
    participations = list(Participation.objects.filter(vote=vote).values_list("id", "entry_id", "person_id"))
    for row in raw:
        for value in row:
            assert str(value) not in {str(x) for p in participations for x in p if x is not None} - {str(vote.pk)}
    # The audit trail: a ballot was cast in this vote, nothing of the choice or the ballot's key.
    events = AuditEvent.objects.filter(action="deliberation.ballot.cast")
    assert events.count() == 2
    trail = repr(list(AuditEvent.objects.values()))
    assert "'yes'" not in trail and "'no'" not in trail and not any(k in trail for k in keys)
    for event in events:
        assert event.changes == {"channel": "online", "by_proxy": False} and event.object_id == str(vote.pk)
    # The tally works from the box alone.
    closed = services.close_vote(actor=staff["community_a"], vote=vote, at=window[1])
    assert closed.result["counts"]["yes"] == 1 and closed.result["counts"]["no"] == 1


def test_a_vote_nobody_voted_in_can_be_cancelled_and_the_item_goes_back(staff, tree, compound, owners, window):
    vote = owners_vote(staff, tree, compound, window)
    services.cancel_vote(actor=staff["community_a"], vote=vote, reason="议题需重新协商")
    vote.item.refresh_from_db()
    assert vote.item.state == ItemState.DELIBERATED
    assert Vote.objects.get(pk=vote.pk).state == VoteState.CANCELLED


def test_the_sweep_closes_votes_whose_window_is_over(staff, tree, compound, owners, window):
    vote = owners_vote(staff, tree, compound, window)
    services.cast_ballot(actor=owners["a"][0], vote=vote, choice="yes")
    assert vote_services.close_due_votes(now=window[1] - dt.timedelta(seconds=1)) == 0
    assert vote_services.close_due_votes(now=window[1]) == 1
    assert Vote.objects.get(pk=vote.pk).state == VoteState.CLOSED
    assert Vote.objects.get(pk=vote.pk).result["held"] is False


def test_residents_meeting_of_adults_rolls_only_adults_of_the_area(staff, tree, resident, window):
    adult_user, _adult = resident()
    minor_user, _minor = resident(birth=timezone.localdate() - dt.timedelta(days=17 * 365))
    resident(tree["grid_b1"])  # another community
    item = deliberated_item(staff, tree)
    vote = services.create_vote(actor=staff["community_a"], item=item, question="议题", rule="residents_meeting",
                                electorate="adults", opens_at=window[0], closes_at=window[1])
    vote = services.open_vote(actor=staff["community_a"], vote=vote)
    assert RollEntry.objects.filter(vote=vote).count() == 1
    services.cast_ballot(actor=adult_user, vote=vote, choice="yes")
    with pytest.raises(PermissionDenied, match="not on the roll"):
        services.cast_ballot(actor=minor_user, vote=vote, choice="yes")
    closed = services.close_vote(actor=staff["community_a"], vote=vote, at=window[1])
    assert closed.result["adopted"] is True
    assert closed.result["explanation"] == "present: 100.0 % > 50 % (1 of 1); approval: 100.0 % > 50 % (1 of 1) → adopted"
