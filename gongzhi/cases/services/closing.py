"""How a case ends: answer at intake, reply and callback, merge, cancel, invalid.

A case merged into another (duplicate) waits in ``merged`` and follows its
parent's outcome: when the parent closes, the child closes with the parent's
reply; when the parent is cancelled or found invalid, the child is cancelled.
An unsatisfied callback reopens the case (重办): it goes back to the same lead
unit (assisting units stay) as a new order, in state ``dispatched``, which the
unit must acknowledge (签收) again by a fresh response deadline, or return, as
any dispatched case; a fresh resolution deadline runs from the reopening too
(both computed as at dispatch). Reopenings are counted. A reopening is not a
dispatch in the response rate, and the acknowledgement that answers it is not
counted either (see :mod:`gongzhi.cases.metrics`).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.core.scoping import ensure_in_scope

from .. import deadlines, notices
from ..machine import transition
from ..models import Action, AlertKind, Callback, Case, CaseState, Satisfaction
from . import checks
from .dispatching import clear_markers

REPLY_MAX = 4000
COMMENT_MAX = 1000


def _follow(parent: Case, at: datetime) -> None:
    """Bring the cases merged into ``parent`` to its outcome."""
    action = Action.FOLLOW_CLOSE if parent.state == CaseState.CLOSED else Action.FOLLOW_CANCEL
    for child in Case.objects.filter(parent=parent, state=CaseState.MERGED).order_by("pk"):
        def change(c: Case):
            c.closed_at = at
            if action == Action.FOLLOW_CLOSE:
                c.reply = parent.reply
            return {"parent": parent.pk, "parent_state": parent.state}

        child = transition(child, action, actor=None, change=change, at=at,
                           reason=_("Follows case #%(id)s.") % {"id": parent.pk})
        notices.to_reporter(child, "closed" if action == Action.FOLLOW_CLOSE else "cancelled",
                            _("Your request was concluded together with case #%(id)s") % {"id": parent.pk})


def answer_consultation(*, case: Case, actor, answer: str, expected_version: int | None = None,
                        at: datetime | None = None) -> Case:
    """Answer a consultation (咨询) at intake and close it."""
    at = at or timezone.now()
    answer = checks.text(answer, "answer", max_length=REPLY_MAX, label=_("The answer"))

    def change(c: Case):
        if not c.category.is_consultation:
            raise ValidationError({"category": _(
                "Only consultations can be answered at intake; “%(category)s” must be dispatched.")
                % {"category": c.category.name}})
        c.reply = answer
        c.replied_at = c.closed_at = at
        return {"answer": answer}

    with transaction.atomic():
        case = transition(case, Action.ANSWER, actor=actor, change=change, expected_version=expected_version, at=at)
        notices.to_reporter(case, "answered", _("Your question was answered"), actor)
        _follow(case, at)
    return case


def reply_case(*, case: Case, actor, content: str, expected_version: int | None = None,
               at: datetime | None = None) -> Case:
    """The lead unit's reply (办结 / 答复): what was done, for the resident to judge."""
    at = at or timezone.now()
    content = checks.text(content, "content", max_length=REPLY_MAX, label=_("The reply"))

    def change(c: Case):
        c.reply = content
        c.replied_at = at
        clear_markers(c, AlertKind.RESOLUTION_DUE_SOON, AlertKind.RESOLUTION_OVERDUE)
        return {"reply": content, "resolution_due": c.resolution_due,
                "on_time": c.resolution_due is None or at <= c.resolution_due}

    with transaction.atomic():
        case = transition(case, Action.REPLY, actor=actor, change=change, expected_version=expected_version, at=at)
        notices.to_reporter(case, "replied", _("Your request has a reply: please tell us whether it was solved"),
                            actor)
    return case


def record_callback(*, case: Case, actor, solved: bool, satisfaction: str, comment: str = "",
                    expected_version: int | None = None, at: datetime | None = None) -> Case:
    """Record the resident's verdict (回访); "unsatisfied" reopens the case to the same unit, to acknowledge again."""
    at = at or timezone.now()
    if not isinstance(solved, bool):
        raise ValidationError({"solved": _("Say whether it was solved: true or false.")})
    checks.choice(satisfaction, "satisfaction", Satisfaction)
    comment = checks.text(comment, "comment", max_length=COMMENT_MAX, required=False)
    reopen = satisfaction == Satisfaction.UNSATISFIED

    def change(c: Case):
        by_resident = user_of(actor) is not None and actor.pk == c.reporter_id
        callback = Callback.objects.create(
            case=c, solved=solved, satisfaction=satisfaction, comment=comment, by_resident=by_resident,
            recorded_by=user_of(actor), unit=c.lead_unit, at=at)
        details = {"callback": callback.pk, "solved": solved, "satisfaction": satisfaction,
                   "by_resident": by_resident}
        if reopen:
            due = deadlines.for_reopen(c.category, c.urgency, at, region=c.region_code)
            c.reopen_count += 1
            c.replied_at = None
            c.dispatched_at = at
            c.acknowledged_at = None
            c.response_due = due.response_due
            c.resolution_due = due.resolution_due
            clear_markers(c)  # both deadlines moved (the escalation marker stays: a case escalates once)
            details.update(reopen_count=c.reopen_count, response_due=due.response_due,
                           resolution_due=due.resolution_due)
            if due.unscheduled:
                details[deadlines.UNSCHEDULED_KEY] = True
        else:
            c.closed_at = at
        return details

    with transaction.atomic():
        case = transition(case, Action.REOPEN if reopen else Action.CALLBACK, actor=actor, reason=comment,
                          change=change, expected_version=expected_version, at=at)
        if reopen:
            notices.reopened(case, actor)
        else:
            _follow(case, at)
    return case


def merge_case(*, case: Case, actor, parent, reason: str = "", expected_version: int | None = None,
               at: datetime | None = None) -> Case:
    """Merge a duplicate into ``parent``; it will follow the parent's outcome."""
    at = at or timezone.now()
    reason = checks.reason(reason, required=False)
    if not isinstance(parent, Case):
        parent = Case.objects.filter(pk=parent).first() if str(parent).isdigit() else None
        if parent is None:
            raise ValidationError({"parent": _("There is no such case to merge into.")})
    try:
        ensure_in_scope(parent, actor)
    except PermissionDenied:
        raise ValidationError({"parent": _("There is no such case to merge into.")}) from None
    if parent.pk == case.pk:
        raise ValidationError({"parent": _("A case cannot be merged into itself.")})
    if parent.is_terminal or parent.state == CaseState.MERGED:
        raise ValidationError({"parent": _("Case #%(id)s is %(state)s; merge into an open case.")
                               % {"id": parent.pk, "state": parent.get_state_display()}})

    def change(c: Case):
        c.parent = parent
        # Cases merged into this one now follow the new parent directly.
        Case.objects.filter(parent=c).update(parent=parent, version=F("version") + 1)
        return {"parent": parent.pk}

    with transaction.atomic():
        return transition(case, Action.MERGE, actor=actor, reason=reason, change=change,
                          expected_version=expected_version, at=at)


def _end(case: Case, action: str, *, actor, reason: str, expected_version, at) -> Case:
    at = at or timezone.now()
    reason = checks.reason(reason)

    def change(c: Case):
        c.closed_at = at
        return {}

    with transaction.atomic():
        case = transition(case, action, actor=actor, reason=reason, change=change,
                          expected_version=expected_version, at=at)
        if not (user_of(actor) is not None and actor.pk == case.reporter_id):
            notices.to_reporter(case, "cancelled", _("Your request was closed without handling: %(reason)s")
                                % {"reason": reason}, actor)
        _follow(case, at)
    return case


def cancel_case(*, case: Case, actor, reason: str, expected_version: int | None = None,
                at: datetime | None = None) -> Case:
    """Cancel (撤销): withdrawn by the resident, or cancelled by the dispatcher, with a reason."""
    return _end(case, Action.CANCEL, actor=actor, reason=reason, expected_version=expected_version, at=at)


def invalidate_case(*, case: Case, actor, reason: str, expected_version: int | None = None,
                    at: datetime | None = None) -> Case:
    """Mark as invalid (无效工单): not a matter for the government, a prank, etc., with a reason."""
    return _end(case, Action.INVALIDATE, actor=actor, reason=reason, expected_version=expected_version, at=at)
