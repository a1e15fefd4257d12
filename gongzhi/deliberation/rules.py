"""The voting rules the law sets, each a named object that tallies ballots and explains its result.

A rule is pure: it is given the frozen electorate (the roll: one :class:`Elector` per voting unit,
with its weight) and the choices cast (``{elector key: "yes" | "no" | "abstain"}``), or only their
sums (:class:`Totals`, what the database adds up for a large vote), and returns an
:class:`Outcome` holding every figure it compared (:class:`Check`). It reads no database, no clock
and no order: the same roll and ballots always give the same outcome. Fractions are exact
(:class:`fractions.Fraction`): "exactly two thirds" is two thirds, never 0.6666….

The rules (``RULES``, by code):

* ``art278_ordinary`` / ``art278_special`` — the owners' general meeting (业主大会, Civil Code
  art. 278). The vote is held when owners holding ≥ 2/3 of the exclusive area **and** ≥ 2/3 of the
  owners by headcount take part. Items 6–8 of the article (raising maintenance funds; rebuilding or
  altering buildings and their facilities; changing the use of common parts or running a business
  in them) need ≥ 3/4 of the participating area **and** ≥ 3/4 of the participating owners; every
  other matter more than half of both. The electorate is built by :func:`owners_roll`: co-owners of
  a dwelling count as one owner, an owner of several dwellings counts once with the sum of their
  areas (Supreme People's Court interpretation on building ownership, art. 8–9).
* ``residents_meeting`` — 居民会议 (Urban Residents' Committees Organisation Law art. 21): more than
  half of the adult residents, or of the household representatives, or of the group
  representatives (whichever the roll is made of) present; decided by more than half of those present.
* ``villagers_meeting_adults`` / ``villagers_meeting_households`` — 村民会议 (Villagers' Committees
  Organisation Law art. 22): more than half of the adult villagers, or representatives of ≥ 2/3 of the
  households, present; more than half of those present agree.
* ``villager_representatives`` — 村民代表会议 (art. 26): ≥ 2/3 of the members present; more than
  half of those present agree.
* ``custom`` — a rule set for one vote (:class:`CustomRule`), e.g. a renovation that goes ahead only
  if 100 % or 2/3 of the affected households sign: an optional quorum, a share of those taking part
  or of the whole roll, "at least" or "more than".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

YES, NO, ABSTAIN = "yes", "no", "abstain"
CHOICES = (YES, NO, ABSTAIN)

HALF, TWO_THIRDS, THREE_QUARTERS, ALL = Fraction(1, 2), Fraction(2, 3), Fraction(3, 4), Fraction(1)

# Civil Code art. 278, para. 1: the matters owners decide together. Items 6–8 need the higher majority.
ART_278_ITEMS = {
    1: gettext_lazy("(1) Make or change the rules of procedure of the owners' general meeting"),
    2: gettext_lazy("(2) Make or change the management statute"),
    3: gettext_lazy("(3) Elect or replace the owners' committee or its members"),
    4: gettext_lazy("(4) Appoint or dismiss the property services company or other manager"),
    5: gettext_lazy("(5) Use the maintenance funds of the building and its facilities"),
    6: gettext_lazy("(6) Raise maintenance funds for the building and its facilities"),
    7: gettext_lazy("(7) Rebuild or reconstruct the building and its facilities"),
    8: gettext_lazy("(8) Change the use of common parts or use them for business"),
    9: gettext_lazy("(9) Other major matters of joint ownership and management"),
}
ART_278_SPECIAL_ITEMS = frozenset({6, 7, 8})


class RuleError(ValueError):
    """A ballot or roll a rule cannot count (a clear message in the user's language)."""


@dataclass(frozen=True)
class Elector:
    """One voting unit of the roll: an owner (with the exclusive area of their dwellings), a person,
    a household's representative or a member of a representatives' meeting."""

    key: str
    area: Decimal = Decimal(0)


@dataclass(frozen=True)
class Check:
    """One comparison a rule made: ``part`` of ``whole`` against ``threshold`` ("at least" or "more than")."""

    kind: str  # participation_area, participation_headcount, approval_area, approval_headcount, quorum, approval
    part: Fraction
    whole: Fraction
    threshold: Fraction
    strict: bool  # True: more than the threshold; False: at least the threshold
    unit: str = ""  # "m²" for areas, "" for people

    @property
    def ratio(self) -> Fraction:
        return self.part / self.whole if self.whole else Fraction(0)

    @property
    def passed(self) -> bool:
        if not self.whole:
            return False
        return self.ratio > self.threshold if self.strict else self.ratio >= self.threshold

    def text(self) -> str:
        """``participation by area: 71.2 % ≥ 66.7 % (1,234.5 of 1,733.0 m²)``."""
        operator = (">" if self.passed else "≤") if self.strict else ("≥" if self.passed else "<")
        ratio = _percent(self.ratio, self.threshold)
        amounts = _("%(part)s of %(whole)s%(unit)s") % {
            "part": _amount(self.part), "whole": _amount(self.whole), "unit": f" {self.unit}" if self.unit else ""}
        return f"{CHECK_LABELS[self.kind]}: {ratio} {operator} {_threshold(self.threshold)} ({amounts})"


CHECK_LABELS = {
    "participation_area": gettext_lazy("participation by area"),
    "participation_headcount": gettext_lazy("participation by headcount"),
    "approval_area": gettext_lazy("approval by area"),
    "approval_headcount": gettext_lazy("approval by headcount"),
    "quorum": gettext_lazy("present"),
    "approval": gettext_lazy("approval"),
}


def _amount(value: Fraction) -> str:
    if value.denominator == 1:
        return f"{value.numerator:,}"
    return f"{float(value):,.2f}"


def _threshold(value: Fraction) -> str:
    percent = value * 100
    if percent.denominator == 1:
        return f"{percent.numerator} %"
    return f"{float(percent):.1f} %"


def _percent(ratio: Fraction, threshold: Fraction) -> str:
    """The ratio with as many decimals as it takes not to look equal to a threshold it is not equal to."""
    for places in (1, 2, 3, 4):
        shown = f"{float(ratio * 100):.{places}f}"
        if ratio == threshold or shown != f"{float(threshold * 100):.{places}f}":
            return f"{shown} %"
    return f"{float(ratio * 100):.6f} %"


@dataclass(frozen=True)
class Outcome:
    rule: str
    held: bool  # the participation (quorum) the rule needs was reached
    adopted: bool
    checks: tuple[Check, ...]
    counts: dict = field(default_factory=dict)  # {"eligible": n, "cast": n, "yes": n, "no": n, "abstain": n, ...}

    def explanation(self) -> str:
        """``participation …, … ; approval …, … → adopted``: every figure, in the user's language."""
        participation = [c.text() for c in self.checks if c.kind.startswith("participation") or c.kind == "quorum"]
        approval = [c.text() for c in self.checks if c.kind.startswith("approval")]
        parts = [", ".join(participation)] if participation else []
        if self.held and approval:
            parts.append(", ".join(approval))
        if not self.held:
            verdict = _("not held: too few took part, nothing decided")
        else:
            verdict = _("adopted") if self.adopted else _("rejected")
        return "; ".join(parts) + f" → {verdict}"

    def as_dict(self) -> dict:
        """What a vote keeps of its result: exact fractions as strings, the explanation as computed."""
        return {
            "rule": self.rule, "held": self.held, "adopted": self.adopted, "counts": self.counts,
            "checks": [{"kind": c.kind, "part": str(c.part), "whole": str(c.whole), "threshold": str(c.threshold),
                        "strict": c.strict, "passed": c.passed, "ratio": float(c.ratio)} for c in self.checks],
            "explanation": self.explanation(),
        }


def _valid_ballots(roll: Iterable[Elector], ballots: Mapping[str, str]) -> tuple[list[Elector], dict[str, str]]:
    electors = list(roll)
    keys = {e.key for e in electors}
    if len(keys) != len(electors):
        raise RuleError(_("The roll names a voter twice."))
    for key, choice in ballots.items():
        if key not in keys:
            raise RuleError(_("A ballot was cast by someone who is not on the roll."))
        if choice not in CHOICES:
            raise RuleError(_("A ballot holds an unknown choice."))
    return electors, dict(ballots)


@dataclass(frozen=True)
class Totals:
    """All a rule needs of a roll and its ballots, summed: how many voting units and how much exclusive
    area the roll holds, and per choice how many ballots and how much area. A large vote is summed by the
    database (``services.votes.totals``: a few aggregate queries, no row per ballot in Python); a small one,
    or a test, by :meth:`of` from the roll and the ballots themselves. Both give the same outcome."""

    eligible: int
    eligible_area: Fraction
    ballots: Mapping[str, int]  # {choice: number of ballots}
    areas: Mapping[str, Fraction]  # {choice: exclusive area of those ballots}

    @classmethod
    def of(cls, roll: Iterable[Elector], ballots: Mapping[str, str]) -> Totals:
        electors, ballots = _valid_ballots(roll, ballots)
        area = {e.key: Fraction(e.area) for e in electors}
        counts = {choice: 0 for choice in CHOICES}
        areas = {choice: Fraction(0) for choice in CHOICES}
        for key, choice in ballots.items():
            counts[choice] += 1
            areas[choice] += area[key]
        return cls.checked(len(electors), sum(area.values(), Fraction(0)), counts, areas,
                           negative=any(a < 0 for a in area.values()))

    @classmethod
    def checked(cls, eligible: int, eligible_area, ballots: Mapping[str, int], areas: Mapping[str, object], *,
                negative: bool = False) -> Totals:
        """Totals from sums, refused when they cannot come from a roll (unknown choices, negative areas)."""
        if any(choice not in CHOICES for choice in (*ballots, *areas)):
            raise RuleError(_("A ballot holds an unknown choice."))
        if negative:
            raise RuleError(_("An exclusive area on the roll is negative."))
        counts = {choice: int(ballots.get(choice) or 0) for choice in CHOICES}
        summed = {choice: Fraction(areas.get(choice) or 0) for choice in CHOICES}
        if sum(counts.values()) > eligible:
            raise RuleError(_("A ballot was cast by someone who is not on the roll."))
        return cls(int(eligible), Fraction(eligible_area or 0), counts, summed)

    @property
    def cast(self) -> int:
        return sum(self.ballots.values())

    @property
    def cast_area(self) -> Fraction:
        return sum(self.areas.values(), Fraction(0))

    def counts(self) -> dict:
        return {"eligible": self.eligible, "cast": self.cast, **{c: self.ballots[c] for c in CHOICES}}


class Rule:
    code: str
    name = gettext_lazy("rule")
    weighted = False  # counts exclusive area besides heads (art. 278)
    allows_proxy = True

    def tally(self, roll: Iterable[Elector], ballots: Mapping[str, str]) -> Outcome:
        """The outcome of these ballots on this roll (each ballot checked against the roll)."""
        return self.tally_totals(Totals.of(roll, ballots))

    def tally_totals(self, totals: Totals) -> Outcome:
        raise NotImplementedError

    def describe(self) -> str:
        return str(self.name)


class OwnersMeeting(Rule):
    """业主大会, Civil Code art. 278: double two-thirds participation; 3/4 or more than 1/2 of both."""

    weighted = True
    allows_proxy = True

    def __init__(self, special: bool):
        self.special = special
        self.code = "art278_special" if special else "art278_ordinary"
        self.name = (gettext_lazy("Owners' general meeting, art. 278 items 6–8 (3/4 of area and owners taking part)")
                     if special else
                     gettext_lazy("Owners' general meeting, art. 278 (more than half of area and owners taking part)"))

    def tally_totals(self, totals: Totals) -> Outcome:
        total_area, cast_area, yes_area = totals.eligible_area, totals.cast_area, totals.areas[YES]
        cast, yes = Fraction(totals.cast), Fraction(totals.ballots[YES])
        threshold = THREE_QUARTERS if self.special else HALF
        checks = (
            Check("participation_area", cast_area, total_area, TWO_THIRDS, False, "m²"),
            Check("participation_headcount", cast, Fraction(totals.eligible), TWO_THIRDS, False),
            Check("approval_area", yes_area, cast_area, threshold, not self.special, "m²"),
            Check("approval_headcount", yes, cast, threshold, not self.special),
        )
        held = checks[0].passed and checks[1].passed
        counts = totals.counts() | {
            "area_eligible": str(total_area), "area_cast": str(cast_area), "area_yes": str(yes_area),
            "area_no": str(totals.areas[NO]), "area_abstain": str(totals.areas[ABSTAIN])}
        return Outcome(self.code, held, held and checks[2].passed and checks[3].passed, checks, counts)


class HeadcountRule(Rule):
    """A quorum of the roll present, then a share of those present (or of the whole roll) agreeing."""

    weighted = False

    def __init__(self, code: str, name, *, quorum: Fraction | None, quorum_strict: bool, approval: Fraction,
                 approval_strict: bool, of_roll: bool = False, allows_proxy: bool = False):
        self.code, self.name = code, name
        self.quorum, self.quorum_strict = quorum, quorum_strict
        self.approval, self.approval_strict, self.of_roll = approval, approval_strict, of_roll
        self.allows_proxy = allows_proxy

    def tally_totals(self, totals: Totals) -> Outcome:
        eligible, cast, yes = Fraction(totals.eligible), Fraction(totals.cast), Fraction(totals.ballots[YES])
        checks = []
        if self.quorum is not None:
            checks.append(Check("quorum", cast, eligible, self.quorum, self.quorum_strict))
        checks.append(Check("approval", yes, eligible if self.of_roll else cast, self.approval, self.approval_strict))
        held = all(c.passed for c in checks[:-1]) and (bool(cast) or self.of_roll)
        return Outcome(self.code, held, held and checks[-1].passed, tuple(checks), totals.counts())


class CustomRule(HeadcountRule):
    """A rule set for one vote: e.g. 100 % of the affected households (``approval=1, of_roll=True``)."""

    def __init__(self, *, quorum: Fraction | None = None, quorum_strict: bool = False, approval: Fraction,
                 approval_strict: bool = False, of_roll: bool = True, allows_proxy: bool = True):
        if not (0 < approval <= 1) or (quorum is not None and not (0 < quorum <= 1)):
            raise RuleError(_("A threshold is a share between 0 and 100 %."))
        if approval_strict and approval == 1:
            raise RuleError(_("Nobody can agree more than 100 %."))
        super().__init__("custom", gettext_lazy("Custom rule"), quorum=quorum, quorum_strict=quorum_strict,
                         approval=approval, approval_strict=approval_strict, of_roll=of_roll,
                         allows_proxy=allows_proxy)

    def describe(self) -> str:
        base = _("of the whole roll") if self.of_roll else _("of those taking part")
        text = _("%(op)s %(share)s %(base)s agree") % {
            "op": _("more than") if self.approval_strict else _("at least"),
            "share": _threshold(self.approval), "base": base}
        if self.quorum is not None:
            text = _("%(op)s %(share)s take part; ") % {
                "op": _("more than") if self.quorum_strict else _("at least"),
                "share": _threshold(self.quorum)} + text
        return f"{self.name}: {text}"

    def parameters(self) -> dict:
        return {"quorum": str(self.quorum) if self.quorum is not None else None, "quorum_strict": self.quorum_strict,
                "approval": str(self.approval), "approval_strict": self.approval_strict, "of_roll": self.of_roll,
                "allows_proxy": self.allows_proxy}

    @classmethod
    def from_parameters(cls, params: Mapping) -> CustomRule:
        try:
            quorum = Fraction(params["quorum"]) if params.get("quorum") not in (None, "") else None
            approval = Fraction(params["approval"])
        except (KeyError, ValueError, ZeroDivisionError, TypeError):
            raise RuleError(_("A custom rule needs its approval threshold, e.g. 2/3 or 1.")) from None
        return cls(quorum=quorum, quorum_strict=bool(params.get("quorum_strict")), approval=approval,
                   approval_strict=bool(params.get("approval_strict")), of_roll=bool(params.get("of_roll", True)),
                   allows_proxy=bool(params.get("allows_proxy", True)))


RULES: dict[str, Rule] = {
    rule.code: rule for rule in (
        OwnersMeeting(special=False),
        OwnersMeeting(special=True),
        HeadcountRule("residents_meeting", gettext_lazy(
            "Residents' meeting (more than half present, more than half of those present agree)"),
            quorum=HALF, quorum_strict=True, approval=HALF, approval_strict=True, allows_proxy=False),
        HeadcountRule("villagers_meeting_adults", gettext_lazy(
            "Villagers' meeting of adult villagers (more than half present, more than half of those present "
            "agree)"), quorum=HALF, quorum_strict=True, approval=HALF, approval_strict=True),
        HeadcountRule("villagers_meeting_households", gettext_lazy(
            "Villagers' meeting of household representatives (2/3 of households present, more than half of "
            "those present agree)"), quorum=TWO_THIRDS, quorum_strict=False, approval=HALF, approval_strict=True),
        HeadcountRule("villager_representatives", gettext_lazy(
            "Villagers' representatives' meeting (2/3 of members present, more than half of those present "
            "agree)"), quorum=TWO_THIRDS, quorum_strict=False, approval=HALF, approval_strict=True),
    )
}
RULE_CHOICES = [(code, rule.name) for code, rule in RULES.items()] + [("custom", gettext_lazy("Custom rule"))]


def rule_for(code: str, parameters: Mapping | None = None) -> Rule:
    if code == "custom":
        return CustomRule.from_parameters(parameters or {})
    try:
        return RULES[code]
    except KeyError:
        raise RuleError(_("Unknown voting rule.")) from None


def art278_rule(item: int) -> OwnersMeeting:
    """The rule of a matter of art. 278 by its item number (1–9)."""
    if item not in ART_278_ITEMS:
        raise RuleError(_("Art. 278 lists items 1 to 9."))
    return RULES["art278_special" if item in ART_278_SPECIAL_ITEMS else "art278_ordinary"]


# --- the owners' roll --------------------------------------------------------------


def owners_roll(dwellings: Iterable[tuple[object, Decimal | None, Iterable[object]]]) -> list[tuple[Elector, list]]:
    """Voting units of owners from ``(dwelling id, exclusive area, owner ids)``.

    Co-owners of one dwelling are one owner (their set of ids is the unit); an owner (or the same
    set of co-owners) of several dwellings is one owner with the sum of their areas. A dwelling
    without an owner or without its exclusive area is left out and returned apart, for staff to
    correct before the roll is frozen. Returns ``[(Elector, [dwelling ids]), ...]`` ordered by key.
    """
    units: dict[frozenset, list] = {}
    areas: dict[frozenset, Decimal] = {}
    for dwelling, area, owners in dwellings:
        owners = frozenset(owners)
        if not owners or area is None:
            continue
        units.setdefault(owners, []).append(dwelling)
        areas[owners] = areas.get(owners, Decimal(0)) + Decimal(area)
    result = []
    for owners, dwelling_ids in units.items():
        key = "owners:" + "+".join(str(o) for o in sorted(owners, key=str))
        result.append((Elector(key, areas[owners]), sorted(dwelling_ids, key=str)))
    return sorted(result, key=lambda pair: pair[0].key)


# --- the community fund's ballot -----------------------------------------------------


@dataclass(frozen=True)
class FundedProject:
    key: object
    cost: Decimal
    votes: int
    funded: bool
    remaining: Decimal  # the budget left after this project was considered


def check_picks(picks: Iterable, *, minimum: int, maximum: int, projects: Iterable) -> list:
    """A budget ballot's picks: distinct, on the list, between ``minimum`` and ``maximum`` of them."""
    picks = list(picks)
    known = set(projects)
    if len(set(picks)) != len(picks):
        raise RuleError(_("A project is picked twice."))
    if any(p not in known for p in picks):
        raise RuleError(_("A picked project is not on this ballot."))
    if len(picks) < minimum:
        raise RuleError(_("Pick at least %(n)d projects.") % {"n": minimum})
    if len(picks) > maximum:
        raise RuleError(_("Pick at most %(n)d projects: %(picked)d picked.") % {"n": maximum, "picked": len(picks)})
    return picks


def allocate(budget: Decimal, projects: Iterable[tuple[object, Decimal, int]]) -> list[FundedProject]:
    """Fund projects in order of votes (ties: the cheaper, then the key) while the budget lasts.

    A project that no longer fits is passed over and the next one that fits is funded (greedy).
    """
    remaining = Decimal(budget)
    result = []
    for key, cost, votes in sorted(projects, key=lambda p: (-p[2], Decimal(p[1]), str(p[0]))):
        cost = Decimal(cost)
        funded = votes > 0 and cost <= remaining
        if funded:
            remaining -= cost
        result.append(FundedProject(key, cost, votes, funded, remaining))
    return result
