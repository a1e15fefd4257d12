"""Rows of the cases app's scoped models placed in a grid, for accounts/tests/test_scoping_proof.py.

Written with the ORM: the proof asks only where a row lies, and each factory puts it in
``place`` through the path its ScopeSpec reads (the case's region code). Units are placed in
``place`` too, so that no row becomes visible to someone through a unit they belong to.
"""

import itertools
from datetime import date, timedelta

from django.utils import timezone

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.cases.models import (
    Attachment,
    Callback,
    Case,
    CaseContact,
    CaseEvent,
    Category,
    DeadlineMarker,
    ExtensionRequest,
    Open311Submission,
    ReplyTemplate,
    RoutingRule,
    SavedView,
    Supervision,
    Verification,
    Whistle,
    WhistleResponse,
)
from gongzhi.cases.models.rollup import Rollup, RollupIntake, RollupRates, Span

_days = itertools.count()


def _unit(place, n, suffix=""):
    return Unit.objects.create(code=f"CF-{n}{suffix}", name=f"case factory unit {n}{suffix}",
                               kind=UnitKind.DEPARTMENT, region=place)


def _category():
    return Category.objects.filter(parent__isnull=False).order_by("code").first() or Category.objects.create(
        code="F01", name="factory category")


def case(place, n):
    return Case.objects.create(channel="web", category=_category(), title=f"案件{n}", description="描述",
                               grid=place, region_code=place.code, lead_unit=_unit(place, n))


def event(place, n):
    return CaseEvent.objects.create(case=case(place, n), action="create", to_state="received")


def contact(place, n):
    return CaseContact.objects.create(case=case(place, n), name="来电人")


def open311_submission(place, n):
    return Open311Submission.objects.create(case=case(place, n), token=f"factory-token-{n}")


def deadline_marker(place, n):
    return DeadlineMarker.objects.create(case=case(place, n), kind="response_due_soon", due=timezone.now())


def whistle(place, n):
    return Whistle.objects.create(case=case(place, n), report_by=timezone.now())


def whistle_response(place, n):
    return WhistleResponse.objects.create(whistle=whistle(place, n), unit=_unit(place, n, "w"))


def extension_request(place, n):
    return ExtensionRequest.objects.create(case=case(place, n), days=3, reason="需要协调")


def callback(place, n):
    return Callback.objects.create(case=case(place, n), solved=True, satisfaction="satisfied")


def verification(place, n):
    return Verification.objects.create(case=case(place, n), kind="exists", grid=place)


def attachment(place, n):
    return Attachment.objects.create(case=case(place, n), file=f"cases/factory-{n}.png", content_type="image/png",
                                     size=1, width=1, height=1, sha256="0" * 64)


def routing_rule(place, n):
    return RoutingRule.objects.create(region=place, unit=_unit(place, n), category=None)


def supervision(place, n):
    return Supervision.objects.create(case=case(place, n), unit=_unit(place, n, "s"), kind="urge", message="请加快办理")


def reply_template(place, n):
    return ReplyTemplate.objects.create(unit=_unit(place, n), category=_category(), name=f"模板{n}", text="已处理")


def _rollup():
    return Rollup.objects.create(span=Span.DAY, first_day=date(2020, 1, 1) + timedelta(days=next(_days)))


def rollup_rates(place, n):
    return RollupRates.objects.create(rollup=_rollup(), unit=_unit(place, n), region_code=place.code)


def rollup_intake(place, n):
    return RollupIntake.objects.create(rollup=_rollup(), region_code=place.code)


FACTORIES = {
    Case: case, CaseEvent: event, CaseContact: contact, Open311Submission: open311_submission,
    DeadlineMarker: deadline_marker, Whistle: whistle, WhistleResponse: whistle_response,
    ExtensionRequest: extension_request, Callback: callback, Verification: verification, Attachment: attachment,
    RoutingRule: routing_rule, RollupRates: rollup_rates, RollupIntake: rollup_intake,
    Supervision: supervision, ReplyTemplate: reply_template,
}


def saved_view(owner, n):
    return SavedView.objects.create(owner=owner, name=f"视图{n}")


def category(n):
    return Category.objects.create(code=f"F{n}", name=f"factory category {n}")


# A saved view is its owner's (and, while shared, its unit's); categories are a catalogue that
# the scope admits nobody to (it is read through its own selectors, unscoped).
OWNED = {SavedView: saved_view}
CATALOGUES = {Category: category}

