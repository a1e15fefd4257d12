"""Every legal rule at its boundaries, with its explanation; the same ballots always give the same result."""

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.deliberation.rules import (
    ABSTAIN,
    NO,
    RULES,
    YES,
    CustomRule,
    Elector,
    RuleError,
    allocate,
    art278_rule,
    check_picks,
    owners_roll,
    rule_for,
)

ORDINARY, SPECIAL = RULES["art278_ordinary"], RULES["art278_special"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def roll(n, area=Decimal(100)):
    return [Elector(f"o{i}", area) for i in range(n)]


def ballots(yes=0, no=0, abstain=0, start=0):
    choices = [YES] * yes + [NO] * no + [ABSTAIN] * abstain
    return {f"o{start + i}": c for i, c in enumerate(choices)}


# --- art. 278: participation -------------------------------------------------------


def test_exactly_two_thirds_of_area_and_heads_taking_part_is_enough():
    outcome = ORDINARY.tally(roll(30), ballots(yes=20))
    assert outcome.held and outcome.adopted
    assert outcome.explanation() == (
        "participation by area: 66.7 % ≥ 66.7 % (2,000 of 3,000 m²), "
        "participation by headcount: 66.7 % ≥ 66.7 % (20 of 30); "
        "approval by area: 100.0 % > 50 % (2,000 of 2,000 m²), approval by headcount: 100.0 % > 50 % (20 of 20) "
        "→ adopted")


def test_just_under_two_thirds_of_the_heads_is_not_held_whatever_the_area():
    electors = roll(29) + [Elector("big", Decimal(100000))]
    outcome = ORDINARY.tally(electors, {"big": YES} | ballots(yes=18))  # 19 of 30 heads: 63.3 %
    assert not outcome.held and not outcome.adopted
    assert outcome.checks[0].passed and not outcome.checks[1].passed
    assert "participation by headcount: 63.3 % < 66.7 % (19 of 30)" in outcome.explanation()
    assert outcome.explanation().endswith("→ not held: too few took part, nothing decided")


def test_just_under_two_thirds_of_the_area_is_not_held_though_the_heads_are():
    # 2/3 of heads, area one hundredth of a square metre short of 2/3.
    electors = [Elector("a", Decimal("66.66")), Elector("b", Decimal("0.01")), Elector("c", Decimal("33.34"))]
    outcome = ORDINARY.tally(electors, {"a": YES, "b": YES})
    assert not outcome.held and outcome.checks[1].passed and not outcome.checks[0].passed
    # Shown with enough decimals not to read "66.7 % < 66.7 %".
    assert "participation by area: 66.66 % < 66.7 % (66.67 of 100.01 m²)" in outcome.explanation()


def test_the_shown_ratio_never_looks_equal_to_a_threshold_it_misses():
    electors = [Elector(f"o{i}", Decimal(1)) for i in range(3000)]
    outcome = ORDINARY.tally(electors, {f"o{i}": YES for i in range(1999)})  # 66.63 %
    text = outcome.checks[1].text()
    assert text.startswith("participation by headcount: 66.6") and "< 66.7 %" in text
    assert not text.startswith("participation by headcount: 66.7 %")


# --- art. 278: approval --------------------------------------------------------------


def test_ordinary_matter_needs_more_than_half_of_both_so_exactly_half_fails():
    outcome = ORDINARY.tally(roll(10), ballots(yes=4, no=4))
    assert outcome.held and not outcome.adopted
    assert "approval by headcount: 50.0 % ≤ 50 % (4 of 8)" in outcome.explanation()
    assert ORDINARY.tally(roll(10), ballots(yes=5, no=4)).adopted


def test_abstentions_count_as_taking_part_and_not_as_agreeing():
    outcome = ORDINARY.tally(roll(9), ballots(yes=3, no=1, abstain=2))
    assert outcome.held and not outcome.adopted
    assert outcome.counts == {"eligible": 9, "cast": 6, "yes": 3, "no": 1, "abstain": 2,
                              "area_eligible": "900", "area_cast": "600", "area_yes": "300", "area_no": "100",
                              "area_abstain": "200"}


def test_special_matter_needs_three_quarters_of_both_and_exactly_three_quarters_is_enough():
    assert SPECIAL.tally(roll(12), ballots(yes=9, no=3)).adopted
    outcome = SPECIAL.tally(roll(12), ballots(yes=8, no=4))
    assert outcome.held and not outcome.adopted
    assert "approval by headcount: 66.7 % < 75 % (8 of 12)" in outcome.explanation()


def test_special_matter_fails_on_area_even_when_heads_agree():
    electors = [Elector(f"o{i}", Decimal(50)) for i in range(9)] + [Elector("big", Decimal(500))]
    outcome = SPECIAL.tally(electors, {f"o{i}": YES for i in range(9)} | {"big": NO})
    assert outcome.held
    assert outcome.checks[3].passed and not outcome.checks[2].passed  # 90 % of heads, 47.4 % of area
    assert not outcome.adopted
    assert "approval by area: 47.4 % < 75 % (450 of 950 m²)" in outcome.explanation()


def test_the_issues_example_reads_as_the_issue_wrote_it():
    # 1000 owners of 1 m² each, but 10 of them hold 10 m² — figures chosen to give round percentages.
    electors = [Elector(f"o{i}", Decimal(1)) for i in range(1000)]
    outcome = SPECIAL.tally(electors, {f"o{i}": (YES if i < 600 else NO) for i in range(750)})
    assert outcome.explanation() == (
        "participation by area: 75.0 % ≥ 66.7 % (750 of 1,000 m²), participation by headcount: 75.0 % ≥ 66.7 % "
        "(750 of 1,000); approval by area: 80.0 % ≥ 75 % (600 of 750 m²), "
        "approval by headcount: 80.0 % ≥ 75 % (600 of 750) → adopted")


def test_matters_are_ruled_by_their_item_of_article_278():
    assert art278_rule(6) is SPECIAL and art278_rule(7) is SPECIAL and art278_rule(8) is SPECIAL
    assert art278_rule(5) is ORDINARY and art278_rule(1) is ORDINARY and art278_rule(9) is ORDINARY
    with pytest.raises(RuleError):
        art278_rule(10)


def test_nobody_on_the_roll_or_no_area_decides_nothing():
    assert not ORDINARY.tally([], {}).held
    outcome = ORDINARY.tally([Elector("a", Decimal(0))], {"a": YES})
    assert not outcome.held and not outcome.adopted


def test_a_ballot_from_outside_the_roll_or_with_an_unknown_choice_is_refused():
    with pytest.raises(RuleError, match="not on the roll"):
        ORDINARY.tally(roll(3), {"stranger": YES})
    with pytest.raises(RuleError, match="unknown choice"):
        ORDINARY.tally(roll(3), {"o0": "maybe"})
    with pytest.raises(RuleError, match="twice"):
        ORDINARY.tally([Elector("a"), Elector("a")], {})


# --- the owners' roll: several dwellings, co-owners, proxies ----------------------------


def test_an_owner_of_several_dwellings_counts_once_with_the_sum_of_their_areas():
    units = owners_roll([(1, Decimal("80.5"), [7]), (2, Decimal("60"), [7]), (3, Decimal("90"), [8])])
    assert [(e.key, e.area, d) for e, d in units] == [("owners:7", Decimal("140.5"), [1, 2]),
                                                      ("owners:8", Decimal("90"), [3])]
    outcome = ORDINARY.tally([e for e, _d in units], {"owners:7": YES})
    assert outcome.counts["eligible"] == 2 and outcome.checks[1].part == 1
    assert outcome.checks[0].part == Fraction("140.5")


def test_co_owners_of_one_dwelling_count_as_one():
    units = owners_roll([(1, Decimal(100), [7, 9]), (2, Decimal(100), [8])])
    assert [e.key for e, _d in units] == ["owners:7+9", "owners:8"]
    assert units[0][0].area == Decimal(100)


def test_dwellings_without_an_owner_or_an_exclusive_area_are_left_off_the_roll():
    units = owners_roll([(1, None, [7]), (2, Decimal(50), []), (3, Decimal(50), [8])])
    assert [e.key for e, _d in units] == ["owners:8"]


def test_a_ballot_by_proxy_counts_as_the_owners_own_and_art_278_allows_proxies():
    assert ORDINARY.allows_proxy and SPECIAL.allows_proxy
    own = ORDINARY.tally(roll(3), {"o0": YES, "o1": YES})
    by_proxy = ORDINARY.tally(roll(3), {"o1": YES, "o0": YES})  # cast in another order, one by a proxy
    assert own == by_proxy


# --- residents' and villagers' meetings -----------------------------------------------


def test_residents_meeting_needs_more_than_half_present_and_more_than_half_of_them():
    rule = RULES["residents_meeting"]
    assert not rule.tally(roll(10), ballots(yes=5)).held  # exactly half present is not enough
    outcome = rule.tally(roll(10), ballots(yes=3, no=3))
    assert outcome.held and not outcome.adopted
    assert outcome.explanation() == ("present: 60.0 % > 50 % (6 of 10); approval: 50.0 % ≤ 50 % (3 of 6) "
                                     "→ rejected")
    assert rule.tally(roll(10), ballots(yes=4, no=2)).adopted
    assert not rule.allows_proxy


def test_villagers_meeting_of_households_needs_two_thirds_and_of_adults_more_than_half():
    households, adults = RULES["villagers_meeting_households"], RULES["villagers_meeting_adults"]
    assert households.tally(roll(9), ballots(yes=6)).adopted  # exactly 2/3 of households
    assert not households.tally(roll(9), ballots(yes=5)).held
    assert adults.tally(roll(9), ballots(yes=5)).adopted
    assert not adults.tally(roll(10), ballots(yes=5)).held


def test_villager_representatives_need_two_thirds_present_and_more_than_half_of_them():
    rule = RULES["villager_representatives"]
    assert rule.tally(roll(30), ballots(yes=11, no=9)).adopted
    outcome = rule.tally(roll(30), ballots(yes=10, no=9))
    assert not outcome.held  # 19 of 30
    assert not rule.tally(roll(30), ballots(yes=10, no=10)).adopted


def test_custom_rule_all_affected_households_must_sign():
    rule = CustomRule(approval=Fraction(1))
    assert rule.tally(roll(5), ballots(yes=5)).adopted
    outcome = rule.tally(roll(5), ballots(yes=4))
    assert not outcome.adopted
    assert outcome.explanation() == "approval: 80.0 % < 100 % (4 of 5) → rejected"
    assert rule.describe() == "Custom rule: at least 100 % of the whole roll agree"


def test_custom_rule_two_thirds_of_households_is_checked_against_the_whole_roll():
    rule = rule_for("custom", {"approval": "2/3"})
    assert rule.tally(roll(9), ballots(yes=6)).adopted
    assert not rule.tally(roll(9), ballots(yes=5, no=0)).adopted
    assert CustomRule.from_parameters(rule.parameters()).parameters() == rule.parameters()


def test_custom_rule_parameters_are_checked():
    for bad in ({}, {"approval": "abc"}, {"approval": "0"}, {"approval": "3/2"}, {"approval": "1/2", "quorum": "2"},
                {"approval": "1", "approval_strict": True}):
        with pytest.raises(RuleError):
            rule_for("custom", bad)
    with pytest.raises(RuleError):
        rule_for("nonsense")


# --- the same ballots, the same result -------------------------------------------------

electors_strategy = st.lists(st.decimals(min_value=0, max_value=500, places=2, allow_nan=False), min_size=1,
                             max_size=40)


@settings(max_examples=60, deadline=None)
@given(areas=electors_strategy, data=st.data())
def test_the_same_ballots_give_the_same_result_in_any_order(areas, data):
    electors = [Elector(f"o{i}", a) for i, a in enumerate(areas)]
    cast = data.draw(st.dictionaries(st.sampled_from([e.key for e in electors]), st.sampled_from([YES, NO, ABSTAIN])))
    for rule in RULES.values():
        first = rule.tally(electors, cast)
        items = list(cast.items())
        random.Random(len(items)).shuffle(items)
        shuffled_roll = list(reversed(electors))
        again = rule.tally(shuffled_roll, dict(items))
        assert again == first and again.explanation() == first.explanation()


@settings(max_examples=60, deadline=None)
@given(areas=electors_strategy, data=st.data())
def test_art_278_adopts_exactly_when_the_four_exact_fractions_pass(areas, data):
    electors = [Elector(f"o{i}", a) for i, a in enumerate(areas)]
    cast = data.draw(st.dictionaries(st.sampled_from([e.key for e in electors]), st.sampled_from([YES, NO, ABSTAIN])))
    area = {e.key: Fraction(e.area) for e in electors}
    total = sum(area.values())
    part = sum(area[k] for k in cast)
    yes = [k for k, c in cast.items() if c == YES]
    held = total > 0 and part * 3 >= total * 2 and len(cast) * 3 >= len(electors) * 2
    ordinary = held and sum(area[k] for k in yes) * 2 > part and len(yes) * 2 > len(cast)
    special = held and sum(area[k] for k in yes) * 4 >= part * 3 and len(yes) * 4 >= len(cast) * 3
    assert ORDINARY.tally(electors, cast).adopted == ordinary
    assert SPECIAL.tally(electors, cast).adopted == special
    assert ORDINARY.tally(electors, cast).held == held


def test_an_outcome_is_kept_as_plain_data():
    data = SPECIAL.tally(roll(4), ballots(yes=3, no=1)).as_dict()
    assert data["adopted"] is True and data["checks"][2] == {
        "kind": "approval_area", "part": "300", "whole": "400", "threshold": "3/4", "strict": False, "passed": True,
        "ratio": 0.75}


def test_the_explanation_speaks_chinese():
    with translation.override("zh-hans"):
        text = ORDINARY.tally(roll(3), ballots(yes=3)).explanation()
    assert "通过" in text and "面积" in text


# --- the community fund -----------------------------------------------------------------


def test_picks_between_the_minimum_and_the_maximum():
    assert check_picks([1, 2], minimum=1, maximum=3, projects=[1, 2, 3]) == [1, 2]
    with pytest.raises(RuleError, match="at most 2 projects: 3 picked"):
        check_picks([1, 2, 3], minimum=1, maximum=2, projects=[1, 2, 3])
    with pytest.raises(RuleError, match="at least 2"):
        check_picks([1], minimum=2, maximum=3, projects=[1, 2, 3])
    with pytest.raises(RuleError, match="twice"):
        check_picks([1, 1], minimum=1, maximum=3, projects=[1, 2, 3])
    with pytest.raises(RuleError, match="not on this ballot"):
        check_picks([9], minimum=1, maximum=3, projects=[1, 2, 3])


def test_winners_are_funded_in_order_of_votes_within_the_budget():
    result = allocate(Decimal(100000), [("a", Decimal(60000), 40), ("b", Decimal(50000), 30),
                                        ("c", Decimal(30000), 20), ("d", Decimal(20000), 0)])
    assert [(p.key, p.funded, p.remaining) for p in result] == [
        ("a", True, Decimal(40000)), ("b", False, Decimal(40000)), ("c", True, Decimal(10000)),
        ("d", False, Decimal(10000))]


def test_ties_go_to_the_cheaper_project_then_by_key():
    result = allocate(Decimal(10), [("b", Decimal(6), 5), ("a", Decimal(6), 5), ("c", Decimal(5), 5)])
    assert [p.key for p in result if p.funded] == ["c"]
    assert [p.key for p in result] == ["c", "a", "b"]
