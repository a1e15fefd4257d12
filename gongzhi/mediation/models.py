"""Disputes (矛盾纠纷) and their mediation under the People's Mediation Law (人民调解法).

A :class:`Dispute` is registered from a case, a walk-in, screening or a court's referral;
its ``state`` only ever changes through :func:`gongzhi.mediation.machine.transition`,
which appends a :class:`DisputeEvent`. Every figure (:mod:`gongzhi.mediation.metrics`)
is computed from those events, which carry what a figure needs (committee, tier,
type, region, mediators) at the time they happen.

Parties' names, ID numbers, phones and addresses are personal data: encrypted
(:class:`~gongzhi.core.crypto.EncryptedTextField`), masked on every page, shown in
clear only through :func:`gongzhi.mediation.services.reveal_party` (the one audited
reveal). A party taken from the registry is linked, not copied.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.crypto import EncryptedTextField
from gongzhi.core.scoping import ScopeSpec

VIEW = "mediation.view"


class Tier(models.TextChoices):
    COMMUNITY = "community", _("Village / community")
    TOWNSHIP = "township", _("Township / subdistrict")
    COUNTY = "county", _("County / district")


TIER_RANK = {Tier.COMMUNITY: 1, Tier.TOWNSHIP: 2, Tier.COUNTY: 3}


class Trade(models.TextChoices):
    NONE = "", _("People's mediation committee")
    PROPERTY = "property", _("Property management (物业)")
    MEDICAL = "medical", _("Medical (医疗)")
    TRAFFIC = "traffic", _("Traffic accidents (交通事故)")
    LABOUR = "labour", _("Labour (劳动)")


class DisputeType(models.Model):
    """A kind of dispute (婚姻家庭, 邻里…): a catalogue kept by the administrator."""

    scoping = ScopeSpec()

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("name in English"), max_length=80, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dispute type")
        verbose_name_plural = _("dispute types")
        ordering = ["order", "code"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the language of the request (English when the English name is known)."""
        from django.utils.translation import get_language

        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name


class Committee(models.Model):
    """A mediation committee (调委会): a unit of kind "mediation committee" with its tier and trade.

    Its mediators are the users of role mediator in its unit.
    """

    scoping = ScopeSpec(region="unit__region__code", unit="unit_id")

    unit = models.OneToOneField("accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT,
                                related_name="mediation_committee")
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices)
    trade = models.CharField(_("trade"), max_length=12, choices=Trade.choices, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mediation committee")
        verbose_name_plural = _("mediation committees")
        ordering = ["unit__code"]

    def __str__(self):
        return self.unit.name

    @property
    def rank(self) -> int:
        return TIER_RANK[self.tier]

    @property
    def region_code(self) -> str:
        return self.unit.region.code

    @property
    def audit_region_code(self) -> str:
        return self.region_code


class Source(models.TextChoices):
    CASE = "case", _("From a case")
    WALK_IN = "walk_in", _("Walk-in")
    SCREENING = "screening", _("Found in screening")
    COURT = "court", _("Referred by a court")


class RiskLevel(models.TextChoices):
    GENERAL = "general", _("General (一般)")
    MAJOR = "major", _("Major (较大)")
    SERIOUS = "serious", _("Serious (重大)")


class Sign(models.TextChoices):
    """Signs that a dispute may escalate (激化): each one raises an early warning."""

    THREATS = "threats", _("Threats")
    MANY_PARTIES = "many_parties", _("Many parties")
    REPEATED_PETITIONS = "repeated_petitions", _("Repeated petitions")
    VIOLENCE = "violence", _("Violence")


class DisputeState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ASSIGNED = "assigned", _("Assigned to a committee")
    MEDIATING = "mediating", _("Being mediated")
    AGREED = "agreed", _("Agreement reached")
    FAILED = "failed", _("Mediation failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = frozenset({DisputeState.REGISTERED, DisputeState.ASSIGNED, DisputeState.MEDIATING})
ENDED_STATES = frozenset({DisputeState.AGREED, DisputeState.FAILED, DisputeState.WITHDRAWN})


class Action(models.TextChoices):
    REGISTER = "register", _("Register")
    ADD_PARTY = "add_party", _("Add a party")
    ASSIGN = "assign", _("Assign to a committee and mediators")
    ESCALATE = "escalate", _("Escalate to the next tier")
    CONSENT = "consent", _("Record a party's consent")
    SESSION = "session", _("Record a mediation session")
    AGREE = "agree", _("Record the agreement")
    FAIL = "fail", _("End the mediation without agreement")
    WITHDRAW = "withdraw", _("Record the withdrawal")
    WARN = "warn", _("Raise an early warning")
    CRIMINAL = "criminal", _("Record that it turned into a criminal case")
    APPLY_CONFIRMATION = "apply_confirmation", _("Apply for judicial confirmation")
    CONFIRMATION_RESULT = "confirmation_result", _("Record the court's decision on confirmation")
    REFERRAL_RESULT = "referral_result", _("Report the result to the referring court")
    FOLLOW_UP = "follow_up", _("Record the follow-up of performance")
    # Written by the sweep, not by a person: no state change.
    DEADLINE_ALERT = "deadline_alert", _("Deadline alert")
    OVERDUE = "overdue", _("Mediation overdue")
    REMINDER = "reminder", _("Reminder")


class Routes(models.TextChoices):
    """What the parties are told when mediation fails (人民调解法 第二十六条)."""

    ARBITRATION = "arbitration", _("Arbitration")
    ADMINISTRATIVE = "administrative", _("Administrative route")
    COURT = "court", _("Court")


class Dispute(models.Model):
    scoping = ScopeSpec(region="region_code", unit="committee__unit_id", view=VIEW)

    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    dispute_type = models.ForeignKey(DisputeType, verbose_name=_("type"), on_delete=models.PROTECT,
                                     related_name="disputes")
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    case = models.OneToOneField("cases.Case", verbose_name=_("case"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="dispute")
    title = models.CharField(_("title"), max_length=100)
    facts = models.TextField(_("facts"), max_length=10000)
    claims = models.TextField(_("claims"), max_length=5000, blank=True)
    amount = models.DecimalField(_("amount in dispute (yuan)"), max_digits=14, decimal_places=2, null=True,
                                 blank=True)
    grid = models.ForeignKey("regions.Region", verbose_name=_("place (grid)"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("region code"), max_length=15, db_index=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices,
                                  default=RiskLevel.GENERAL)
    risk_reasons = models.TextField(_("reasons for the risk level"), max_length=2000, blank=True)
    signs = models.JSONField(_("signs of escalation"), default=list, blank=True)

    state = models.CharField(_("state"), max_length=12, choices=DisputeState.choices,
                             default=DisputeState.REGISTERED)
    committee = models.ForeignKey(Committee, verbose_name=_("committee"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="disputes")
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("mediators"), blank=True,
                                       related_name="mediated_disputes")
    requested_mediator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("mediator asked for"),
                                           null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("mediation due"), null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome_note = models.TextField(_("outcome"), blank=True)
    routes_told = models.JSONField(_("routes the parties were told of"), default=list, blank=True)
    criminal_at = models.DateTimeField(_("turned into a criminal case at"), null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["committee", "state"], name="mediation_dispute_committee")]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def audit_region_code(self) -> str:
        return self.region_code

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def tier(self) -> str:
        return self.committee.tier if self.committee_id else ""


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    THIRD_PARTY = "third_party", _("Third party")


class PartyKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Party(models.Model):
    """A party to a dispute: a person or organisation of the registry, or entered here (then encrypted)."""

    scoping = ScopeSpec(region="dispute__region_code", unit="dispute__committee__unit_id", view=VIEW)

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT,
                                related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=PartyKind.choices, default=PartyKind.PERSON)
    person = models.ForeignKey("registry.Person", verbose_name=_("person in the registry"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("organisation in the registry"),
                                     null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # An organisation's name is not personal data; a person's is.
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    name = EncryptedTextField(_("name"), kind="name")
    id_number = EncryptedTextField(_("ID number"), kind="id_number")
    id_number_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone = EncryptedTextField(_("phone"), kind="phone")
    phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    address = EncryptedTextField(_("address"), kind="address")
    consent = models.BooleanField(_("consents to mediation"), null=True, blank=True)
    consent_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute_id", "id"]

    def __str__(self):
        return f"{self.get_role_display()} {self.name_masked}"

    @property
    def audit_region_code(self) -> str:
        return self.dispute.region_code

    def clear_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        if self.person_id:
            return self.person.name
        return self.organisation_name or self.name

    @property
    def name_masked(self) -> str:
        if self.kind == PartyKind.ORGANISATION:
            return self.clear_name()
        return crypto.mask_name(self.clear_name())

    def clear_id_number(self) -> str:
        return self.person.id_number if self.person_id else self.id_number

    def clear_phone(self) -> str:
        return self.person.phone if self.person_id else self.phone

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.clear_id_number())

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.clear_phone())

    @property
    def address_masked(self) -> str:
        return crypto.mask_address(self.address)

    @property
    def must_consent(self) -> bool:
        return self.role in (PartyRole.APPLICANT, PartyRole.RESPONDENT)


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("dispute events are append-only")

    def delete(self):
        raise TypeError("dispute events are append-only")


class DisputeEvent(models.Model):
    """One thing that happened to a dispute; never changed, never deleted. The figures count these."""

    scoping = ScopeSpec(region="region_code", unit="committee__unit_id", view=VIEW)

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT,
                                related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    from_state = models.CharField(_("from state"), max_length=12, choices=DisputeState.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=12, choices=DisputeState.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    # What the figures group by, as it was when the event happened.
    committee = models.ForeignKey(Committee, verbose_name=_("committee"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices, blank=True)
    type_code = models.CharField(_("type"), max_length=32, blank=True)
    region_code = models.CharField(_("region code"), max_length=15, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["action", "at"], name="mediation_event_action_at")]

    def __str__(self):
        return f"{self.dispute_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("dispute events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("dispute events are append-only")


class MediationSession(models.Model):
    """One mediation session: when, where, who attended, what was said and proposed."""

    scoping = ScopeSpec(region="dispute__region_code", unit="dispute__committee__unit_id", view=VIEW)

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT,
                                related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200)
    attendees = models.TextField(_("attendees"), max_length=2000)
    statements = models.TextField(_("what was said"), max_length=20000)
    proposal = models.TextField(_("what was proposed"), max_length=5000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["dispute_id", "held_at", "id"]

    @property
    def audit_region_code(self) -> str:
        return self.dispute.region_code


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("Written agreement (调解协议书)")
    ORAL = "oral", _("Oral agreement, recorded by the mediator")


class Performance(models.TextChoices):
    PENDING = "pending", _("Not yet checked")
    PERFORMED = "performed", _("Performed")
    PARTLY = "partly", _("Partly performed")
    NOT_PERFORMED = "not_performed", _("Not performed")


class Agreement(models.Model):
    """The outcome of a successful mediation, with what the law requires of a written agreement (第二十九条)."""

    scoping = ScopeSpec(region="dispute__region_code", unit="dispute__committee__unit_id", view=VIEW)

    dispute = models.OneToOneField(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT,
                                   related_name="agreement")
    number = models.CharField(_("agreement number"), max_length=40, unique=True, editable=False)
    form = models.CharField(_("form"), max_length=8, choices=AgreementForm.choices)
    facts = models.TextField(_("main facts"), max_length=10000)
    matters = models.TextField(_("matters in dispute"), max_length=5000)
    responsibilities = models.TextField(_("each party's responsibility"), max_length=5000)
    content = models.TextField(_("agreed content"), max_length=10000)
    performance_manner = models.TextField(_("manner of performance"), max_length=2000)
    performance_due = models.DateField(_("performance deadline"))
    effective_on = models.DateField(_("takes effect on"))
    # 司法确认: the joint application is due within 30 days of the agreement taking effect
    # (gongzhi.core.workcal.period_end: a last day on a holiday moves to the next working day).
    confirmation_due = models.DateField(_("judicial confirmation to be applied for by"))
    performance = models.CharField(_("performance"), max_length=16, choices=Performance.choices,
                                   default=Performance.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.dispute.region_code


class ConfirmationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied for")
    CONFIRMED = "confirmed", _("Confirmed by the court")
    REJECTED = "rejected", _("Not confirmed by the court")


class JudicialConfirmation(models.Model):
    """A joint application for judicial confirmation (司法确认) of an agreement, and the court's decision."""

    scoping = ScopeSpec(region="agreement__dispute__region_code", unit="agreement__dispute__committee__unit_id",
                        view=VIEW)

    agreement = models.ForeignKey(Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT,
                                  related_name="confirmations")
    court = models.CharField(_("court"), max_length=100)
    applied_on = models.DateField(_("applied on"))
    status = models.CharField(_("status"), max_length=12, choices=ConfirmationStatus.choices,
                              default=ConfirmationStatus.APPLIED)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("judicial confirmation")
        verbose_name_plural = _("judicial confirmations")
        ordering = ["-applied_on", "-id"]

    @property
    def audit_region_code(self) -> str:
        return self.agreement.dispute.region_code


class ReferralResult(models.TextChoices):
    PENDING = "pending", _("Being mediated")
    SETTLED = "settled", _("Settled by mediation")
    NOT_SETTLED = "not_settled", _("Not settled: back to the court")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CourtReferral(models.Model):
    """A court's referral of a case for pre-litigation mediation (诉前调解, 诉调对接) and its result."""

    scoping = ScopeSpec(region="dispute__region_code", unit="dispute__committee__unit_id", view=VIEW)

    dispute = models.OneToOneField(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT,
                                   related_name="court_referral")
    court = models.CharField(_("court"), max_length=100)
    court_number = models.CharField(_("court's case number"), max_length=64)
    referred_on = models.DateField(_("referred on"))
    result = models.CharField(_("result"), max_length=12, choices=ReferralResult.choices,
                              default=ReferralResult.PENDING)
    reported_on = models.DateField(_("result reported to the court on"), null=True, blank=True)

    class Meta:
        verbose_name = _("court referral")
        verbose_name_plural = _("court referrals")
        ordering = ["-referred_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["court", "court_number"],
                                               name="mediation_referral_court_number_uniq")]

    @property
    def audit_region_code(self) -> str:
        return self.dispute.region_code


class FollowUp(models.Model):
    """A check of an agreement's performance (回访履行)."""

    scoping = ScopeSpec(region="agreement__dispute__region_code", unit="agreement__dispute__committee__unit_id",
                        view=VIEW)

    agreement = models.ForeignKey(Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT,
                                  related_name="follow_ups")
    checked_on = models.DateField(_("checked on"))
    result = models.CharField(_("result"), max_length=16, choices=Performance.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["agreement_id", "checked_on", "id"]

    @property
    def audit_region_code(self) -> str:
        return self.agreement.dispute.region_code


class ScreeningReport(models.Model):
    """A grid's or community's screening report (矛盾纠纷排查) for one period; ``is_zero``: 零报告."""

    scoping = ScopeSpec(region="region__code", view=VIEW)

    region = models.ForeignKey("regions.Region", verbose_name=_("grid or community"), on_delete=models.PROTECT,
                               related_name="+")
    period_start = models.DateField(_("period"))
    is_zero = models.BooleanField(_("nothing found (零报告)"), default=False)
    findings = models.TextField(_("findings"), max_length=10000, blank=True)
    found_count = models.PositiveIntegerField(_("disputes found"), default=0)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), null=True,
                                 on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        verbose_name = _("screening report")
        verbose_name_plural = _("screening reports")
        ordering = ["-period_start", "region__code"]
        constraints = [models.UniqueConstraint(fields=["region", "period_start"],
                                               name="mediation_one_report_per_period")]

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class EarlyWarning(models.Model):
    """A dispute flagged as likely to escalate, and who was told (community, police station) and when."""

    scoping = ScopeSpec(region="dispute__region_code", unit="dispute__committee__unit_id", view=VIEW)

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT,
                                related_name="warnings")
    signs = models.JSONField(_("signs"), default=list)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("raised by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ["-raised_at", "-id"]

    @property
    def audit_region_code(self) -> str:
        return self.dispute.region_code


class WarningNotice(models.Model):
    """One unit told of an early warning: when, and how many of its people."""

    scoping = ScopeSpec(region="warning__dispute__region_code", unit="unit_id", view=VIEW)

    warning = models.ForeignKey(EarlyWarning, verbose_name=_("early warning"), on_delete=models.PROTECT,
                                related_name="notices")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit told"), on_delete=models.PROTECT,
                             related_name="+")
    people = models.PositiveIntegerField(_("people told"), default=0)
    told_at = models.DateTimeField(_("told at"), default=timezone.now)

    class Meta:
        verbose_name = _("warning notice")
        verbose_name_plural = _("warning notices")
        ordering = ["warning_id", "id"]


class Reminder(models.Model):
    """What the sweep already said once (an alert, a reminder): never twice."""

    scoping = ScopeSpec(region="dispute__region_code", unit="dispute__committee__unit_id", view=VIEW)

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT,
                                related_name="reminders")
    kind = models.CharField(_("kind"), max_length=32)
    at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["dispute", "kind"], name="mediation_reminder_once")]


class Counter(models.Model):
    """Sequences of dispute and agreement numbers, one row per name (e.g. ``dispute:2026``)."""

    name = models.CharField(max_length=64, unique=True)
    value = models.PositiveIntegerField(default=0)
