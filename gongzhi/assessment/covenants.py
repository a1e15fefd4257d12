"""居民公约 / 村规民约: adopt a covenant's text (a first version or a revision) and show revisions' differences.

Capability ``covenant.record``, in one's own area. Each version records its adoption (meeting, votes
for and cast, the date, the deliberation vote where one exists); versions are append-only, so the
history of the text is the list of versions, and :func:`differences` shows what each revision changed.
"""

from __future__ import annotations

import datetime as dt
import difflib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_code_in_scope, scope_queryset
from gongzhi.regions.models import Level, Region

from .models import COVENANT_MAX, NAME_MAX, Covenant, CovenantKind, CovenantVersion
from .services import _text


def adopt_covenant(*, actor, region, text: str, adopted_on, meeting: str, votes_for, votes_cast, title: str = "",
                   kind: str = "", decision_ref: str = "", summary: str = "") -> CovenantVersion:
    """Record the adoption of a covenant's text for a community or village (its next version)."""
    require(actor, "covenant.record")
    errors = {}
    code = region.code if isinstance(region, Region) else str(region or "").strip()
    place = Region.objects.filter(code=code).first() if code else None
    if place is None or place.level != Level.COMMUNITY:
        errors["region"] = [_("Choose the community or village the covenant is for.")]
    else:
        ensure_code_in_scope(place.code, actor)
    values = {}
    for field_name, value, required, max_length, multiline in (
            ("text", text, True, COVENANT_MAX, True), ("meeting", meeting, True, 200, False),
            ("title", title, False, NAME_MAX, False), ("decision_ref", decision_ref, False, 64, False),
            ("summary", summary, False, 500, False)):
        try:
            values[field_name] = _text(value, field_name, required=required, max_length=max_length,
                                       multiline=multiline)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if kind and kind not in CovenantKind.values:
        errors["kind"] = [_("Choose the kind of covenant.")]
    if isinstance(adopted_on, str):
        try:
            adopted_on = dt.date.fromisoformat(adopted_on.strip())
        except ValueError:
            adopted_on = None
    if not isinstance(adopted_on, dt.date):
        errors["adopted_on"] = [_("Write the date as YYYY-MM-DD, e.g. 2025-09-01.")]
    elif adopted_on > timezone.localdate():
        errors["adopted_on"] = [_("The adoption cannot be in the future.")]
    try:
        votes_for, votes_cast = int(votes_for), int(votes_cast)
        if votes_for < 0 or votes_cast <= 0 or votes_for > votes_cast:
            errors["votes_for"] = [_("Votes for must lie between 0 and the votes cast, which must be above 0.")]
        elif votes_for * 2 <= votes_cast:
            errors["votes_for"] = [_("A covenant is adopted by more than half of the votes cast.")]
    except (TypeError, ValueError):
        errors["votes_for"] = [_("Give the votes for and the votes cast as whole numbers.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        covenant = Covenant.objects.select_for_update().filter(region=place).first()
        if covenant is None:
            covenant = Covenant.objects.create(
                region=place, kind=kind or CovenantKind.RESIDENTS,
                title=values["title"] or (_("Residents' covenant of %(place)s") % {"place": place.name}))
            covenant = Covenant.objects.select_for_update().get(pk=covenant.pk)
        current = covenant.current
        if current is not None:
            if current.text == values["text"]:
                raise ValidationError({"text": _("The text is the same as the version in force.")})
            if adopted_on < current.adopted_on:
                raise ValidationError({"adopted_on": _("A revision cannot be adopted before the version in force.")})
        version = CovenantVersion.objects.create(
            covenant=covenant, number=(current.number + 1) if current else 1, text=values["text"],
            adopted_on=adopted_on, meeting=values["meeting"], votes_for=votes_for, votes_cast=votes_cast,
            decision_ref=values["decision_ref"], summary=values["summary"], recorded_by=user_of(actor))
        record(actor=actor, action="assessment.covenant.adopt", obj=version,
               changes={"version": version.number, "adopted_on": adopted_on.isoformat(), "meeting": version.meeting,
                        "votes": [votes_for, votes_cast], "decision_ref": version.decision_ref})
    return version


def differences(version: CovenantVersion) -> list[tuple[str, str]]:
    """What ``version`` changed against the one before it: (" " | "-" | "+", line), line by line."""
    previous = (CovenantVersion.objects.filter(covenant_id=version.covenant_id, number__lt=version.number)
                .order_by("-number").first())
    before = previous.text.splitlines() if previous else []
    out = []
    for line in difflib.ndiff(before, version.text.splitlines()):
        if line[:1] in (" ", "-", "+"):
            out.append((line[:1], line[2:]))
    return out


def covenants(actor):
    """The covenants of the actor's area (a public visitor: those adopted in the area it looks at)."""
    return scope_queryset(Covenant.objects.select_related("region"), actor)
