"""/api/v1/party/: the party organisation tree and its members, 双报到, the 大党委 and its joint meetings,
the incubation of social organisations, the three lists and the figures.

Thin: parse, call a selector or service with the actor, render. Every endpoint needs ``party.view``; those
that say who is a party member (members, in-service members' reports and participation) need
``party.members`` as well and give names masked; ``POST /members/{id}/reveal`` gives one name, with a
reason, audited (the one reveal). The services check ``party.manage`` (and ``party.lists``) and the area;
a row outside the caller's area answers 404 like one that does not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from gongzhi.accounts.actors import actor_of
from gongzhi.accounts.roles import require
from gongzhi.core.schemas import Pages
from gongzhi.core.scoping import scope_queryset

from . import figures, matching, selectors, services
from .schemas import (
    PartyDecisionIn,
    PartyDecisionOut,
    PartyDoneIn,
    PartyDropIn,
    PartyEndIn,
    PartyErrorOut,
    PartyExtendIn,
    PartyFigureOut,
    PartyHeldIn,
    PartyIncubationIn,
    PartyIncubationOut,
    PartyMeetingDetailOut,
    PartyMeetingIn,
    PartyMeetingOut,
    PartyMemberIn,
    PartyMemberOut,
    PartyMemberReportIn,
    PartyMemberReportOut,
    PartyNeedOut,
    PartyOrganisationIn,
    PartyOrganisationOut,
    PartyParticipationIn,
    PartyParticipationOut,
    PartyParticipationRowOut,
    PartyPartTimeIn,
    PartyPartTimeOut,
    PartyPostIn,
    PartyPostOut,
    PartyProjectOut,
    PartyProposalOut,
    PartyReasonIn,
    PartyResourceOut,
    PartyRevealIn,
    PartyRevealOut,
    PartyUnitReportIn,
    PartyUnitReportOut,
)

router = Router(tags=["party"])
NOT_FOUND = {404: PartyErrorOut}


def _found(obj, what: str):
    if obj is None:
        raise HttpError(404, _("There is no such %(what)s in your area.") % {"what": what})
    return obj


def _get(queryset: QuerySet, pk):
    obj = queryset.filter(pk=pk).first() if pk and 0 < pk < 2**63 else None
    return _found(obj, str(queryset.model._meta.verbose_name))


def _viewer(request):
    actor = actor_of(request)
    require(actor, "party.view")
    return actor


def _members_viewer(request):
    actor = _viewer(request)
    require(actor, "party.members")
    return actor


def _person(actor, pk):
    from gongzhi.registry.models import Person

    return _get(scope_queryset(Person.objects.all(), actor), pk)


def _organisation_of_registry(actor, pk):
    from gongzhi.registry.models import Organisation

    return _get(scope_queryset(Organisation.objects.all(), actor), pk)


# --- the tree ------------------------------------------------------------------------------------


@router.get("/organisations", response=list[PartyOrganisationOut], summary="Party organisations of your area")
@paginate(Pages, page_size=50)
def list_organisations(request, q: str = "", level: str = "", active: bool = True):
    return selectors.organisations(_viewer(request), q=q[:100], level=level[:24], active=active)


@router.get("/organisations/{org_id}", response={200: PartyOrganisationOut, **NOT_FOUND},
            summary="One party organisation")
def get_organisation(request, org_id: int):
    return _found(selectors.organisation(_viewer(request), org_id), _("party organisation"))


@router.post("/organisations", response={201: PartyOrganisationOut},
             summary="Create a party organisation on the region tree")
def create_organisation(request, payload: PartyOrganisationIn):
    actor = _viewer(request)
    parent = _found(selectors.organisation(actor, payload.parent_id), _("party organisation")) \
        if payload.parent_id else None
    org = services.create_organisation(actor=actor, name=payload.name, level=payload.level, region=payload.region,
                                       parent=parent, is_joint_committee=payload.is_joint_committee,
                                       founded_on=payload.founded_on)
    return 201, selectors.organisation(actor, org.pk)


# --- members (sensitive) --------------------------------------------------------------------------


@router.get("/members", response=list[PartyMemberOut], summary="Party members (names masked; party.members)")
@paginate(Pages, page_size=50)
def list_members(request, organisation_id: int | None = None, role: str = "", current: bool = True):
    actor = _members_viewer(request)
    org = _found(selectors.organisation(actor, organisation_id), _("party organisation")) \
        if organisation_id else None
    return selectors.members(actor, organisation=org, role=role[:20], current=current).order_by("id")


@router.get("/members/{member_id}", response={200: PartyMemberOut, **NOT_FOUND}, summary="One party member")
def get_member(request, member_id: int):
    return _found(selectors.member(_members_viewer(request), member_id), _("party member"))


@router.post("/members", response={201: PartyMemberOut}, summary="Record a registry person's membership")
def add_member(request, payload: PartyMemberIn):
    actor = _members_viewer(request)
    org = _found(selectors.organisation(actor, payload.party_organisation_id), _("party organisation"))
    return 201, services.add_member(actor=actor, person=_person(actor, payload.person_id), organisation=org,
                                    role=payload.role, status=payload.status,
                                    joined_party_on=payload.joined_party_on)


@router.post("/members/{member_id}/reveal", response={200: PartyRevealOut, **NOT_FOUND},
             summary="A member's name in clear, with a reason (audited, rate-limited)")
def reveal_member(request, member_id: int, payload: PartyRevealIn):
    actor = _members_viewer(request)
    member = _found(selectors.member(actor, member_id), _("party member"))
    return {"name": services.reveal_member(actor=actor, member=member, reason=payload.reason)}


@router.post("/members/{member_id}/end", response={200: PartyMemberOut, **NOT_FOUND},
             summary="End a membership here (the row stays as history)")
def end_membership(request, member_id: int, payload: PartyEndIn):
    actor = _members_viewer(request)
    member = _found(selectors.member(actor, member_id), _("party member"))
    return services.end_membership(actor=actor, member=member, on=payload.on, reason=payload.reason)


# --- 双报到 -----------------------------------------------------------------------------------------


@router.get("/posts", response=list[PartyPostOut], summary="Service posts (服务岗位) of your area")
@paginate(Pages, page_size=50)
def list_posts(request, active: bool | None = True):
    return selectors.posts(_viewer(request), active=active)


@router.post("/posts", response={201: PartyPostOut}, summary="Create a service post of a community")
def create_post(request, payload: PartyPostIn):
    actor = _viewer(request)
    post = services.create_post(actor=actor, community=payload.community, name=payload.name, kind=payload.kind,
                                description=payload.description, capacity=payload.capacity)
    return 201, selectors.post(actor, post.pk)


@router.get("/unit-reports", response=list[PartyUnitReportOut], summary="Resident units reporting (单位报到)")
@paginate(Pages, page_size=50)
def list_unit_reports(request, q: str = "", current: bool = True):
    return selectors.unit_reports(_viewer(request), q=q[:100], current=current)


@router.post("/unit-reports", response={201: PartyUnitReportOut}, summary="A resident unit reports")
def report_unit(request, payload: PartyUnitReportIn):
    actor = _viewer(request)
    report = services.report_unit(actor=actor, unit=_organisation_of_registry(actor, payload.unit_id),
                                  posts=payload.post_ids, party_leader=payload.party_leader,
                                  party_members=payload.party_members, reported_on=payload.reported_on)
    return 201, selectors.unit_report(actor, report.pk)


@router.get("/member-reports", response=list[PartyMemberReportOut],
            summary="In-service party members reporting (names masked; party.members)")
@paginate(Pages, page_size=50)
def list_member_reports(request, current: bool = True):
    return selectors.member_reports(_members_viewer(request), current=current).order_by("id")


@router.post("/member-reports", response={201: PartyMemberReportOut}, summary="An in-service party member reports")
def report_member(request, payload: PartyMemberReportIn):
    actor = _members_viewer(request)
    report = services.report_member(actor=actor, person=_person(actor, payload.person_id),
                                    community=payload.community or None, workplace=payload.workplace,
                                    home_party_organisation=payload.home_party_organisation,
                                    posts=payload.post_ids, reported_on=payload.reported_on)
    return 201, selectors.member_report(actor, report.pk)


@router.post("/member-reports/{report_id}/participations", response={201: PartyParticipationOut, **NOT_FOUND},
             summary="Count one time a reporting member served")
def record_participation(request, report_id: int, payload: PartyParticipationIn):
    actor = _members_viewer(request)
    report = _found(selectors.member_report(actor, report_id), _("member report"))
    post = _found(selectors.post(actor, payload.post_id), _("service post")) if payload.post_id else None
    return 201, services.record_participation(actor=actor, report=report, on=payload.on, hours=payload.hours,
                                              description=payload.description, post=post)


@router.get("/participation", response=list[PartyParticipationRowOut],
            summary="Participation per reporting member in a year against the minimum; below=true: those below it")
@paginate(Pages, page_size=50)
def participation(request, year: int | None = None, below: bool = False):
    year = year if year and 2000 <= year <= 2100 else timezone.localdate().year
    rows = selectors.participation(_members_viewer(request), year=year, below_only=below)
    return [{"report_id": r.report.pk, "name_masked": r.name_masked, "community": r.report.community.code,
             "times": r.times, "hours": r.hours, "minimum": r.minimum, "expected": r.expected, "below": r.below}
            for r in rows]


# --- the 大党委 and its meetings -------------------------------------------------------------------------


@router.get("/part-time-members", response=list[PartyPartTimeOut],
            summary="Part-time members (兼职委员) of the 大党委 of your area")
@paginate(Pages, page_size=50)
def list_part_time(request, serving: bool = False):
    return selectors.part_time_members(_viewer(request), serving_on=timezone.localdate() if serving else None)


@router.post("/part-time-members", response={201: PartyPartTimeOut}, summary="Add a part-time member for a term")
def add_part_time(request, payload: PartyPartTimeIn):
    actor = _viewer(request)
    committee = _found(selectors.organisation(actor, payload.joint_committee_id), _("party organisation"))
    return 201, services.add_part_time_member(
        actor=actor, committee=committee, name=payload.name, unit=_organisation_of_registry(actor, payload.unit_id),
        position=payload.position, phone=payload.phone, term_start=payload.term_start, term_end=payload.term_end)


@router.get("/meetings", response=list[PartyMeetingOut], summary="Joint meetings (联席会议) of your area")
@paginate(Pages, page_size=50)
def list_meetings(request, state: str = ""):
    return selectors.meetings(_viewer(request), state=state[:12])


def _meeting_detail(actor, meeting_id):
    """The meeting; its ``attendance`` and ``decisions`` managers are read whole (in their models' order)."""
    return _found(selectors.meeting(actor, meeting_id), _("joint meeting"))


@router.get("/meetings/{meeting_id}", response={200: PartyMeetingDetailOut, **NOT_FOUND},
            summary="One joint meeting with its attendance and decisions")
def get_meeting(request, meeting_id: int):
    return _meeting_detail(_viewer(request), meeting_id)


@router.post("/meetings", response={201: PartyMeetingOut}, summary="Call a joint meeting of a 大党委")
def schedule_meeting(request, payload: PartyMeetingIn):
    actor = _viewer(request)
    committee = _found(selectors.organisation(actor, payload.joint_committee_id), _("party organisation"))
    meeting = services.schedule_meeting(actor=actor, committee=committee, title=payload.title,
                                        starts_at=payload.starts_at, agenda=payload.agenda, place=payload.place)
    return 201, selectors.meeting(actor, meeting.pk)


@router.post("/meetings/{meeting_id}/held", response={200: PartyMeetingDetailOut, **NOT_FOUND},
             summary="The meeting was held: minutes and who came")
def record_meeting(request, meeting_id: int, payload: PartyHeldIn):
    actor = _viewer(request)
    meeting = _found(selectors.meeting(actor, meeting_id), _("joint meeting"))
    services.record_meeting(actor=actor, meeting=meeting, minutes=payload.minutes, present=payload.present,
                            guests=payload.guests)
    return _meeting_detail(actor, meeting_id)


@router.post("/meetings/{meeting_id}/cancel", response={200: PartyMeetingOut, **NOT_FOUND},
             summary="Cancel a planned meeting, with a reason")
def cancel_meeting(request, meeting_id: int, payload: PartyReasonIn):
    actor = _viewer(request)
    meeting = _found(selectors.meeting(actor, meeting_id), _("joint meeting"))
    services.cancel_meeting(actor=actor, meeting=meeting, reason=payload.reason)
    return selectors.meeting(actor, meeting_id)


@router.post("/meetings/{meeting_id}/decisions", response={201: PartyDecisionOut, **NOT_FOUND},
             summary="A decision of a held meeting, due in working days")
def add_decision(request, meeting_id: int, payload: PartyDecisionIn):
    actor = _viewer(request)
    meeting = _found(selectors.meeting(actor, meeting_id), _("joint meeting"))
    unit = _organisation_of_registry(actor, payload.owner_unit_id) if payload.owner_unit_id else None
    return 201, services.add_decision(actor=actor, meeting=meeting, text=payload.text, owner_name=payload.owner_name,
                                      owner_unit=unit, working_days=payload.working_days)


@router.get("/decisions", response=list[PartyDecisionOut], summary="Meeting decisions of your area, by deadline")
@paginate(Pages, page_size=50)
def list_decisions(request, open: bool = False, overdue: bool = False):
    return selectors.decisions(_viewer(request), open_only=open, overdue_at=timezone.now() if overdue else None)


@router.post("/decisions/{decision_id}/done", response={200: PartyDecisionOut, **NOT_FOUND},
             summary="The decision was carried out: what was done")
def complete_decision(request, decision_id: int, payload: PartyDoneIn):
    actor = _viewer(request)
    decision = _found(selectors.decision(actor, decision_id), _("meeting decision"))
    return services.complete_decision(actor=actor, decision=decision, outcome=payload.outcome,
                                      version=payload.version)


@router.post("/decisions/{decision_id}/drop", response={200: PartyDecisionOut, **NOT_FOUND},
             summary="The decision will not be carried out: why")
def drop_decision(request, decision_id: int, payload: PartyDropIn):
    actor = _viewer(request)
    decision = _found(selectors.decision(actor, decision_id), _("meeting decision"))
    return services.drop_decision(actor=actor, decision=decision, reason=payload.reason, version=payload.version)


@router.post("/decisions/{decision_id}/extend", response={200: PartyDecisionOut, **NOT_FOUND},
             summary="Move an open decision's deadline by working days, with a reason")
def extend_decision(request, decision_id: int, payload: PartyExtendIn):
    actor = _viewer(request)
    decision = _found(selectors.decision(actor, decision_id), _("meeting decision"))
    return services.extend_decision(actor=actor, decision=decision, working_days=payload.working_days,
                                    reason=payload.reason)


# --- social organisations ----------------------------------------------------------------------------


@router.get("/incubations", response=list[PartyIncubationOut],
            summary="Community social organisations in incubation (孵化)")
@paginate(Pages, page_size=50)
def list_incubations(request, stage: str = ""):
    return selectors.incubations(_viewer(request), stage=stage[:12])


@router.get("/incubations/{incubation_id}", response={200: PartyIncubationOut, **NOT_FOUND},
            summary="One incubation")
def get_incubation(request, incubation_id: int):
    return _found(selectors.incubation(_viewer(request), incubation_id), _("incubation"))


@router.post("/incubations", response={201: PartyIncubationOut}, summary="Start incubating a social organisation")
def start_incubation(request, payload: PartyIncubationIn):
    actor = _viewer(request)
    sponsor = _found(selectors.organisation(actor, payload.sponsor_id), _("party organisation")) \
        if payload.sponsor_id else None
    return 201, services.start_incubation(actor=actor, organisation=_organisation_of_registry(
        actor, payload.social_organisation_id), sponsor=sponsor, plan=payload.plan, started_on=payload.started_on)


# --- the three lists and the figures ---------------------------------------------------------------


@router.get("/needs", response=list[PartyNeedOut], summary="Needs (需求清单) of your area")
@paginate(Pages, page_size=50)
def list_needs(request, state: str = "", kind: str = "", q: str = ""):
    return selectors.needs(_viewer(request), state=state[:12], kind=kind[:12], q=q[:100])


@router.get("/needs/{need_id}/proposals", response={200: list[PartyProposalOut], **NOT_FOUND},
            summary="Resources proposed for a need, each with its reasons")
def propose(request, need_id: int):
    actor = _viewer(request)
    need = _found(selectors.need(actor, need_id), _("need"))
    return [{"resource": p.resource, "score": p.score, "reasons": p.reasons} for p in matching.propose(actor, need)]


@router.get("/resources", response=list[PartyResourceOut], summary="Resources (资源清单) of your area")
@paginate(Pages, page_size=50)
def list_resources(request, kind: str = "", q: str = ""):
    return selectors.resources(_viewer(request), kind=kind[:12], q=q[:100])


@router.get("/projects", response=list[PartyProjectOut], summary="Projects (项目清单) of your area")
@paginate(Pages, page_size=50)
def list_projects(request, state: str = ""):
    return selectors.projects(_viewer(request), state=state[:12])


@router.get("/figures", response=list[PartyFigureOut],
            summary="Reported units and members, participation, needs met, projects done by community and month")
def list_figures(request, year: int | None = None):
    year = year if year and 2000 <= year <= 2100 else timezone.localdate().year
    return figures.by_community_and_month(_viewer(request), year=year)
