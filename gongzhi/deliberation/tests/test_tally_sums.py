"""The tally the database sums gives what the rule gives on the roll and ballots themselves, figure for figure.

``services.votes.tally`` adds the roll and the ballots up in a few aggregate queries (a vote of 20,000 owners
is counted without a row per ballot in Python); ``Rule.tally`` checks each ballot against the roll and counts
them one by one. On the same stored vote, open or secret, with areas in cents and a corrected roll, both must
explain the same result with the same figures.
"""

import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongzhi.deliberation import rules
from gongzhi.deliberation.models import Participation, RollEntry, SecretBallot
from gongzhi.deliberation.services import votes as vote_services

from .test_votes import owners_vote

pytestmark = pytest.mark.django_db


def by_rows(vote) -> rules.Outcome:
    """The outcome counted ballot by ballot from the stored rows (how the tally was computed before)."""
    rule = vote_services.rule_of(vote)
    entries = list(RollEntry.objects.filter(vote=vote, active=True).values_list("id", "key", "area"))
    if vote.secret:
        voted = set(Participation.objects.filter(vote=vote).values_list("entry_id", flat=True))
        ballots = list(SecretBallot.objects.filter(vote=vote).values_list("id", "choice", "area"))
        roll = [rules.Elector(f"ballot:{pk}", area) for pk, _c, area in ballots]
        roll += [rules.Elector(key, area) for pk, key, area in entries if pk not in voted]
        return rule.tally(roll, {f"ballot:{pk}": choice for pk, choice, _a in ballots})
    keys = {pk: key for pk, key, _a in entries}
    cast = {keys[e]: c for e, c in Participation.objects.filter(vote=vote, entry__active=True).values_list(
        "entry_id", "choice")}
    return rule.tally([rules.Elector(key, area) for _pk, key, area in entries], cast)


@pytest.fixture
def compound_of_owners(resident, add_dwelling):
    rng = random.Random(278)
    owners = []
    for n in range(24):
        owner = resident()
        owners.append(owner)
        add_dwelling(f"{rng.randint(3000, 15000) / 100:.2f}", owner[1])
        if n % 5 == 0:  # a second dwelling: one owner, the areas summed
            add_dwelling(f"{rng.randint(3000, 15000) / 100:.2f}", owner[1])
    return owners, rng


@pytest.mark.parametrize("secret", [False, True])
def test_the_summed_tally_equals_the_ballot_by_ballot_tally(staff, tree, compound, window, compound_of_owners,
                                                            secret):
    from gongzhi.deliberation import services

    owners, rng = compound_of_owners
    vote = owners_vote(staff, tree, compound, window, item_no=6, secret=secret)
    entries = list(RollEntry.objects.filter(vote=vote).order_by("key"))
    services.correct_roll(actor=staff["community_a"], vote=vote, kind="correct", reason="面积更正",
                          entry=entries[0], area=Decimal("88.05"))
    services.correct_roll(actor=staff["community_a"], vote=vote, kind="remove", reason="已过户",
                          entry=entries[1])
    voters = [user for user, person in owners if RollEntry.objects.filter(vote=vote, active=True, persons=person)]
    for user in voters[:19]:
        services.cast_ballot(actor=user, vote=vote, choice=rng.choice(("yes", "yes", "yes", "no", "abstain")))
    summed, counted = vote_services.tally(vote), by_rows(vote)
    assert summed.as_dict() == counted.as_dict()
    assert summed.counts["cast"] == 19 and summed.counts["eligible"] == 23
    assert (rules.Fraction(summed.counts["area_eligible"]) * 100).denominator == 1  # exact cents, no float


def test_a_box_that_does_not_match_its_participations_is_not_tallied(staff, tree, compound, window,
                                                                     compound_of_owners):
    from gongzhi.deliberation import services

    owners, _rng = compound_of_owners
    vote = owners_vote(staff, tree, compound, window, secret=True)
    services.cast_ballot(actor=owners[0][0], vote=vote, choice="yes")
    SecretBallot.objects.create(vote=vote, choice="yes", area=Decimal(100))  # stuffed
    with pytest.raises(ValidationError, match="does not match"):
        vote_services.tally(vote)


def test_sums_a_rule_cannot_come_from_are_refused():
    with pytest.raises(rules.RuleError, match="unknown choice"):
        rules.Totals.checked(3, Decimal(300), {"yes": 1, "maybe": 1}, {"yes": Decimal(100), "maybe": Decimal(100)})
    with pytest.raises(rules.RuleError, match="not on the roll"):
        rules.Totals.checked(1, Decimal(100), {"yes": 2}, {"yes": Decimal(200)})
