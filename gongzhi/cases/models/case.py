"""The case (诉求 / 工单) and its append-only event log.

A case's ``state`` only ever changes through :func:`gongzhi.cases.machine.transition`,
which also bumps ``version`` (optimistic locking) and appends a
:class:`CaseEvent`. Every figure about request handling (the three rates,
rankings) is computed from the events, so they carry what a figure needs
(the unit concerned, the deadline that applied) at the time they happen.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongzhi.core.inserts import insert
from gongzhi.core.scoping import ScopeSpec

from .category import Urgency


class Channel(models.TextChoices):
    HOTLINE_12345 = "hotline_12345", _("12345 hotline")
    WEB = "web", _("Web / H5")
    GRID_PATROL = "grid_patrol", _("Grid patrol")
    WALK_IN = "walk_in", _("Walk-in")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


class Crs(models.TextChoices):
    """Coordinate systems accepted at intake; storage is always WGS-84."""

    WGS84 = "wgs84", _("WGS-84 (GPS)")
    CGCS2000 = "cgcs2000", _("CGCS2000")
    GCJ02 = "gcj02", _("GCJ-02 (Amap, Tencent)")
    BD09 = "bd09", _("BD-09 (Baidu)")


class Action(models.TextChoices):
    """What can happen to a case: every event's ``action``; :data:`gongzhi.cases.machine.TABLE` says
    from which state, to which, and who may."""

    INTAKE = "intake", _("Receive")
    ANSWER = "answer_consultation", _("Answer the consultation")
    DISPATCH = "dispatch", _("Dispatch")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    RETURN = "return", _("Return")
    REFER = "refer", _("Refer to the subdistrict for a decision")
    DECIDE = "decide", _("Assign by binding decision")
    WHISTLE = "whistle", _("Blow the whistle")
    REPORT_IN = "report_in", _("Report in")
    REQUEST_EXTENSION = "request_extension", _("Request an extension")
    APPROVE_EXTENSION = "approve_extension", _("Approve the extension")
    REFUSE_EXTENSION = "refuse_extension", _("Refuse the extension")
    REPLY = "reply", pgettext_lazy("case action", "Reply")  # the verb; a heading or photo purpose differs
    CALLBACK = "callback", _("Record the callback")
    REOPEN = "reopen", _("Reopen after an unsatisfied callback")
    MERGE = "merge", _("Merge into another case")
    FOLLOW_CLOSE = "follow_close", _("Closed with the case it was merged into")
    FOLLOW_CANCEL = "follow_cancel", _("Cancelled with the case it was merged into")
    CANCEL = "cancel", _("Cancel")
    INVALIDATE = "invalidate", _("Mark as invalid")
    ATTACH = "attach", _("Attach a photo")
    REQUEST_VERIFICATION = "request_verification", _("Ask the grid worker to verify on site")
    VERIFY = "verify", _("Verify on site")
    # Written by the deadline sweep, not by a person: they change no state (machine.note).
    DEADLINE_ALERT = "deadline_alert", _("Deadline alert")
    ESCALATE = "escalate", _("Escalate")
    # Supervision (督办) and the callback's attempts: they change no state (Rule.keeps_version).
    URGE = "urge", _("Urge the unit (催办)")
    YELLOW_CARD = "yellow_card", _("Give a yellow card")
    RED_CARD = "red_card", _("Give a red card")
    INSTRUCT = "instruct", _("Write an instruction (批示)")
    ACKNOWLEDGE_INSTRUCTION = "acknowledge_instruction", _("Acknowledge the instruction")
    CALLBACK_ATTEMPT = "callback_attempt", _("Record an unsuccessful callback attempt")
    CALLBACK_UNREACHABLE = "callback_unreachable", _("Closed: the resident could not be reached")
    # A dispute between people (邻里纠纷…) goes to mediation (gongzhi.mediation): the case waits for the
    # dispute's outcome, which comes back as the case's reply.
    REFER_MEDIATION = "refer_mediation", _("Refer to mediation")
    MEDIATION_ENDED = "mediation_ended", _("Replied with the outcome of the mediation")



class CaseState(models.TextChoices):
    # The context keeps a state name apart from the same English word as a count or an action
    # ("Received" cases in a period, "Dispatched" in a ranking): Chinese says them differently.
    RECEIVED = "received", pgettext_lazy("case state", "Received")
    DISPATCHED = "dispatched", pgettext_lazy("case state", "Dispatched")
    IN_PROGRESS = "in_progress", pgettext_lazy("case state", "In progress")
    RETURNED = "returned", pgettext_lazy("case state", "Returned")
    ARBITRATION = "arbitration", pgettext_lazy("case state", "Awaiting subdistrict decision")
    REPLIED = "replied", pgettext_lazy("case state", "Replied")
    CLOSED = "closed", pgettext_lazy("case state", "Closed")
    MERGED = "merged", pgettext_lazy("case state", "Merged into another case")
    CANCELLED = "cancelled", pgettext_lazy("case state", "Cancelled")
    INVALID = "invalid", pgettext_lazy("case state", "Invalid")
    MEDIATING = "mediating", pgettext_lazy("case state", "Waiting for mediation")


TERMINAL_STATES = frozenset({CaseState.CLOSED, CaseState.CANCELLED, CaseState.INVALID})
# A case is open from intake until it is finished: replied but not yet called back is still open
# (the callback may reopen it); a duplicate merged into another case is not (it follows that
# case and shows as closed). THE definition of "open" for every list, filter, map, figure and feed.
OPEN_STATES = frozenset({CaseState.RECEIVED, CaseState.DISPATCHED, CaseState.IN_PROGRESS, CaseState.RETURNED,
                         CaseState.ARBITRATION, CaseState.REPLIED, CaseState.MEDIATING})
# Open and not yet replied: a unit may still be summoned to it, it may still be merged or found invalid.
UNREPLIED_STATES = OPEN_STATES - {CaseState.REPLIED}
# States in which a unit is on the clock and the sweep watches deadlines. A case waiting for mediation
# (MEDIATING) is off the unit's clock: its deadlines were cleared when it was referred, the dispute has its own.
CLOCKED_STATES = frozenset({CaseState.DISPATCHED, CaseState.IN_PROGRESS})


class Case(models.Model):
    # Units see the cases they lead, assist on, or were summoned to by a whistle.
    scoping = ScopeSpec(region="region_code", unit=("lead_unit_id", "assisting_units__id",
                                                    "whistles__responses__unit_id"), owner="reporter_id",
                        view="cases.view")

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=20000)

    # Location: stored in WGS-84 (= CGCS2000 at this precision); the input
    # coordinates and their system are kept as given, for traceability.
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    crs = models.CharField(_("coordinate system of the input"), max_length=10, choices=Crs.choices, blank=True)
    input_lon = models.FloatField(_("input longitude"), null=True, blank=True)
    input_lat = models.FloatField(_("input latitude"), null=True, blank=True)
    # No index of its own: (grid, created_at) below serves a grid's cases and the duplicate
    # check's "open cases of this grid in the last days" (gongzhi.cases.duplicates).
    grid = models.ForeignKey(
        "regions.Region", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases", db_index=False,
    )
    # The finest region known (the grid's code, else the region named at
    # intake), denormalised so that scoping is one indexed prefix match.
    region_code = models.CharField(_("region code"), max_length=15, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="reported_cases",
    )
    is_anonymous = models.BooleanField(
        _("anonymous to handlers"), default=False,
        help_text=_("Handlers do not see who reported it; the audit trail still does."),
    )
    # The number staff read out on the phone (受理编号): intake date and daily sequence (gongzhi.cases.numbers).
    number = models.CharField(_("work-order number"), max_length=20, unique=True, editable=False)
    hotline_id = models.CharField(_("hotline work order id"), max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    # No index of their own: (state, resolution_due) and (lead unit, state) below serve both, and
    # every index is written on every intake (docs/benchmarks.md, case intake).
    state = models.CharField(
        _("state"), max_length=16, choices=CaseState.choices, default=CaseState.RECEIVED, db_index=False
    )
    lead_unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("lead unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="led_cases", db_index=False,
    )
    assisting_units = models.ManyToManyField(
        "accounts.Unit", verbose_name=_("assisting units"), blank=True, related_name="assisted_cases"
    )
    # After a binding decision of the subdistrict (after too many returns) the
    # lead unit may no longer return the case.
    is_binding = models.BooleanField(_("binding assignment"), default=False)

    response_due = models.DateTimeField(_("response due"), null=True, blank=True, db_index=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True, db_index=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)

    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopenings"), default=0)
    parent = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # Residents who added their voice (附议) instead of filing again: CaseSupporter rows, counted here.
    supporter_count = models.PositiveIntegerField(_("supporters"), default=0)

    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "resolution_due"], name="case_state_resolution_due"),
            models.Index(fields=["lead_unit", "state"], name="case_lead_unit_state"),
            models.Index(fields=["grid", "created_at"], name="case_grid_created"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    def save(self, *args, **kwargs):
        """A case saved directly (not through intake) is numbered too, in the same transaction."""
        if self.pk is None and not self.number:
            from django.db import transaction

            from ..numbers import number_case

            with transaction.atomic(using=kwargs.get("using")):
                number_case(self, using=kwargs.get("using"))
                return super().save(*args, **kwargs)
        return super().save(*args, **kwargs)

    @property
    def audit_region_code(self) -> str:
        return self.region_code

    @property
    def subdistrict_code(self) -> str:
        """The code of the subdistrict (街道) the case lies in: the 9-digit prefix, zero-filled."""
        return self.region_code[:9] + "000" if len(self.region_code) >= 9 else ""

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("case events are append-only")

    def delete(self):
        raise TypeError("case events are append-only")


class CaseEvent(models.Model):
    """One thing that happened to a case. Never changed, never deleted.

    ``unit`` is the unit the event concerns: the unit dispatched to for a
    dispatch, the lead unit for what it does (acknowledge, return, reply), the
    reporting unit for a report-in. Rates per unit are computed over it.

    ``response_due``, ``on_time``, ``solved`` and ``satisfaction`` repeat, as
    plain columns, the facts of the payload that the three rates count (see
    :func:`figures_of`); they are filled when the event is written and never
    change, so that :mod:`gongzhi.cases.metrics` can count a month of events
    from two covering indexes without reading the JSON payload of each.
    """

    scoping = ScopeSpec(region="case__region_code", unit="case__lead_unit_id", owner="case__reporter_id",
                        view="cases.view")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events")
    # Not indexed alone: the timeline reads a case's events through the case index, the rates
    # through the partial covering indexes below, and (action, at) serves an action's events.
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    from_state = models.CharField(_("from state"), max_length=16, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=16, choices=CaseState.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Copies of payload facts for the three rates (figures_of), indexed below.
    response_due = models.DateTimeField(_("response due"), null=True, blank=True, editable=False)
    on_time = models.BooleanField(_("acknowledged in time"), null=True, blank=True, editable=False)
    solved = models.BooleanField(_("solved"), null=True, blank=True, editable=False)
    satisfaction = models.CharField(_("satisfaction"), max_length=20, blank=True, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["action", "at"], name="case_event_action_at"),
            # Covering indexes of the two queries of gongzhi.cases.metrics.
            models.Index(fields=["response_due", "action", "unit", "on_time", "case"], name="case_event_responses",
                         condition=models.Q(response_due__isnull=False)),
            models.Index(fields=["at", "unit", "solved", "satisfaction", "case"], name="case_event_callbacks",
                         condition=models.Q(solved__isnull=False)),
        ]

    def __str__(self):
        return f"{self.case_id} {self.action} {self.from_state}→{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("case events are append-only")
        for name, value in figures_of(self.action, self.payload).items():
            setattr(self, name, value)
        # Appended on every action: one prepared INSERT, no save signals (see gongzhi.core.inserts).
        insert(self, using=kwargs.get("using"))

    def delete(self, *args, **kwargs):
        raise TypeError("case events are append-only")


# Actions whose events carry a response deadline, and those that carry a verdict.
_DUE_ACTIONS = frozenset({Action.DISPATCH, Action.DECIDE, Action.ACKNOWLEDGE})
_VERDICT_ACTIONS = frozenset({Action.CALLBACK, Action.REOPEN})


def figures_of(action: str, payload: dict) -> dict:
    """The rate-relevant facts of an event's payload, as column values.

    A dispatch (or binding decision) and the acknowledgement that answers it
    carry the response deadline; the acknowledgement says whether it came in
    time; a callback (or the reopening an unsatisfied one causes) carries the
    resident's verdict. Everything else carries none of these. A reopening
    also sets a new response deadline, but it is not a dispatch: neither it
    nor the acknowledgement that answers it (``payload.reopened``) carries
    the deadline here, so the response rate counts exactly the dispatches and
    their acknowledgements (see :mod:`gongzhi.cases.metrics`).
    """
    payload = payload or {}
    values = {"response_due": None, "on_time": None, "solved": None, "satisfaction": ""}
    answers_reopening = action == Action.ACKNOWLEDGE and bool(payload.get("reopened"))
    if action in _DUE_ACTIONS and payload.get("response_due") and not answers_reopening:
        due = payload["response_due"]
        values["response_due"] = due if isinstance(due, datetime) else datetime.fromisoformat(due)
        if action == Action.ACKNOWLEDGE:
            values["on_time"] = bool(payload.get("on_time"))
    elif action in _VERDICT_ACTIONS and "solved" in payload:
        values["solved"] = bool(payload["solved"])
        values["satisfaction"] = str(payload.get("satisfaction") or "")
    return values
