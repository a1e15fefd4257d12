"""Deliberation and votes (议事协商): proposals, agenda items, meetings, votes, publication, implementation, fund.

"民事民议、民事民办、民事民管": a resident raises a micro-proposal (:class:`Proposal`), others co-sign
(:class:`ProposalSupport`); with enough supporters it joins the agenda queue and staff make it an
agenda item (:class:`Item`), whose lifecycle is data in :mod:`gongzhi.deliberation.machine`
(collected → on agenda → deliberated → put to vote or decided by consensus → published → being
implemented → done). An item is discussed at meetings (:class:`Meeting`) and may be put to a
:class:`Vote` under a rule of :mod:`gongzhi.deliberation.rules`, with a roll frozen from the
registry when it opens (:class:`RollEntry`, corrections in :class:`RollChange`).

Secret ballots: who took part (:class:`Participation`) and what was chosen (:class:`SecretBallot`)
live in two tables that share nothing but the vote: a secret ballot has a random UUID for its key,
no timestamp, no voter, no roll entry, and is written with the participation in one transaction;
the audit trail records "a ballot was cast in vote N" without the choice. In an open ballot the
choice is on the participation itself.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec

from .rules import ART_278_ITEMS, RULE_CHOICES

TITLE_MAX = 200
TEXT_MAX = 20000


class InRegion:
    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


# --- micro-proposals (微提案) ---------------------------------------------------------


class ProposalState(models.TextChoices):
    OPEN = "open", _("Collecting supporters")
    QUEUED = "queued", _("In the agenda queue")
    TAKEN = "taken", _("Taken up as an agenda item")
    MERGED = "merged", _("Merged into another proposal")
    DECLINED = "declined", _("Not taken up")


class Proposal(InRegion, models.Model):
    """A matter a resident raises for their compound, building, grid or community."""

    scoping = ScopeSpec(region="region__code", owner="author")

    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT,
                               related_name="+")
    compound = models.ForeignKey("registry.Compound", verbose_name=_("compound"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("registry.Building", verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), max_length=TEXT_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT,
                               related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=ProposalState.choices, default=ProposalState.OPEN,
                             db_index=True)
    supporters_needed = models.PositiveIntegerField(_("supporters needed"), validators=[MinValueValidator(1)])
    supporter_count = models.PositiveIntegerField(_("supporters"), default=0)
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged")
    item = models.ForeignKey("deliberation.Item", verbose_name=_("agenda item"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="proposals")
    answer = models.TextField(_("published answer"), blank=True, max_length=TEXT_MAX)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("micro-proposal")
        verbose_name_plural = _("micro-proposals")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class ProposalSupport(models.Model):
    """A resident's co-signature (附议) of a proposal: one per person and proposal."""

    scoping = ScopeSpec(region="proposal__region__code", owner="user")

    proposal = models.ForeignKey(Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE,
                                 related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("supporter"), on_delete=models.PROTECT,
                             related_name="+")
    created_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        verbose_name = _("co-signature")
        verbose_name_plural = _("co-signatures")
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="deliberation_one_support")]

    @property
    def audit_region_code(self) -> str:
        return self.proposal.region.code


def _photo_path(instance, filename):
    return f"deliberation/{timezone.now():%Y/%m}/{filename}"


class Photo(models.Model):
    """A photo of a proposal or of a project's progress (checked like a case's photos)."""

    scoping = ScopeSpec(region="region__code", owner="uploaded_by")

    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT,
                               related_name="+")
    proposal = models.ForeignKey(Proposal, verbose_name=_("proposal"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="photos")
    project = models.ForeignKey("deliberation.Project", verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to=_photo_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(proposal__isnull=False) | Q(project__isnull=False),
                                              name="deliberation_photo_of_something")]

    audit_region_code = InRegion.audit_region_code


# --- agenda items and their lifecycle ----------------------------------------------------


class ItemState(models.TextChoices):
    COLLECTED = "collected", _("Collected")
    ON_AGENDA = "on_agenda", _("On the agenda")
    DELIBERATED = "deliberated", _("Deliberated")
    VOTING = "voting", _("Put to a vote")
    DECIDED = "decided", _("Decided")
    PUBLISHED = "published", _("Published")
    IMPLEMENTING = "implementing", _("Being implemented")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ItemAction(models.TextChoices):
    COLLECT = "collect", _("Collected")
    SCHEDULE = "schedule", _("Put on the agenda")
    DELIBERATE = "deliberate", _("Deliberated")
    PUT_TO_VOTE = "put_to_vote", _("Put to a vote")
    DECIDE_BY_CONSENSUS = "decide_by_consensus", _("Decided by consensus")
    RECORD_RESULT = "record_result", _("Vote result recorded")
    CANCEL_VOTE = "cancel_vote", _("Vote cancelled")
    PUBLISH = "publish", _("Published")
    START_IMPLEMENTATION = "start_implementation", _("Implementation started")
    COMPLETE = "complete", _("Completed")
    CLOSE = "close", _("Closed without implementation")
    DROP = "drop", _("Dropped")


class Outcome(models.TextChoices):
    NONE = "", _("Not decided")
    ADOPTED = "adopted", _("Adopted")
    REJECTED = "rejected", _("Rejected")
    NOT_HELD = "not_held", _("Not held: too few took part")


class Item(InRegion, models.Model):
    """An agenda item (议题): a matter to deliberate and decide, usually from proposals."""

    scoping = ScopeSpec(region="region__code")

    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT,
                               related_name="+")
    compound = models.ForeignKey("registry.Compound", verbose_name=_("compound"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), max_length=TEXT_MAX, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=ItemState.choices, default=ItemState.COLLECTED,
                             db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, default="")
    decision = models.TextField(_("decision"), blank=True, max_length=TEXT_MAX)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class ItemEvent(models.Model):
    """One step of an item's lifecycle (append-only, like a case's events)."""

    scoping = ScopeSpec(region="item__region__code")

    item = models.ForeignKey(Item, verbose_name=_("agenda item"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=24, choices=ItemAction.choices)
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT,
                              related_name="+")
    note = models.TextField(_("note"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("agenda item event")
        verbose_name_plural = _("agenda item events")
        ordering = ["item_id", "at", "id"]

    @property
    def audit_region_code(self) -> str:
        return self.item.region.code


# --- meetings (多方会谈) ---------------------------------------------------------------


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    BOTH = "both", _("In person and online")


class Party(models.TextChoices):
    PARTY_ORGANISATION = "party_organisation", _("Party organisation")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    REPRESENTATIVES = "representatives", _("Residents' representatives")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    PROPERTY_COMPANY = "property_company", _("Property company")
    RESIDENT_UNIT = "resident_unit", _("Resident unit")
    STAKEHOLDER = "stakeholder", _("Stakeholder")


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(InRegion, models.Model):
    scoping = ScopeSpec(region="region__code")

    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    mode = models.CharField(_("form"), max_length=16, choices=MeetingMode.choices, default=MeetingMode.IN_PERSON)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=MeetingState.choices, default=MeetingState.PLANNED)
    minutes = models.TextField(_("minutes"), blank=True, max_length=TEXT_MAX)
    items = models.ManyToManyField(Item, verbose_name=_("agenda"), related_name="meetings", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]

    def __str__(self):
        return self.title


class MeetingParticipant(models.Model):
    """An invited party: an organisation, a unit or a user, and whether they attended."""

    scoping = ScopeSpec(region="meeting__region__code")

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="participants")
    party = models.CharField(_("party"), max_length=24, choices=Party.choices)
    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting participant")
        verbose_name_plural = _("meeting participants")
        ordering = ["meeting_id", "party", "id"]

    @property
    def audit_region_code(self) -> str:
        return self.meeting.region.code


# --- votes ------------------------------------------------------------------------------


class Electorate(models.TextChoices):
    OWNERS = "owners", _("Owners of the dwellings (by exclusive area)")
    ADULTS = "adults", _("Adult residents")
    HOUSEHOLDS = "households", _("Household representatives")
    LISTED = "listed", _("Listed persons (representatives, affected households)")


class VoteState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed and tallied")
    CANCELLED = "cancelled", _("Cancelled")


class Vote(InRegion, models.Model):
    scoping = ScopeSpec(region="region__code")

    item = models.ForeignKey(Item, verbose_name=_("agenda item"), on_delete=models.PROTECT, related_name="votes")
    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT,
                               related_name="+")
    compound = models.ForeignKey("registry.Compound", verbose_name=_("compound"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    question = models.CharField(_("question"), max_length=TITLE_MAX)
    rule = models.CharField(_("rule"), max_length=32, choices=RULE_CHOICES)
    rule_parameters = models.JSONField(_("rule parameters"), default=dict, blank=True)
    art278_item = models.PositiveSmallIntegerField(_("matter (art. 278 item)"), null=True, blank=True,
                                                   choices=sorted(ART_278_ITEMS.items()))
    electorate = models.CharField(_("electorate"), max_length=16, choices=Electorate.choices)
    secret = models.BooleanField(_("secret ballot"), default=False)
    proxies_allowed = models.BooleanField(_("proxies allowed"), default=False)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    state = models.CharField(_("state"), max_length=16, choices=VoteState.choices, default=VoteState.DRAFT,
                             db_index=True)
    roll_frozen_at = models.DateTimeField(_("roll frozen at"), null=True, blank=True)
    cast_count = models.PositiveIntegerField(_("ballots cast"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    tallied_at = models.DateTimeField(_("tallied at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-opens_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                              name="deliberation_vote_window_ordered")]

    def __str__(self):
        return self.question

    def is_open_at(self, now) -> bool:
        return self.state == VoteState.OPEN and self.opens_at <= now < self.closes_at


class RollEntry(models.Model):
    """One voting unit of a vote's frozen roll: an owner (co-owners as one, several dwellings summed),
    an adult resident, a household or a listed person; ``persons`` may vote for it."""

    scoping = ScopeSpec(region="vote__region__code")

    vote = models.ForeignKey(Vote, verbose_name=_("vote"), on_delete=models.CASCADE, related_name="roll")
    key = models.CharField(_("key"), max_length=200)
    area = models.DecimalField(_("exclusive area (m²)"), max_digits=12, decimal_places=2, default=0)
    persons = models.ManyToManyField("registry.Person", verbose_name=_("may vote"), related_name="+")
    dwellings = models.ManyToManyField("registry.Dwelling", verbose_name=_("dwellings"), related_name="+",
                                       blank=True)
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("on the roll"), default=True)

    class Meta:
        verbose_name = _("roll entry")
        verbose_name_plural = _("roll entries")
        ordering = ["vote_id", "key"]
        constraints = [models.UniqueConstraint(fields=["vote", "key"], name="deliberation_roll_key_uniq")]

    def __str__(self):
        return self.key

    @property
    def audit_region_code(self) -> str:
        return self.vote.region.code


class RollChangeKind(models.TextChoices):
    ADD = "add", _("Added")
    CORRECT = "correct", _("Corrected")
    REMOVE = "remove", _("Removed")


class RollChange(models.Model):
    """An addition or correction to a frozen roll, with its reason (logged)."""

    scoping = ScopeSpec(region="vote__region__code")

    vote = models.ForeignKey(Vote, verbose_name=_("vote"), on_delete=models.CASCADE, related_name="roll_changes")
    entry = models.ForeignKey(RollEntry, verbose_name=_("roll entry"), on_delete=models.CASCADE,
                              related_name="changes")
    kind = models.CharField(_("change"), max_length=16, choices=RollChangeKind.choices)
    reason = models.TextField(_("reason"))
    changes = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("roll change")
        verbose_name_plural = _("roll changes")
        ordering = ["vote_id", "at", "id"]

    @property
    def audit_region_code(self) -> str:
        return self.vote.region.code


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("On paper, entered by staff")


def _document_path(instance, filename):
    return f"deliberation/ballots/{timezone.now():%Y/%m}/{filename}"


class Participation(models.Model):
    """Who took part in a vote: one per roll entry (the database refuses a second). In an open ballot
    it holds the choice; in a secret one it does not, and nothing links it to the :class:`SecretBallot`."""

    scoping = ScopeSpec(region="vote__region__code")

    vote = models.ForeignKey(Vote, verbose_name=_("vote"), on_delete=models.PROTECT, related_name="participations")
    entry = models.ForeignKey(RollEntry, verbose_name=_("roll entry"), on_delete=models.PROTECT,
                              related_name="participations")
    person = models.ForeignKey("registry.Person", verbose_name=_("voter"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    by_proxy = models.BooleanField(_("by proxy"), default=False)
    authorisation = models.FileField(_("written authorisation"), upload_to=_document_path, blank=True,
                                     max_length=200)
    paper_form = models.FileField(_("scanned ballot form"), upload_to=_document_path, blank=True, max_length=200)
    choice = models.CharField(_("choice"), max_length=8, blank=True)  # open ballots only
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True,
                                on_delete=models.PROTECT, related_name="+")
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["vote_id", "id"]
        constraints = [models.UniqueConstraint(fields=["vote", "entry"], name="deliberation_one_ballot_per_voter")]

    @property
    def audit_region_code(self) -> str:
        return self.vote.region.code


class SecretBallot(models.Model):
    """What was chosen in a secret ballot: a random key, the vote, the choice and the weight it counts
    with (the voting unit's exclusive area under art. 278). No voter, no entry, no time."""

    scoping = ScopeSpec(region="vote__region__code")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, verbose_name=_("vote"), on_delete=models.PROTECT, related_name="secret_ballots")
    choice = models.CharField(_("choice"), max_length=8)
    area = models.DecimalField(_("exclusive area (m²)"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("secret ballot")
        verbose_name_plural = _("secret ballots")
        ordering = ["vote_id", "id"]  # the random key: no order of casting

    @property
    def audit_region_code(self) -> str:
        return self.vote.region.code


# --- publication (居务公开) and objections ----------------------------------------------------


class Publication(models.Model):
    """A decision, its minutes and the result, published to the residents through the noticeboard."""

    scoping = ScopeSpec(region="item__region__code")

    item = models.ForeignKey(Item, verbose_name=_("agenda item"), on_delete=models.PROTECT,
                             related_name="publications")
    notice = models.OneToOneField("noticeboard.Notice", verbose_name=_("notice"), on_delete=models.PROTECT,
                                  related_name="+")
    objections_until = models.DateTimeField(_("objections until"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_at", "-id"]

    @property
    def audit_region_code(self) -> str:
        return self.item.region.code


class Objection(models.Model):
    scoping = ScopeSpec(region="publication__item__region__code", owner="author")

    publication = models.ForeignKey(Publication, verbose_name=_("publication"), on_delete=models.PROTECT,
                                    related_name="objections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(_("objection"), max_length=TEXT_MAX)
    answer = models.TextField(_("answer"), blank=True, max_length=TEXT_MAX)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["created_at", "id"]

    @property
    def audit_region_code(self) -> str:
        return self.publication.item.region.code


# --- implementation -------------------------------------------------------------------------


class Project(InRegion, models.Model):
    """An adopted decision being carried out: owner, milestones, progress, budget and spending."""

    scoping = ScopeSpec(region="region__code")

    item = models.OneToOneField(Item, verbose_name=_("agenda item"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="project")
    fund_project = models.OneToOneField("deliberation.FundProject", verbose_name=_("community fund project"),
                                        null=True, blank=True, on_delete=models.PROTECT, related_name="project")
    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("responsible"), on_delete=models.PROTECT,
                              related_name="+")
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2, default=0,
                                 validators=[MinValueValidator(0)])
    spent = models.DecimalField(_("spent (yuan)"), max_digits=14, decimal_places=2, default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Milestone(models.Model):
    scoping = ScopeSpec(region="project__region__code")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="milestones")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    due = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project_id", "due", "id"]

    @property
    def audit_region_code(self) -> str:
        return self.project.region.code


class ProgressReport(models.Model):
    scoping = ScopeSpec(region="project__region__code")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="reports")
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["project_id", "created_at", "id"]

    @property
    def audit_region_code(self) -> str:
        return self.project.region.code


class Expense(models.Model):
    scoping = ScopeSpec(region="project__region__code")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="expenses")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    note = models.CharField(_("what for"), max_length=200)
    spent_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["project_id", "spent_on", "id"]

    @property
    def audit_region_code(self) -> str:
        return self.project.region.code


# --- the community fund (社区基金 / participatory budget) ---------------------------------------


class FundState(models.TextChoices):
    PROPOSING = "proposing", _("Taking project proposals")
    VOTING = "voting", _("Voting")
    CLOSED = "closed", _("Closed: winners funded")


class Fund(InRegion, models.Model):
    scoping = ScopeSpec(region="region__code")

    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    min_picks = models.PositiveSmallIntegerField(_("fewest projects a voter picks"), default=1)
    max_picks = models.PositiveSmallIntegerField(_("most projects a voter picks"), default=3)
    state = models.CharField(_("state"), max_length=16, choices=FundState.choices, default=FundState.PROPOSING)
    voting_opens_at = models.DateTimeField(_("voting opens at"), null=True, blank=True)
    voting_closes_at = models.DateTimeField(_("voting closes at"), null=True, blank=True)
    ballot_count = models.PositiveIntegerField(_("ballots cast"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("community fund")
        verbose_name_plural = _("community funds")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="deliberation_fund_period_ordered"),
            models.CheckConstraint(condition=Q(max_picks__gte=models.F("min_picks")),
                                   name="deliberation_fund_picks_ordered"),
        ]

    def __str__(self):
        return self.title


class FundProjectState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ON_BALLOT = "on_ballot", _("On the ballot")
    REFUSED = "refused", _("Not admitted")
    FUNDED = "funded", _("Funded")
    NOT_FUNDED = "not_funded", _("Not funded")


class FundProject(models.Model):
    scoping = ScopeSpec(region="fund__region__code", owner="proposed_by")

    fund = models.ForeignKey(Fund, verbose_name=_("community fund"), on_delete=models.CASCADE,
                             related_name="projects")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), max_length=TEXT_MAX)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("proposed by"),
                                    on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=FundProjectState.choices,
                             default=FundProjectState.PROPOSED)
    answer = models.TextField(_("answer"), blank=True, max_length=TEXT_MAX)
    votes = models.PositiveIntegerField(_("votes"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("community fund project")
        verbose_name_plural = _("community fund projects")
        ordering = ["fund_id", "-votes", "cost", "id"]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.fund.region.code


class FundBallot(models.Model):
    """A resident's budget ballot: one per person and fund (the database refuses a second)."""

    scoping = ScopeSpec(region="fund__region__code", owner="voter")

    fund = models.ForeignKey(Fund, verbose_name=_("community fund"), on_delete=models.PROTECT,
                             related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("voter"), on_delete=models.PROTECT,
                              related_name="+")
    person = models.ForeignKey("registry.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="+")
    picks = models.ManyToManyField(FundProject, verbose_name=_("projects picked"), related_name="+")
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)

    class Meta:
        verbose_name = _("budget ballot")
        verbose_name_plural = _("budget ballots")
        constraints = [models.UniqueConstraint(fields=["fund", "person"], name="deliberation_one_budget_ballot")]

    @property
    def audit_region_code(self) -> str:
        return self.fund.region.code
