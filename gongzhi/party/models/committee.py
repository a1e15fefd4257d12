"""The 大党委: part-time members from the resident units, and its joint meetings (联席会议).

A joint meeting has an agenda, an attendance list and decisions. Each decision
has an owner (a unit, a named person) and a deadline counted in working days on
the project's calendar (:mod:`gongzhi.core.workcal`, with the community's
region code), and is tracked until it is done. The sweep
(:func:`gongzhi.party.sweep.sweep_decisions`) alerts once when a decision is
due soon and once when it is overdue, like the deadlines of cases.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.crypto import EncryptedTextField
from gongzhi.core.scoping import ScopeSpec


class PartTimeMember(models.Model):
    """A part-time member (兼职委员) of a joint committee, from a resident unit, for a term."""

    scoping = ScopeSpec(region="committee__region__code")

    committee = models.ForeignKey("party.PartyOrganisation", verbose_name=_("joint committee"),
                                  on_delete=models.PROTECT, related_name="part_time_members")
    name = models.CharField(_("name"), max_length=50)
    phone = EncryptedTextField(_("phone"), kind="phone")
    phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    unit = models.ForeignKey("registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT,
                             related_name="+")
    position = models.CharField(_("position at the unit"), max_length=100, blank=True,
                                help_text=_("e.g. 党委书记 of the unit."))
    term_start = models.DateField(_("term from"))
    term_end = models.DateField(_("term until"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("part-time committee member")
        verbose_name_plural = _("part-time committee members")
        ordering = ["committee_id", "-term_end", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(term_end__gte=models.F("term_start")),
                                   name="party_part_time_term_ordered"),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    @property
    def audit_region_code(self) -> str:
        return self.committee.region.code

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone)

    def serving_on(self, day) -> bool:
        return self.term_start <= day <= self.term_end


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class JointMeeting(models.Model):
    """A joint meeting of the 大党委 with the resident units' party leaders (联席会议)."""

    scoping = ScopeSpec(region="committee__region__code")

    committee = models.ForeignKey("party.PartyOrganisation", verbose_name=_("joint committee"),
                                  on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), max_length=5000)
    minutes = models.TextField(_("minutes"), blank=True, max_length=20000)
    state = models.CharField(_("state"), max_length=12, choices=MeetingState.choices, default=MeetingState.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["-starts_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.committee.region.code


class Attendance(models.Model):
    """Who was asked to a joint meeting and whether they came: a part-time member or a unit's leader."""

    scoping = ScopeSpec(region="meeting__committee__region__code")

    meeting = models.ForeignKey(JointMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="attendance")
    member = models.ForeignKey(PartTimeMember, verbose_name=_("part-time member"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("registry.Organisation", verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    present = models.BooleanField(_("present"), null=True, help_text=_("Empty until the meeting is held."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], condition=Q(member__isnull=False),
                                    name="party_attendance_member_once"),
        ]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.meeting.committee.region.code


class DecisionState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Decision(models.Model):
    """A decision of a joint meeting, with an owner and a deadline on the working-day calendar."""

    scoping = ScopeSpec(region="meeting__committee__region__code")

    meeting = models.ForeignKey(JointMeeting, verbose_name=_("meeting"), on_delete=models.PROTECT,
                                related_name="decisions")
    text = models.TextField(_("decision"), max_length=2000)
    owner_unit = models.ForeignKey("registry.Organisation", verbose_name=_("owner unit"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    owner_name = models.CharField(_("owner"), max_length=50)
    follow_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("followed up by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+",
                                     help_text=_("The staff member told when it is due soon or overdue."))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    state = models.CharField(_("state"), max_length=8, choices=DecisionState.choices, default=DecisionState.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(state="open") | Q(done_at__isnull=False),
                                   name="party_decision_closed_has_time"),
        ]

    def __str__(self):
        return self.text[:60]

    @property
    def audit_region_code(self) -> str:
        return self.meeting.committee.region.code

    def is_overdue(self, now=None) -> bool:
        return self.state == DecisionState.OPEN and self.due_at < (now or timezone.now())


class DecisionAlertKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class DecisionAlert(models.Model):
    """One alert of the sweep for a decision; the unique pair makes a second run a no-op."""

    scoping = ScopeSpec(region="decision__meeting__committee__region__code")

    decision = models.ForeignKey(Decision, verbose_name=_("decision"), on_delete=models.CASCADE,
                                 related_name="alerts")
    kind = models.CharField(_("kind"), max_length=10, choices=DecisionAlertKind.choices)
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("decision alert")
        verbose_name_plural = _("decision alerts")
        constraints = [models.UniqueConstraint(fields=["decision", "kind", "due_at"], name="party_decision_alert_once")]

    def __str__(self):
        return f"{self.decision_id} {self.kind}"

    @property
    def audit_region_code(self) -> str:
        return self.decision.meeting.committee.region.code
