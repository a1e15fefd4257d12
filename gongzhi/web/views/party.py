"""Party-led co-building (党建引领) in the staff console: the organisation tree, members (sensitive:
masked, one audited reveal), 双报到 (unit and member reports, service posts, participation and the list of
those below the yearly minimum), the 大党委 (part-time members, joint meetings and their decisions tracked to
done) and the incubation of community social organisations.

Thin: the selectors and services of ``gongzhi.party`` do the work and the checks; their refusals are shown
as messages. Membership is read like the high-sensitivity care tags: the pages that say who is a party
member need ``party.members`` (the menu's test), names are masked everywhere, and a name is shown in clear
only through ``services.reveal_member`` (``party.reveal``, a reason, audited and rate-limited).
Templates live with the app (``party/templates/party/``), their strings in its catalogue.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from gongzhi.accounts.roles import can
from gongzhi.audit.reveal import RevealRefused
from gongzhi.core.scoping import scope_queryset
from gongzhi.party import selectors, services, texts
from gongzhi.party.models import (
    DecisionState,
    GroupMember,
    IncubationStage,
    MeetingState,
    MemberRole,
    MemberStatus,
    OrgLevel,
    ServicePost,
    SupportKind,
)
from gongzhi.regions.models import Level, Region
from gongzhi.registry.models import OrganisationKind
from gongzhi.registry.models.organisations import Registration

from ..access import page
from ..navigation import sees_party, sees_party_members

PAGE_SIZE = 20


def _render(request, template: str, context: dict, **kwargs):
    """Every party page: the sub-menu shows the members' pages to those who may see them."""
    return render(request, template, {**context, "can_members": can(request.user, "party.members")}, **kwargs)


def _refused(request, exc) -> None:
    if isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, str(exc) or texts.not_found(""))


def _run(request, action, success: str = "") -> bool:
    """Call ``action()``; show its refusal as a message. True when it went through."""
    try:
        action()
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
        return False
    if success:
        messages.success(request, success)
    return True


def _day(value: str, label: str, *, required: bool = True):
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError(texts.bad_date(texts.field(label)))
        return None
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError(texts.bad_date(texts.field(label)))
    return parsed


def _moment(value: str, label: str):
    value = (value or "").strip().replace("T", " ")
    try:
        parsed = parse_datetime(value) if value else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError(texts.bad_time(texts.field(label)))
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _query(**values) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _communities(user):
    return scope_queryset(Region.objects.filter(level=Level.COMMUNITY), user).order_by("code")[:300]


def _units(user, kind: str):
    from gongzhi.registry import selectors as registry

    return registry.organisations(user, kind=kind).order_by("name")


def _manage(user) -> bool:
    return can(user, "party.manage")


# --- the tree and its members ------------------------------------------------------------------


@page(sees_party)
def home(request):
    """The organisation tree of one's area; a search lists the organisations found instead."""
    q, level = request.GET.get("q", "").strip()[:100], request.GET.get("level", "")
    level = level if level in OrgLevel.values else ""
    found = None
    if q or level:
        found = Paginator(selectors.organisations(request.user, q=q, level=level).order_by("region__code", "name"),
                          PAGE_SIZE).get_page(request.GET.get("page"))
    year = timezone.localdate().year
    from gongzhi.party import figures

    return _render(request, "party/home.html", {
        "tree": selectors.tree(request.user) if found is None else [], "page": found, "q": q, "level": level,
        "levels": OrgLevel.choices, "query": _query(q=q, level=level), "year": year,
        "totals": figures.totals(request.user, year=year), "members": can(request.user, "party.members")})


@page(sees_party)
def organisation(request, org_id):
    org = selectors.organisation(request.user, org_id)
    if org is None:
        raise Http404
    members = None
    if can(request.user, "party.members"):
        members = Paginator(selectors.members(request.user, organisation=org).order_by("role", "id"),
                            PAGE_SIZE).get_page(request.GET.get("page"))
    children = selectors.organisations(request.user).filter(parent=org).order_by("level", "name")
    today = timezone.localdate()
    return _render(request, "party/organisation.html", {
        "org": org, "members": members, "page": members, "children": children,
        "part_time": selectors.part_time_members(request.user, committee=org, serving_on=today)
        if org.is_joint_committee else [],
        "meetings": selectors.meetings(request.user, committee=org)[:10] if org.is_joint_committee else []})


@page(sees_party_members)
def members(request):
    role = request.GET.get("role", "")
    role = role if role in MemberRole.values else ""
    q = request.GET.get("q", "").strip()[:100]
    rows = selectors.members(request.user, role=role)
    if q:  # by organisation, never by a member's name (which the list does not show)
        rows = rows.filter(organisation__name__icontains=q)
    found = Paginator(rows.order_by("organisation__region__code", "organisation__name", "role", "id"),
                      PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "party/members.html", {
        "page": found, "role": role, "roles": MemberRole.choices, "q": q, "query": _query(role=role, q=q),
        "manage": _manage(request.user), "organisations": selectors.organisations(request.user)[:300]
        if _manage(request.user) else [], "statuses": MemberStatus.choices})


@page(sees_party_members)
def member_new(request):
    """Record a registry person's membership: the person is named by the registry's id, found at the look-up."""
    if request.method != "POST":
        return redirect("party_members")
    from gongzhi.registry import selectors as registry

    org = selectors.organisation(request.user, request.POST.get("organisation"))
    person = registry.persons(request.user).filter(pk=_int(request.POST.get("person"))).first()
    if org is None:
        messages.error(request, texts.no_such_organisation())
    elif person is None:
        messages.error(request, texts.no_such_person())
    else:
        def act():
            made = services.add_member(actor=request.user, person=person, organisation=org,
                                       role=request.POST.get("role", MemberRole.MEMBER),
                                       status=request.POST.get("status", MemberStatus.FULL),
                                       joined_party_on=request.POST.get("joined_party_on", ""))
            request.made = made
        if _run(request, act, texts.saved()):
            return redirect("party_member", member_id=request.made.pk)
    return redirect("party_members")


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


@page(sees_party_members)
def member(request, member_id):
    found = selectors.member(request.user, member_id)
    if found is None:
        raise Http404
    name = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        if action == "reveal":
            try:
                name = services.reveal_member(actor=request.user, member=found, reason=reason)
            except (ValidationError, PermissionDenied, RevealRefused) as exc:
                _refused(request, exc)
            else:
                messages.info(request, texts.revealed())
        else:
            if action == "change":
                _run(request, lambda: services.change_member(
                    actor=request.user, member=found, reason=reason, role=request.POST.get("role", found.role),
                    status=request.POST.get("status", found.status)), texts.saved())
            elif action == "end":
                _run(request, lambda: services.end_membership(
                    actor=request.user, member=found, reason=reason,
                    on=_day(request.POST.get("on", ""), "on", required=False)), texts.saved())
            elif action == "transfer":
                target = selectors.organisation(request.user, request.POST.get("organisation"))
                if target is None:
                    messages.error(request, texts.no_such_organisation())
                else:
                    def act():
                        request.moved = services.transfer_member(actor=request.user, member=found,
                                                                 organisation=target, reason=reason)
                    if _run(request, act, texts.saved()):
                        return redirect("party_member", member_id=request.moved.pk)
            return redirect("party_member", member_id=found.pk)
    return _render(request, "party/member.html", {
        "member": found, "name": name, "roles": MemberRole.choices, "statuses": MemberStatus.choices,
        "reveal": can(request.user, "party.reveal"), "manage": _manage(request.user),
        "organisations": selectors.organisations(request.user).exclude(pk=found.organisation_id)[:300]
        if _manage(request.user) else []})


# --- 双报到 ------------------------------------------------------------------------------------


@page(sees_party)
def reports(request):
    """Resident units reporting, the service posts; in-service members (masked) for ``party.members``."""
    q = request.GET.get("q", "").strip()[:100]
    manage = _manage(request.user)
    if request.method == "POST" and manage:
        action = request.POST.get("action", "")
        if action == "post":
            _run(request, lambda: services.create_post(
                actor=request.user, community=request.POST.get("community", ""), name=request.POST.get("name", ""),
                kind=request.POST.get("kind", ServicePost.Kind.OTHER),
                description=request.POST.get("description", ""),
                capacity=_int(request.POST.get("capacity")) or None), texts.saved())
        elif action == "close_post":
            post = selectors.post(request.user, request.POST.get("post"))
            if post is not None:
                _run(request, lambda: services.update_post(actor=request.user, post=post,
                                                           is_active=not post.is_active), texts.saved())
        elif action == "unit":
            from gongzhi.registry import selectors as registry

            unit = registry.organisations(request.user, kind=OrganisationKind.RESIDENT_UNIT).filter(
                pk=_int(request.POST.get("unit"))).first()
            if unit is None:
                messages.error(request, texts.no_such_unit())
            else:
                _run(request, lambda: services.report_unit(
                    actor=request.user, unit=unit, posts=[_int(p) for p in request.POST.getlist("posts")],
                    party_leader=request.POST.get("party_leader", ""),
                    party_members=_int(request.POST.get("party_members")) or None), texts.saved())
        elif action == "member" and can(request.user, "party.members"):
            from gongzhi.registry import selectors as registry

            person = registry.persons(request.user).filter(pk=_int(request.POST.get("person"))).first()
            if person is None:
                messages.error(request, texts.no_such_person())
            else:
                _run(request, lambda: services.report_member(
                    actor=request.user, person=person, workplace=request.POST.get("workplace", ""),
                    home_party_organisation=request.POST.get("home_party_organisation", ""),
                    posts=[_int(p) for p in request.POST.getlist("posts")]), texts.saved())
        elif action == "end_unit":
            report = selectors.unit_report(request.user, request.POST.get("report"))
            if report is not None:
                _run(request, lambda: services.end_report(actor=request.user, report=report,
                                                          reason=request.POST.get("reason", "")), texts.saved())
        return redirect("party_reports")
    units = Paginator(selectors.unit_reports(request.user, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    member_rows = selectors.member_reports(request.user).order_by("community__code", "-reported_on", "id")[:200] \
        if can(request.user, "party.members") else None
    return _render(request, "party/reports.html", {
        "page": units, "q": q, "query": _query(q=q), "posts": selectors.posts(request.user, active=None)[:300],
        "member_reports": member_rows, "manage": manage, "kinds": ServicePost.Kind.choices,
        "communities": _communities(request.user) if manage else [],
        "units": _units(request.user, OrganisationKind.RESIDENT_UNIT)[:300] if manage else []})


@page(sees_party_members)
def participation(request):
    """Participation per reporting member in a year, against the minimum; ``below=1``: only those below it."""
    year = _year(request.GET.get("year"))
    below = request.GET.get("below") == "1"
    if request.method == "POST":
        report = selectors.member_report(request.user, request.POST.get("report"))
        if report is None:
            messages.error(request, texts.no_such_report())
        else:
            post = selectors.post(request.user, request.POST.get("post")) if request.POST.get("post") else None
            _run(request, lambda: services.record_participation(
                actor=request.user, report=report, on=_day(request.POST.get("on", ""), "on"),
                hours=request.POST.get("hours", "0"), description=request.POST.get("description", ""),
                post=post), texts.saved())
        return redirect(f"{request.path}?{_query(year=year, below='1' if below else '')}")
    rows = selectors.participation(request.user, year=year, below_only=below)
    found = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    this_year = timezone.localdate().year
    return _render(request, "party/participation.html", {
        "page": found, "year": year, "below": below, "years": list(range(this_year, this_year - 4, -1)),
        "query": _query(year=year, below="1" if below else ""), "manage": _manage(request.user),
        "reports": selectors.member_reports(request.user)[:300] if _manage(request.user) else [],
        "posts": selectors.posts(request.user)[:300] if _manage(request.user) else []})


# --- the 大党委 and its joint meetings ------------------------------------------------------------


def _committees(user):
    return selectors.organisations(user).filter(is_joint_committee=True).order_by("region__code", "name")


@page(sees_party)
def committee(request):
    """The 大党委 of one's area: part-time members serving now, the joint meetings, open decisions."""
    manage = _manage(request.user)
    if request.method == "POST" and manage:
        action = request.POST.get("action", "")
        committee_row = _committees(request.user).filter(pk=_int(request.POST.get("committee"))).first()
        if committee_row is None:
            messages.error(request, texts.no_such_organisation())
        elif action == "part_time":
            from gongzhi.registry import selectors as registry

            unit = registry.organisations(request.user).filter(pk=_int(request.POST.get("unit"))).first()
            if unit is None:
                messages.error(request, texts.no_such_unit())
            else:
                _run(request, lambda: services.add_part_time_member(
                    actor=request.user, committee=committee_row, name=request.POST.get("name", ""), unit=unit,
                    position=request.POST.get("position", ""), phone=request.POST.get("phone", ""),
                    term_start=_day(request.POST.get("term_start", ""), "term_start"),
                    term_end=_day(request.POST.get("term_end", ""), "term_end")), texts.saved())
        elif action == "meeting":
            def act():
                request.made = services.schedule_meeting(
                    actor=request.user, committee=committee_row, title=request.POST.get("title", ""),
                    starts_at=_moment(request.POST.get("starts_at", ""), "starts_at"),
                    agenda=request.POST.get("agenda", ""), place=request.POST.get("place", ""))
            if _run(request, act, texts.saved()):
                return redirect("party_meeting", meeting_id=request.made.pk)
        return redirect("party_committee")
    today = timezone.localdate()
    state = request.GET.get("state", "")
    state = state if state in MeetingState.values else ""
    meetings = Paginator(selectors.meetings(request.user, state=state).order_by("-starts_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "party/committee.html", {
        "committees": _committees(request.user), "page": meetings, "state": state, "states": MeetingState.choices,
        "query": _query(state=state),
        "part_time": selectors.part_time_members(request.user, serving_on=today).order_by("committee_id", "name")[:200],
        "open_decisions": selectors.decisions(request.user, open_only=True)[:50], "now": timezone.now(),
        "manage": manage, "units": _units(request.user, "")[:300] if manage else []})


@page(sees_party)
def meeting(request, meeting_id):
    """A joint meeting: agenda, attendance, minutes, and its decisions tracked until done or dropped."""
    found = selectors.meeting(request.user, meeting_id)
    if found is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        if action == "held":
            _run(request, lambda: services.record_meeting(
                actor=request.user, meeting=found, minutes=request.POST.get("minutes", ""),
                present=[_int(p) for p in request.POST.getlist("present") if _int(p)],
                guests=[g for g in request.POST.get("guests", "").splitlines() if g.strip()]), texts.saved())
        elif action == "cancel":
            _run(request, lambda: services.cancel_meeting(actor=request.user, meeting=found, reason=reason),
                 texts.saved())
        elif action == "decision":
            from gongzhi.registry import selectors as registry

            unit_id = _int(request.POST.get("owner_unit"))
            unit = registry.organisations(request.user).filter(pk=unit_id).first() if unit_id else None
            if unit_id and unit is None:
                messages.error(request, texts.no_such_unit())
            else:
                _run(request, lambda: services.add_decision(
                    actor=request.user, meeting=found, text=request.POST.get("text", ""),
                    owner_name=request.POST.get("owner_name", ""), owner_unit=unit,
                    working_days=request.POST.get("working_days", ""), follow_up_by=request.user
                    if getattr(request.user, "region_id", None) else None), texts.saved())
        elif action in ("complete", "drop", "extend"):
            decision = found.decisions.filter(pk=_int(request.POST.get("decision"))).first()
            if decision is None:
                messages.error(request, texts.no_such_decision())
            elif action == "complete":
                _run(request, lambda: services.complete_decision(
                    actor=request.user, decision=decision, outcome=request.POST.get("outcome", ""),
                    version=request.POST.get("version") or None), texts.saved())
            elif action == "drop":
                _run(request, lambda: services.drop_decision(
                    actor=request.user, decision=decision, reason=reason,
                    version=request.POST.get("version") or None), texts.saved())
            else:
                _run(request, lambda: services.extend_decision(
                    actor=request.user, decision=decision, reason=reason,
                    working_days=request.POST.get("working_days", "")), texts.saved())
        return redirect("party_meeting", meeting_id=found.pk)
    now = timezone.now()
    return _render(request, "party/meeting.html", {
        "meeting": found, "attendance": found.attendance.select_related("unit").order_by("id"),
        "decisions": found.decisions.select_related("owner_unit").order_by("due_at", "id"), "now": now,
        "started": found.starts_at <= now, "manage": _manage(request.user), "open": DecisionState.OPEN,
        "units": _units(request.user, "")[:300] if _manage(request.user) else []})


# --- community social organisations and their incubation -------------------------------------------


@page(sees_party)
def groups(request):
    stage = request.GET.get("stage", "")
    stage = stage if stage in IncubationStage.values else ""
    manage = _manage(request.user)
    if request.method == "POST" and manage:
        from gongzhi.registry import selectors as registry

        org = registry.organisations(request.user, kind=OrganisationKind.SOCIAL_ORGANISATION).filter(
            pk=_int(request.POST.get("organisation"))).first()
        sponsor = selectors.organisation(request.user, request.POST.get("sponsor")) \
            if request.POST.get("sponsor") else None
        if org is None:
            messages.error(request, texts.no_such_unit())
        else:
            def act():
                request.made = services.start_incubation(actor=request.user, organisation=org, sponsor=sponsor,
                                                         plan=request.POST.get("plan", ""))
            if _run(request, act, texts.saved()):
                return redirect("party_group", incubation_id=request.made.pk)
        return redirect("party_groups")
    found = Paginator(selectors.incubations(request.user, stage=stage), PAGE_SIZE).get_page(request.GET.get("page"))
    candidates = []
    if manage:
        candidates = _units(request.user, OrganisationKind.SOCIAL_ORGANISATION).filter(
            incubation__isnull=True).exclude(registration=Registration.REGISTERED)[:300]
    return _render(request, "party/groups.html", {
        "page": found, "stage": stage, "stages": IncubationStage.choices, "query": _query(stage=stage),
        "manage": manage, "candidates": candidates,
        "sponsors": selectors.organisations(request.user)[:300] if manage else []})


@page(sees_party)
def group(request, incubation_id):
    incubation = selectors.incubation(request.user, incubation_id)
    if incubation is None:
        raise Http404
    org = incubation.organisation
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "member":
            from gongzhi.registry import selectors as registry

            person = registry.persons(request.user).filter(pk=_int(request.POST.get("person"))).first()
            if person is None:
                messages.error(request, texts.no_such_person())
            else:
                _run(request, lambda: services.add_group_member(
                    actor=request.user, organisation=org, person=person,
                    role=request.POST.get("role", GroupMember.Role.MEMBER)), texts.saved())
        elif action == "leave":
            row = selectors.group_members(request.user, org).filter(pk=_int(request.POST.get("member"))).first()
            if row is not None:
                _run(request, lambda: services.remove_group_member(actor=request.user, member=row), texts.saved())
        elif action == "activity":
            _run(request, lambda: services.record_group_activity(
                actor=request.user, organisation=org, title=request.POST.get("title", ""),
                on=_day(request.POST.get("on", ""), "on"), place=request.POST.get("place", ""),
                participants=request.POST.get("participants", "0"), summary=request.POST.get("summary", "")),
                texts.saved())
        elif action == "support":
            _run(request, lambda: services.record_support(
                actor=request.user, incubation=incubation, kind=request.POST.get("kind", ""),
                provider=request.POST.get("provider", ""), amount=request.POST.get("amount", ""),
                on=_day(request.POST.get("on", ""), "on", required=False),
                description=request.POST.get("description", "")), texts.saved())
        elif action == "register":
            _run(request, lambda: services.register_formally(
                actor=request.user, incubation=incubation, registration=request.POST.get("registration", ""),
                on=_day(request.POST.get("on", ""), "on"), credit_code=request.POST.get("credit_code", "")),
                texts.saved())
        elif action == "end":
            _run(request, lambda: services.end_incubation(actor=request.user, incubation=incubation,
                                                          reason=request.POST.get("reason", "")), texts.saved())
        return redirect("party_group", incubation_id=incubation.pk)
    return _render(request, "party/group.html", {
        "incubation": incubation, "org": org, "manage": _manage(request.user),
        "group_members": selectors.group_members(request.user, org),
        "activities": selectors.group_activities(request.user, org)[:50],
        "supports": selectors.supports(request.user, incubation)[:50],
        "roles": GroupMember.Role.choices, "kinds": SupportKind.choices, "today": timezone.localdate().isoformat(),
        "registrations": [(Registration.FILED, Registration.FILED.label),
                          (Registration.REGISTERED, Registration.REGISTERED.label)]})
