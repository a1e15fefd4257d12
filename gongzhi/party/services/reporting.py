"""Writes of 双报到: service posts, unit and member reports, the posts they choose, participation.

A unit reports to the community where it sits (its grid's community); a member
to the community where they live (their registry grid's community) unless
another is named. Participation is recorded per member; a record that comes
from elsewhere (an activity's check-out) carries ``source_ref`` and is written
once however often it is sent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import record
from gongzhi.regions.models import Level, Region
from gongzhi.registry.models import Organisation, OrganisationKind, Person

from ..models import MemberReport, Participation, ParticipationMinimum, ServicePost, UnitReport
from .common import (
    apply_changes,
    audit_diff,
    check,
    community_of,
    full_clean,
    not_future,
    region_at,
    require_level,
    take_snapshot,
    text,
)

_POST_FIELDS = {"name", "kind", "description", "capacity", "is_active"}


def _validate_post(post: ServicePost) -> None:
    post.name = text(post.name, "name", _("The name"), max_length=100)
    post.description = text(post.description, "description", _("The description"), max_length=2000,
                            required=False, multiline=True)
    if post.kind not in ServicePost.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of post.")})
    full_clean(post)


def create_post(*, actor, community, name: str, kind: str = ServicePost.Kind.OTHER, description: str = "",
                capacity: int | None = None) -> ServicePost:
    check(actor, "party.manage")  # who may, before what is wrong with the input
    community = region_at(community, "community")
    require_level(community, Level.COMMUNITY, "community")
    check(actor, "party.manage", community)
    post = ServicePost(community=community, name=name, kind=kind, description=description, capacity=capacity)
    with transaction.atomic():
        _validate_post(post)
        post.save()
        record(actor=actor, action="party.post.create", obj=post, changes=audit_diff(post, None))
    return post


def update_post(*, actor, post: ServicePost, reason: str = "", **changes) -> ServicePost:
    check(actor, "party.manage", post)
    with transaction.atomic():
        post = ServicePost.objects.select_for_update().get(pk=post.pk)
        before = take_snapshot(post)
        apply_changes(post, changes, _POST_FIELDS)
        _validate_post(post)
        taken = post.unit_reports.filter(ended_on__isnull=True).count() + post.member_reports.filter(
            ended_on__isnull=True).count()
        if post.capacity is not None and taken > post.capacity:
            raise ValidationError({"capacity": _("%(n)d have chosen this post already; the places cannot be fewer.")
                                   % {"n": taken}})
        post.save()
        record(actor=actor, action="party.post.update", obj=post, changes=audit_diff(post, before), reason=reason)
    return post


def _posts(actor, community: Region, posts, *, current=()) -> list[ServicePost]:
    """The chosen posts, checked: of this community, open, with a free place (locked while counting)."""
    ids = sorted({p.pk if isinstance(p, ServicePost) else int(p) for p in (posts or ())})
    found = list(ServicePost.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(found) != len(ids):
        raise ValidationError({"posts": _("A chosen service post does not exist.")})
    current = set(current)
    for post in found:
        if post.community_id != community.pk:
            raise ValidationError({"posts": _("%(name)s is a post of another community.") % {"name": post.name}})
        if post.pk in current:
            continue
        if not post.is_active:
            raise ValidationError({"posts": _("%(name)s is closed.") % {"name": post.name}})
        if post.capacity is not None:
            taken = (post.unit_reports.filter(ended_on__isnull=True).count()
                     + post.member_reports.filter(ended_on__isnull=True).count())
            if taken >= post.capacity:
                raise ValidationError({"posts": _("%(name)s has no free place.") % {"name": post.name}})
    return found


def report_unit(*, actor, unit: Organisation, posts=(), party_leader: str = "", party_members: int | None = None,
                reported_on: date | None = None, note: str = "") -> UnitReport:
    """A resident unit reports to the community where it sits."""
    check(actor, "party.manage", unit)
    if unit.kind != OrganisationKind.RESIDENT_UNIT:
        raise ValidationError({"unit": _("Only a resident unit (驻区单位) reports to the community.")})
    community = community_of(unit.grid)
    check(actor, "party.manage", community)
    reported_on = reported_on or timezone.localdate()
    not_future(reported_on, "reported_on")
    with transaction.atomic():
        list(Organisation.objects.select_for_update().filter(pk=unit.pk).values_list("pk", flat=True))
        if UnitReport.objects.filter(unit=unit, ended_on__isnull=True).exists():
            raise ValidationError({"unit": _("This unit has already reported to its community.")})
        chosen = _posts(actor, community, posts)
        report = UnitReport(unit=unit, community=community, reported_on=reported_on, party_members=party_members,
                            party_leader=text(party_leader, "party_leader", _("The party leader"), max_length=50,
                                              required=False),
                            note=text(note, "note", _("The note"), max_length=2000, required=False, multiline=True))
        full_clean(report)
        report.save()
        report.posts.set(chosen)
        record(actor=actor, action="party.unit_report.create", obj=report,
               changes={**audit_diff(report, None), "posts": [p.pk for p in chosen]})
    return report


def report_member(*, actor, person: Person, community=None, workplace: str = "", home_party_organisation: str = "",
                  unit: Organisation | None = None, posts=(), reported_on: date | None = None) -> MemberReport:
    """An in-service party member reports to the community where they live (or ``community``)."""
    check(actor, "party.manage", person)
    check(actor, "party.members")
    community = region_at(community, "community") if community else community_of(person.grid)
    require_level(community, Level.COMMUNITY, "community")
    check(actor, "party.manage", community, unit)
    reported_on = reported_on or timezone.localdate()
    not_future(reported_on, "reported_on")
    with transaction.atomic():
        list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
        if MemberReport.objects.filter(person=person, ended_on__isnull=True).exists():
            raise ValidationError({"person": _("This member has already reported to a community.")})
        chosen = _posts(actor, community, posts)
        report = MemberReport(
            person=person, community=community, unit=unit, reported_on=reported_on,
            workplace=text(workplace, "workplace", _("The workplace"), max_length=200, required=False),
            home_party_organisation=text(home_party_organisation, "home_party_organisation",
                                         _("The party organisation at work"), max_length=200, required=False))
        full_clean(report)
        report.save()
        report.posts.set(chosen)
        record(actor=actor, action="party.member_report.create", obj=report,
               changes={**audit_diff(report, None), "posts": [p.pk for p in chosen]})
    return report


def choose_posts(*, actor, report: UnitReport | MemberReport, posts) -> UnitReport | MemberReport:
    """Replace the posts a unit or member has chosen."""
    check(actor, "party.manage", report)
    if isinstance(report, MemberReport):
        check(actor, "party.members")
    model = type(report)
    with transaction.atomic():
        report = model.objects.select_for_update().get(pk=report.pk)
        if report.ended_on is not None:
            raise ValidationError({"__all__": _("This report has ended.")})
        before = sorted(report.posts.values_list("pk", flat=True))
        chosen = _posts(actor, report.community, posts, current=before)
        report.posts.set(chosen)
        after = sorted(p.pk for p in chosen)
        record(actor=actor, action=f"party.{'unit' if model is UnitReport else 'member'}_report.posts", obj=report,
               changes={"posts": [before, after]})
    return report


def end_report(*, actor, report: UnitReport | MemberReport, on: date | None = None,
               reason: str = "") -> UnitReport | MemberReport:
    """A unit or member stops reporting here (moved away, left the unit); its participation stays."""
    check(actor, "party.manage", report)
    if isinstance(report, MemberReport):
        check(actor, "party.members")
    on = on or timezone.localdate()
    not_future(on, "on")
    model = type(report)
    with transaction.atomic():
        report = model.objects.select_for_update().get(pk=report.pk)
        if report.ended_on is not None:
            raise ValidationError({"__all__": _("This report has ended.")})
        if on < report.reported_on:
            raise ValidationError({"on": _("A report cannot end before it began.")})
        report.ended_on = on
        report.save(update_fields=["ended_on"])
        record(actor=actor, action=f"party.{'unit' if model is UnitReport else 'member'}_report.end", obj=report,
               reason=reason, changes={"ended_on": on.isoformat()})
    return report


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": _("Enter the hours as a number.")}) from None
    if not hours.is_finite() or hours < 0:
        raise ValidationError({"hours": _("Hours cannot be negative.")})
    if hours > 24:
        raise ValidationError({"hours": _("At most 24 hours in one day.")})
    return hours.quantize(Decimal("0.1"))


def record_participation(*, actor, report: MemberReport, on: date, description: str, hours=0,
                         post: ServicePost | None = None, source_ref: str = "") -> Participation:
    """Count one time a reporting member served; with ``source_ref`` the same record is written once.

    Returns the existing row when ``source_ref`` was recorded before (nothing else changes).
    """
    check(actor, "party.manage", report)
    check(actor, "party.members")
    source_ref = (source_ref or "").strip()[:64]
    if source_ref:
        existing = Participation.objects.filter(source_ref=source_ref).first()
        if existing is not None:
            return existing
    if on is None:
        raise ValidationError({"on": _("Give the date.")})
    not_future(on, "on")
    hours = _hours(hours)
    description = text(description, "description", _("What was done"), max_length=200)
    if on < report.reported_on or (report.ended_on is not None and on > report.ended_on):
        raise ValidationError({"on": _("The member was not reporting to this community on that day.")})
    if post is not None and post.community_id != report.community_id:
        raise ValidationError({"post": _("%(name)s is a post of another community.") % {"name": post.name}})
    row = Participation(report=report, post=post, on=on, hours=hours, description=description,
                        source_ref=source_ref)
    try:
        with transaction.atomic():
            row.save()
            record(actor=actor, action="party.participation.record", obj=row,
                   changes={"report": report.pk, "on": on.isoformat(), "hours": str(hours),
                            "post": post.pk if post else None, "source_ref": source_ref})
    except IntegrityError:
        # A concurrent call with the same source_ref won: return its row, change nothing.
        existing = Participation.objects.filter(source_ref=source_ref).first() if source_ref else None
        if existing is None:
            raise
        return existing
    return row


def remove_participation(*, actor, participation: Participation, reason: str) -> None:
    """Take back a participation recorded by mistake (the reason is in the trail)."""
    check(actor, "party.manage", participation)
    check(actor, "party.members")
    reason = text(reason, "reason", _("The reason"), max_length=500)
    with transaction.atomic():
        record(actor=actor, action="party.participation.remove", obj=participation, reason=reason,
               changes={"report": participation.report_id, "on": participation.on.isoformat(),
                        "hours": str(participation.hours), "source_ref": participation.source_ref})
        participation.delete()


def set_minimum(*, actor, community, minimum: int | None) -> ParticipationMinimum | None:
    """A community's own yearly minimum of participations; None returns to the deployment's setting."""
    community = region_at(community, "community")
    require_level(community, Level.COMMUNITY, "community")
    check(actor, "party.manage", community)
    with transaction.atomic():
        current = ParticipationMinimum.objects.select_for_update().filter(community=community).first()
        before = current.minimum if current else None
        if minimum is None:
            if current is not None:
                current.delete()
            row = None
        else:
            try:
                minimum = int(minimum)
            except (TypeError, ValueError):
                raise ValidationError({"minimum": _("Enter a whole number.")}) from None
            if not 0 <= minimum <= 365:
                raise ValidationError({"minimum": _("Between 0 and 365 times a year.")})
            row = current or ParticipationMinimum(community=community, minimum=minimum)
            row.minimum = minimum
            row.save()
        record(actor=actor, action="party.minimum.set", object_type="party.participationminimum",
               object_id=community.code, object_repr=community.name, region_code=community.code,
               changes={"minimum": [before, minimum]})
    return row


__all__ = ["choose_posts", "create_post", "end_report", "record_participation", "remove_participation",
           "report_member", "report_unit", "set_minimum", "update_post"]
