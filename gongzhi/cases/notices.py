"""Who is told what about a case, through :func:`gongzhi.notifications.services.notify`.

Called by the case services inside their transaction, so the inbox rows share
the fate of the change; outbound messages leave after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit, User
from gongzhi.accounts.roles import Role
from gongzhi.notifications.services import notify

from .models import Case, Finding, Verification
from .routing import command_centre


def members(units: Iterable[Unit | None]) -> list[User]:
    ids = [u.pk for u in units if u is not None]
    return list(User.objects.filter(unit_id__in=ids, is_active=True)) if ids else []


def _tell(users, case: Case, kind: str, title: str, body: str = "", actor=None):
    return notify(recipients=users, kind=f"cases.{kind}", title=title, body=body or case.title, obj=case,
                  link=f"/cases/{case.pk}/", actor=actor)


def _headline(case: Case, text: str) -> str:
    return f"{case.number} {text}"  # the work-order number: what the resident or unit quotes on the phone


def _day(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def dispatched(case: Case, actor=None, previous_unit: Unit | None = None):
    _tell(members([case.lead_unit]), case, "dispatched", _headline(case, _("New case for your unit to lead")),
          actor=actor)
    _tell(members(case.assisting_units.all()), case, "assisting",
          _headline(case, _("Your unit assists with a case")), actor=actor)
    if previous_unit is not None and previous_unit.pk != case.lead_unit_id:
        _tell(members([previous_unit]), case, "redispatched",
              _headline(case, _("The case was re-dispatched to %(unit)s") % {"unit": case.lead_unit.name}),
              actor=actor)
    to_reporter(case, "dispatched", _("Your request was sent to %(unit)s; expect a reply by %(day)s")
                % {"unit": case.lead_unit.name, "day": _day(case.resolution_due)}, actor)


def acknowledged(case: Case, actor=None):
    to_reporter(case, "acknowledged", _("%(unit)s took on your request; expect a reply by %(day)s")
                % {"unit": case.lead_unit.name, "day": _day(case.resolution_due)}, actor)


def returned(case: Case, reason: str, actor=None):
    _tell(members([command_centre(case)]), case, "returned", _headline(case, _("A case was returned")), reason,
          actor=actor)


def referred(case: Case, actor=None):
    _tell(members([command_centre(case)]), case, "arbitration",
          _headline(case, _("A case returned too often awaits your decision")), actor=actor)


def whistled(case: Case, units, actor=None):
    _tell(members(units), case, "whistle", _headline(case, _("The subdistrict summons your unit (吹哨报到)")),
          actor=actor)


def extension_requested(case: Case, days: int, actor=None):
    _tell(members([command_centre(case)]), case, "extension_requested",
          _headline(case, _("Extension of %(days)d working days requested") % {"days": days}), actor=actor)


def extension_decided(case: Case, approved: bool, actor=None):
    title = _("Your extension request was approved") if approved else _("Your extension request was refused")
    _tell(members([case.lead_unit]), case, "extension_decided", _headline(case, title), actor=actor)
    if approved:
        to_reporter(case, "extended", _("The handling of your request takes longer; expect a reply by %(day)s")
                    % {"day": _day(case.resolution_due)}, actor)


def to_reporter(case: Case, kind: str, title: str, actor=None):
    if case.reporter_id:
        _tell([case.reporter], case, kind, _headline(case, title), actor=actor)


def reopened(case: Case, actor=None):
    """A reopened case (重办) is a new order for the lead unit to acknowledge; assisting units are told too."""
    due = timezone.localtime(case.response_due).strftime("%Y-%m-%d %H:%M") if case.response_due else ""
    _tell(members([case.lead_unit]), case, "reopened",
          _headline(case, _("The resident is not satisfied: the case is reopened; acknowledge it again by %(due)s")
                    % {"due": due}), actor=actor)
    _tell(members(case.assisting_units.all()), case, "assisting",
          _headline(case, _("A case your unit assists with was reopened")), actor=actor)


def deadline_alert(case: Case, kind: str, title: str):
    _tell(members([case.lead_unit]), case, kind, _headline(case, title))


def escalated(case: Case, unit: Unit, title: str):
    _tell(members([unit]), case, "escalated", _headline(case, title))


def verification_requested(case: Case, actor=None):
    workers = list(User.objects.filter(role=Role.GRID_WORKER, region_id=case.grid_id, is_active=True))
    _tell(workers, case, "verification_requested", _headline(case, _("Please verify this case on site")),
          actor=actor)


def verified(case: Case, finding: str, actor=None):
    latest = Verification.objects.filter(case=case).exclude(found_at=None).order_by("-found_at", "-id").first()
    recipients = members([command_centre(case)])
    if latest is not None and latest.requested_by_id and latest.requested_by_id not in {u.pk for u in recipients}:
        recipients.append(latest.requested_by)
    _tell(recipients, case, "verified", _headline(case, _("Verified on site: %(finding)s")
                                                  % {"finding": Finding(finding).label}), actor=actor)


def supervised(case: Case, kind: str, message: str, actor=None):
    """An urging, a card or an instruction for the lead unit; a red card also reaches its supervising unit."""
    titles = {
        "urge": _("Urged (催办): please speed up the handling"),
        "yellow": _("Yellow card (黄牌) on your unit's handling"),
        "red": _("Red card (红牌) on your unit's handling"),
        "instruction": _("A leader's instruction (批示) for your unit: please acknowledge it"),
    }
    recipients = members([case.lead_unit])
    if kind == "red" and case.lead_unit is not None and case.lead_unit.supervisor_id:
        recipients += members([case.lead_unit.supervisor])
    _tell(recipients, case, f"supervision.{kind}", _headline(case, titles[kind]), message, actor=actor)


def step_overdue(case: Case, units, kind: str, title: str, extra_users=()):
    """A step's deadline has passed (dispatch, report-in, verification, callback)."""
    recipients = members(units)
    seen = {u.pk for u in recipients}
    recipients += [u for u in extra_users if u is not None and u.pk not in seen]
    _tell(recipients, case, kind, _headline(case, title))


def grid_workers(case: Case) -> list[User]:
    return list(User.objects.filter(role=Role.GRID_WORKER, region_id=case.grid_id, is_active=True))
