"""Votes: put an item to a vote, freeze the roll from the registry, cast and enter ballots, close and tally.

One ballot per voting unit of the roll, whatever the channel and however many try at once: casting
locks the roll entry (``select_for_update``), and the database's unique (vote, entry) constraint on
:class:`~gongzhi.deliberation.models.Participation` refuses a second one in any case. The vote's
counter is moved by an ``UPDATE … WHERE state = open AND opens_at <= now < closes_at``, which waits
for a closing vote's lock and then finds nothing to update: no ballot enters after the close.

A secret ballot writes the participation (who) and a :class:`SecretBallot` (what, with a random
key and no time) in the same transaction; the audit event says only that a ballot was cast.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core import files
from gongzhi.registry.models import Dwelling, DwellingRole, Household, Person, PersonStatus, Residence

from .. import machine, rules
from ..models import (
    TITLE_MAX,
    Channel,
    Electorate,
    Item,
    ItemAction,
    Outcome,
    Participation,
    RollChange,
    RollChangeKind,
    RollEntry,
    SecretBallot,
    Vote,
    VoteState,
)
from .common import adult_on, manage, person_of, text

# Which electorates each rule may be held with.
ELECTORATES = {
    "art278_ordinary": {Electorate.OWNERS},
    "art278_special": {Electorate.OWNERS},
    "residents_meeting": {Electorate.ADULTS, Electorate.HOUSEHOLDS, Electorate.LISTED},
    "villagers_meeting_adults": {Electorate.ADULTS},
    "villagers_meeting_households": {Electorate.HOUSEHOLDS},
    "villager_representatives": {Electorate.LISTED},
    "custom": set(Electorate.values),
}
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


def rule_of(vote: Vote) -> rules.Rule:
    return rules.rule_for(vote.rule, vote.rule_parameters)


def create_vote(*, actor, item: Item, question: str, electorate: str, opens_at: datetime, closes_at: datetime,
                rule: str = "", art278_item: int | None = None, rule_parameters: dict | None = None,
                secret: bool = False, proxies_allowed: bool = False, compound=None) -> Vote:
    """Put a deliberated item to a vote (the item moves to "put to a vote"); the vote is a draft until opened.

    Under art. 278 the rule follows from the matter (``art278_item``, 1–9); the owners of the
    compound (or of the item's area) are the electorate.
    """
    manage(actor, item.region)
    errors = {}
    question = text(question, "question", _("The question"), max_length=TITLE_MAX, multiline=False)
    if art278_item is not None:
        try:
            rule = rules.art278_rule(int(art278_item)).code
        except (rules.RuleError, ValueError, TypeError) as exc:
            errors["art278_item"] = str(exc)
    parameters = {}
    try:
        chosen = rules.rule_for(rule, rule_parameters)
        if isinstance(chosen, rules.CustomRule):
            parameters = chosen.parameters()
    except rules.RuleError as exc:
        errors["rule"] = str(exc)
        chosen = None
    if chosen is not None and chosen.weighted and art278_item is None:
        errors["art278_item"] = _("Name the matter of art. 278 (items 1 to 9) the owners decide.")
    if chosen is not None and electorate not in ELECTORATES.get(chosen.code, ()):
        errors["electorate"] = _("This rule is not held with this electorate.")
    if chosen is not None and proxies_allowed and not chosen.allows_proxy:
        errors["proxies_allowed"] = _("This rule does not allow voting by proxy.")
    if opens_at is None or closes_at is None:
        errors["closes_at"] = _("Give the time the vote opens and the time it closes.")
    elif closes_at <= opens_at:
        errors["closes_at"] = _("The vote must close after it opens.")
    elif closes_at <= timezone.now():
        errors["closes_at"] = _("The vote must close in the future.")
    if compound is not None and not compound.grid.code.startswith(item.region.prefix):
        errors["compound"] = _("The compound lies outside the item's area.")
    if electorate == Electorate.OWNERS and compound is None and item.compound_id is None:
        compound_needed = item.region.level != "grid"
        if compound_needed:
            errors["compound"] = _("Owners vote per compound: choose the compound.")
    if errors:
        raise ValidationError(errors)
    compound = compound or item.compound
    created = {}

    def change(current: Item):
        vote = Vote.objects.create(
            item=current, region=compound.grid if compound is not None else current.region, compound=compound,
            question=question, rule=chosen.code, rule_parameters=parameters,
            art278_item=int(art278_item) if art278_item is not None else None, electorate=electorate,
            secret=bool(secret), proxies_allowed=bool(proxies_allowed), opens_at=opens_at, closes_at=closes_at,
            created_by=user_of(actor))
        created["vote"] = vote
        return {"vote": vote.pk, "rule": vote.rule, "secret": vote.secret}

    machine.transition(item, ItemAction.PUT_TO_VOTE, actor=actor, change=change)
    return created["vote"]


# --- the roll ---------------------------------------------------------------------------------


def _prefix(vote: Vote) -> str:
    return vote.region.prefix


def _owner_units(vote: Vote):
    place = {"compound": vote.compound} if vote.compound_id else {"grid__code__startswith": _prefix(vote)}
    of_dwelling = {f"dwelling__{k}": v for k, v in place.items()}
    # Owners are the open ownership records (Residence) and the persons whose current dwelling they own.
    pairs = set(Residence.objects.filter(role=DwellingRole.OWNER, end_date=None, **of_dwelling)
                .exclude(person__status=PersonStatus.DECEASED).values_list("dwelling_id", "person_id"))
    pairs |= set(Person.objects.filter(dwelling_role=DwellingRole.OWNER, **of_dwelling)
                 .exclude(status=PersonStatus.DECEASED).values_list("dwelling_id", "id"))
    owners: dict[int, set] = {}
    for dwelling_id, person_id in pairs:
        owners.setdefault(dwelling_id, set()).add(person_id)
    rows = list(Dwelling.objects.filter(**place).values_list("id", "exclusive_area"))
    no_area = sum(1 for d, a in rows if a is None and owners.get(d))
    no_owner = sum(1 for d, _a in rows if not owners.get(d))
    units = rules.owners_roll((d, a, owners.get(d, ())) for d, a in rows)
    entries = []
    for elector, dwelling_ids in units:
        persons = sorted(int(p) for p in elector.key.removeprefix("owners:").split("+"))
        entries.append((elector.key, elector.area, persons, dwelling_ids, None))
    return entries, {"dwellings": len(rows), "without_exclusive_area": no_area, "without_owner": no_owner}


def _adult_units(vote: Vote, day):
    people = Person.objects.filter(status=PersonStatus.ACTIVE)
    people = people.filter(dwelling__compound=vote.compound) if vote.compound_id else people.filter(
        grid__code__startswith=_prefix(vote))
    rows = list(people.values_list("id", "birth_date"))
    adults = [pk for pk, birth in rows if adult_on(birth, day)]
    return ([(f"person:{pk}", Decimal(0), [pk], [], None) for pk in sorted(adults)],
            {"persons": len(rows), "not_adult_or_no_birth_date": len(rows) - len(adults)})


def _household_units(vote: Vote, day):
    households = Household.objects.all()
    if vote.compound_id:
        households = households.filter(Q(dwelling__compound=vote.compound) | Q(villager_group=vote.compound))
    else:
        households = households.filter(grid__code__startswith=_prefix(vote))
    members: dict[int, list] = {}
    for household_id, person_id, birth in households.filter(
            members__person__status=PersonStatus.ACTIVE).values_list(
            "id", "members__person_id", "members__person__birth_date"):
        if adult_on(birth, day):
            members.setdefault(household_id, []).append(person_id)
    total = households.count()
    return ([(f"household:{h}", Decimal(0), sorted(p), [], h) for h, p in sorted(members.items())],
            {"households": total, "without_adult_member": total - len(members)})


def _listed_units(vote: Vote, persons):
    ids = sorted({p.pk for p in persons})
    if not ids:
        raise ValidationError({"persons": _("List the persons who vote.")})
    found = Person.objects.filter(pk__in=ids, status=PersonStatus.ACTIVE, grid__code__startswith=_prefix(vote))
    if found.count() != len(ids):
        raise ValidationError({"persons": _("Everyone listed must live in the vote's area.")})
    return [(f"person:{pk}", Decimal(0), [pk], [], None) for pk in ids], {"listed": len(ids)}


def _write_roll(vote: Vote, entries) -> None:
    RollEntry.objects.bulk_create([RollEntry(vote=vote, key=key, area=area, household_id=household)
                                   for key, area, _p, _d, household in entries], batch_size=2000)
    ids = dict(RollEntry.objects.filter(vote=vote).values_list("key", "id"))
    persons = RollEntry.persons.through
    dwellings = RollEntry.dwellings.through
    persons.objects.bulk_create([persons(rollentry_id=ids[key], person_id=p)
                                 for key, _a, people, _d, _h in entries for p in people], batch_size=5000)
    dwellings.objects.bulk_create([dwellings(rollentry_id=ids[key], dwelling_id=d)
                                   for key, _a, _p, homes, _h in entries for d in homes], batch_size=5000)


def open_vote(*, actor, vote: Vote, persons=None) -> Vote:
    """Freeze the roll from the registry as it is now and open the vote (ballots count within its window).

    ``persons``: the listed electorate (representatives, affected households' representatives).
    """
    manage(actor, vote.region)
    with transaction.atomic():
        current = Vote.objects.select_for_update().get(pk=vote.pk)
        if current.state != VoteState.DRAFT:
            raise ValidationError(_("Only a draft vote can be opened."))
        if current.closes_at <= timezone.now():
            raise ValidationError({"closes_at": _("The vote's window is already over; change it first.")})
        day = timezone.localdate(max(current.opens_at, timezone.now()))
        if current.electorate == Electorate.OWNERS:
            entries, report = _owner_units(current)
        elif current.electorate == Electorate.ADULTS:
            entries, report = _adult_units(current, day)
        elif current.electorate == Electorate.HOUSEHOLDS:
            entries, report = _household_units(current, day)
        else:
            entries, report = _listed_units(current, persons or ())
        if not entries:
            raise ValidationError(_("Nobody would be on the roll: the registry holds no voter for this area."))
        _write_roll(current, entries)
        current.state, current.roll_frozen_at = VoteState.OPEN, timezone.now()
        current.result = {"roll": {**report, "entries": len(entries)}}
        current.save(update_fields=["state", "roll_frozen_at", "result"])
        record(actor=actor, action="deliberation.vote.open", obj=current,
               changes={"roll": current.result["roll"], "rule": current.rule})
    return current


def correct_roll(*, actor, vote: Vote, kind: str, reason: str, entry: RollEntry | None = None, persons=None,
                 area: Decimal | None = None) -> RollEntry:
    """Add a voting unit, correct one (its voters or area), or remove one, while the vote is open: logged."""
    manage(actor, vote.region)
    reason = text(reason, "reason", _("The reason"), max_length=2000)
    if kind not in RollChangeKind.values:
        raise ValidationError({"kind": _("Add, correct or remove.")})
    if area is not None and Decimal(area) < 0:
        raise ValidationError({"area": _("An area cannot be negative.")})
    if persons is not None:
        persons = list(persons)
        if not persons:
            raise ValidationError({"persons": _("Name who votes for this entry.")})
        for person in persons:
            if not person.grid.code.startswith(vote.region.prefix) and vote.electorate != Electorate.OWNERS:
                raise ValidationError({"persons": _("Everyone on the roll must live in the vote's area.")})
    with transaction.atomic():
        current = Vote.objects.select_for_update().get(pk=vote.pk)
        if current.state != VoteState.OPEN:
            raise ValidationError(_("The roll can be corrected only while the vote is open."))
        if kind == RollChangeKind.ADD:
            if not persons:
                raise ValidationError({"persons": _("Name who votes for this entry.")})
            key = "added:" + "+".join(str(p.pk) for p in sorted(persons, key=lambda p: p.pk))
            if RollEntry.objects.filter(vote=current, key=key).exists():
                raise ValidationError({"persons": _("These persons are already on the roll.")})
            target = RollEntry.objects.create(vote=current, key=key, area=Decimal(area or 0))
            target.persons.set(persons)
            changes = {"persons": [p.pk for p in persons], "area": str(target.area)}
        else:
            if entry is None or entry.vote_id != current.pk:
                raise ValidationError({"entry": _("Choose an entry of this vote's roll.")})
            target = RollEntry.objects.select_for_update().get(pk=entry.pk)
            if target.participations.exists():
                raise ValidationError({"entry": _("This voter has already voted; the entry can no longer change.")})
            if kind == RollChangeKind.REMOVE:
                target.active = False
                target.save(update_fields=["active"])
                changes = {"active": [True, False]}
            else:
                changes = {}
                if area is not None:
                    changes["area"] = [str(target.area), str(Decimal(area))]
                    target.area = Decimal(area)
                    target.save(update_fields=["area"])
                if persons is not None:
                    changes["persons"] = [sorted(target.persons.values_list("id", flat=True)),
                                          [p.pk for p in persons]]
                    target.persons.set(persons)
                if not changes:
                    raise ValidationError(_("Nothing to correct."))
        RollChange.objects.create(vote=current, entry=target, kind=kind, reason=reason, changes=changes,
                                  actor=user_of(actor))
        record(actor=actor, action=f"deliberation.roll.{kind}", obj=current, changes={"entry": target.pk, **changes},
               reason=reason)
    return target


# --- casting ------------------------------------------------------------------------------------


def _window_message(vote: Vote, now) -> str:
    if vote.state == VoteState.DRAFT or now < vote.opens_at:
        return _("The vote is not open yet: it opens at %(at)s.") % {
            "at": date_format(timezone.localtime(vote.opens_at), "DATETIME_FORMAT")}
    return _("The vote closed at %(at)s: ballots can no longer be cast or changed.") % {
        "at": date_format(timezone.localtime(vote.closes_at), "DATETIME_FORMAT")}


def _document(content, field: str, label: str):
    if content is None:
        return None
    data = content.read(DOCUMENT_MAX_BYTES + 1) if hasattr(content, "read") else bytes(content)
    if not data:
        raise ValidationError({field: _("%(field)s is empty.") % {"field": label}})
    if len(data) > DOCUMENT_MAX_BYTES:
        raise ValidationError({field: _("%(field)s is larger than 10 MB.") % {"field": label}})
    if not (data.startswith(b"%PDF") or data[:3] == b"\xff\xd8\xff" or data.startswith(b"\x89PNG")):
        raise ValidationError({field: _("%(field)s must be a PDF, JPEG or PNG file.") % {"field": label}})
    extension = "pdf" if data.startswith(b"%PDF") else "jpg" if data[:3] == b"\xff\xd8\xff" else "png"
    return data, extension


def _cast(*, actor, vote: Vote, entry: RollEntry, choice: str, channel: str, person, by_proxy: bool,
          authorisation, paper_form, now) -> Participation:
    if choice not in rules.CHOICES:
        raise ValidationError({"choice": _("Choose yes, no or abstain.")})
    if by_proxy and not vote.proxies_allowed:
        raise ValidationError({"by_proxy": _("This vote does not allow voting by proxy.")})
    authorisation = _document(authorisation, "authorisation", _("The written authorisation"))
    if by_proxy and authorisation is None:
        raise ValidationError({"authorisation": _("A proxy must attach the owner's written authorisation.")})
    paper = _document(paper_form, "paper_form", _("The scanned ballot form"))
    if channel == Channel.PAPER and paper is None:
        raise ValidationError({"paper_form": _("Attach the scanned ballot form.")})
    if not vote.is_open_at(now):
        raise ValidationError(_window_message(vote, now))
    try:
        with files.atomic():
            locked = RollEntry.objects.select_for_update().get(pk=entry.pk)
            if not locked.active:
                raise ValidationError(_("You are not on the roll of this vote."))
            if Participation.objects.filter(vote=vote, entry=locked).exists():
                raise ValidationError(_("A ballot was already cast for this voter; nobody votes twice."))
            # Moves only while the vote is open and within its window: waits for a close, then finds nothing.
            if not Vote.objects.filter(pk=vote.pk, state=VoteState.OPEN, opens_at__lte=now,
                                       closes_at__gt=now).update(cast_count=F("cast_count") + 1):
                raise ValidationError(_window_message(Vote.objects.get(pk=vote.pk), now))
            participation = Participation(vote=vote, entry=locked, person=person, channel=channel,
                                          by_proxy=bool(by_proxy), cast_by=user_of(actor), cast_at=now,
                                          choice="" if vote.secret else choice)
            if authorisation is not None:
                files.store(participation.authorisation, f"authorisation.{authorisation[1]}",
                            ContentFile(authorisation[0]))
            if paper is not None:
                files.store(participation.paper_form, f"ballot.{paper[1]}", ContentFile(paper[0]))
            with transaction.atomic():
                participation.save()
            if vote.secret:
                SecretBallot.objects.create(vote=vote, choice=choice, area=locked.area)
            # The trail says a ballot was cast in this vote, never what it chose.
            record(actor=actor, action="deliberation.ballot.cast", obj=vote,
                   changes={"channel": channel, "by_proxy": bool(by_proxy)})
    except IntegrityError:
        raise ValidationError(_("A ballot was already cast for this voter; nobody votes twice.")) from None
    return participation


def entries_of(vote: Vote, person) -> list[RollEntry]:
    if person is None:
        return []
    return list(RollEntry.objects.filter(vote=vote, active=True, persons=person).order_by("key"))


def cast_ballot(*, actor, vote: Vote, choice: str, entry: RollEntry | None = None, by_proxy: bool = False,
                authorisation=None, at: datetime | None = None) -> Participation:
    """A resident votes online: identity checked (their verified mobile number is a person of the registry),
    on the roll (or a proxy with the written authorisation, where the rule allows), once."""
    require(actor, "deliberation.take_part")
    now = at or timezone.now()
    person = person_of(actor)
    if person is None:
        raise PermissionDenied(_("Your account is not linked to a resident of the registry (the mobile number you "
                                 "signed in with); ask the community to check it."))
    if by_proxy:
        if entry is None or entry.vote_id != vote.pk:
            raise ValidationError({"entry": _("Choose whom you vote for.")})
        if person in entry.persons.all():
            by_proxy = False
    else:
        own = entries_of(vote, person)
        if entry is not None:
            own = [e for e in own if e.pk == entry.pk]
        if not own:
            if not vote.is_open_at(now):
                raise ValidationError(_window_message(vote, now))
            raise PermissionDenied(_("You are not on the roll of this vote."))
        if len(own) > 1:
            raise ValidationError({"entry": _("You vote for several entries of the roll; choose one.")})
        entry = own[0]
    return _cast(actor=actor, vote=vote, entry=entry, choice=choice, channel=Channel.ONLINE, person=person,
                 by_proxy=by_proxy, authorisation=authorisation, paper_form=None, now=now)


def enter_paper_ballot(*, actor, vote: Vote, entry: RollEntry, choice: str, paper_form, by_proxy: bool = False,
                       authorisation=None, at: datetime | None = None) -> Participation:
    """Staff enter a paper ballot with its scanned form (and the proxy's authorisation) for a roll entry."""
    manage(actor, vote.region)
    if entry.vote_id != vote.pk:
        raise ValidationError({"entry": _("Choose an entry of this vote's roll.")})
    return _cast(actor=actor, vote=vote, entry=entry, choice=choice, channel=Channel.PAPER, person=None,
                 by_proxy=by_proxy, authorisation=authorisation, paper_form=paper_form, now=at or timezone.now())


# --- closing and tallying ------------------------------------------------------------------------


def totals(vote: Vote) -> rules.Totals:
    """The roll and the ballots of a vote summed by the database: a handful of aggregate queries, whatever
    the size of the roll (20,000 owners: no row per ballot reaches Python).

    Open ballot: the choice is on the participation, counted with its roll entry's area. Secret ballot:
    the box is summed by choice with the area each ballot carries; the roll is the ballots plus the
    active entries that did not vote, as if each ballot were its own voting unit (nothing joins them).
    """
    active = RollEntry.objects.filter(vote=vote, active=True)
    if vote.secret:
        box = list(SecretBallot.objects.filter(vote=vote).order_by().values("choice").annotate(
            n=Count("id"), area=Sum("area")).values_list("choice", "n", "area"))
        participations = Participation.objects.filter(vote=vote)
        if sum(n for _c, n, _a in box) != participations.count():
            raise ValidationError(_("The ballot box does not match the participations; the vote cannot be tallied."))
        rest = active.exclude(pk__in=participations.values("entry_id")).aggregate(n=Count("id"), area=Sum("area"))
        eligible = sum(n for _c, n, _a in box) + rest["n"]
        eligible_area = sum((Decimal(a or 0) for _c, _n, a in box), Decimal(0)) + Decimal(rest["area"] or 0)
    else:
        box = list(Participation.objects.filter(vote=vote, entry__active=True).order_by().values("choice").annotate(
            n=Count("id"), area=Sum("entry__area")).values_list("choice", "n", "area"))
        roll = active.aggregate(n=Count("id"), area=Sum("area"))
        eligible, eligible_area = roll["n"], Decimal(roll["area"] or 0)
    return rules.Totals.checked(eligible, eligible_area, {c: n for c, n, _a in box},
                                {c: Decimal(a or 0) for c, _n, a in box},
                                negative=RollEntry.objects.filter(vote=vote, area__lt=0).exists())


def tally(vote: Vote) -> rules.Outcome:
    """The outcome computed from the roll and the ballots as stored (the same ballots, the same result)."""
    return rule_of(vote).tally_totals(totals(vote))


def close_vote(*, actor, vote: Vote, at: datetime | None = None) -> Vote:
    """After the window: tally, keep every figure, record the result on the item (decided)."""
    if actor is not None:
        manage(actor, vote.region)
    now = at or timezone.now()
    with transaction.atomic():
        current = Vote.objects.select_for_update().get(pk=vote.pk)
        if current.state != VoteState.OPEN:
            raise ValidationError(_("Only an open vote can be closed."))
        if now < current.closes_at:
            raise ValidationError(_("The vote closes at %(at)s; it cannot be tallied before.") % {
                "at": date_format(timezone.localtime(current.closes_at), "DATETIME_FORMAT")})
        outcome = tally(current)
        current.state, current.tallied_at = VoteState.CLOSED, now
        current.result = {**current.result, **outcome.as_dict()}
        current.save(update_fields=["state", "tallied_at", "result"])
        record(actor=actor, action="deliberation.vote.close", obj=current,
               changes={"adopted": outcome.adopted, "held": outcome.held, "counts": outcome.counts})

        def change(item: Item):
            item.outcome = (Outcome.ADOPTED if outcome.adopted else Outcome.REJECTED if outcome.held
                            else Outcome.NOT_HELD)
            item.decision = f"{current.question}: {outcome.explanation()}"
            return {"vote": current.pk, "outcome": item.outcome}

        machine.transition(current.item, ItemAction.RECORD_RESULT, actor=actor, change=change,
                           expected_version=Item.objects.get(pk=current.item_id).version)
    return current


def cancel_vote(*, actor, vote: Vote, reason: str) -> Vote:
    """Withdraw a vote nobody has voted in yet; the item goes back to "deliberated"."""
    manage(actor, vote.region)
    reason = text(reason, "reason", _("The reason"), max_length=2000)
    with transaction.atomic():
        current = Vote.objects.select_for_update().get(pk=vote.pk)
        if current.state not in (VoteState.DRAFT, VoteState.OPEN):
            raise ValidationError(_("Only a draft or open vote can be cancelled."))
        if current.participations.exists():
            raise ValidationError(_("Ballots were cast: the vote can no longer be cancelled, only closed."))
        current.state = VoteState.CANCELLED
        current.save(update_fields=["state"])
        record(actor=actor, action="deliberation.vote.cancel", obj=current, reason=reason)
        machine.transition(current.item, ItemAction.CANCEL_VOTE, actor=actor, note=reason,
                           expected_version=Item.objects.get(pk=current.item_id).version)
    return current


def close_due_votes(*, now: datetime | None = None) -> int:
    """The periodic sweep: close and tally every open vote whose window is over."""
    now = now or timezone.now()
    closed = 0
    for vote in Vote.objects.filter(state=VoteState.OPEN, closes_at__lte=now).select_related("item"):
        try:
            close_vote(actor=None, vote=vote, at=now)
        except ValidationError:
            continue  # closed meanwhile by staff, or its box does not match: left for staff, logged by the trail
        closed += 1
    return closed
