"""Roles and what each may do: the ONE permission mechanism.

A capability is a dotted name (``"regions.import"``). Services check it with
:func:`require`; pages and API decide what to show with :func:`can`. Area is a
separate question answered by :mod:`gongzhi.core.scoping`: a capability says
*what* an actor may do, the scope says *where*.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    DISPATCHER = "dispatcher", _("Subdistrict dispatcher")
    DEPARTMENT = "department", _("Department staff")
    MEDIATOR = "mediator", _("Mediator")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset(),
    Role.GRID_WORKER: frozenset({"regions.view"}),
    Role.COMMUNITY_STAFF: frozenset({"regions.view"}),
    Role.DISPATCHER: frozenset({"regions.view"}),
    Role.DEPARTMENT: frozenset({"regions.view"}),
    Role.MEDIATOR: frozenset({"regions.view"}),
    Role.LEADER: frozenset({"regions.view", "audit.view"}),
    Role.ADMIN: frozenset(
        {"regions.view", "regions.change", "regions.import", "accounts.manage", "audit.view", "calendar.manage"}
    ),
}


def capabilities_of(actor) -> frozenset[str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return frozenset()
    if getattr(actor, "is_superuser", False):
        return frozenset().union(*CAPABILITIES.values())
    extra = getattr(actor, "extra_capabilities", frozenset())
    return CAPABILITIES.get(getattr(actor, "role", None), frozenset()) | extra


def can(actor, capability: str) -> bool:
    return capability in capabilities_of(actor)


def require(actor, capability: str) -> None:
    if not can(actor, capability):
        raise PermissionDenied(gettext("You are not allowed to do this."))


# --- Request handling (接诉即办), added by the cases app ---------------------
# cases.report   report a case of one's own (any signed-in person)
# cases.intake   register cases for others (hotline, walk-in, patrol); answer consultations at intake
# cases.handle   act as a member of the unit a case is assigned or summoned to
# cases.dispatch dispatch, decide after returns, approve extensions, merge, cancel
# cases.whistle  summon departments to a case (街道吹哨)
# cases.callback record a resident's verdict on a reply (回访)
# cases.configure categories and routing rules
# cases.verify   record an on-site verification asked of one's own grid (网格员核实 / 核查)
# cases.view     see the cases of one's area and unit, and what hangs off them (ScopeSpec.view);
#                without it an actor sees only the cases it reported. Every staff role has it;
#                an API key only when given it.
_CASES_CAPABILITIES = {
    Role.RESIDENT: {"cases.report"},
    Role.GRID_WORKER: {"cases.report", "cases.intake", "cases.handle", "cases.verify"},
    Role.COMMUNITY_STAFF: {"cases.report", "cases.intake", "cases.handle", "cases.callback"},
    Role.DISPATCHER: {"cases.report", "cases.intake", "cases.handle", "cases.dispatch", "cases.whistle",
                      "cases.callback"},
    Role.DEPARTMENT: {"cases.report", "cases.handle"},
    Role.MEDIATOR: {"cases.report"},
    Role.LEADER: {"cases.report"},
    Role.ADMIN: {"cases.report", "cases.intake", "cases.dispatch", "cases.whistle", "cases.callback",
                 "cases.configure"},
}
for _role, _caps in _CASES_CAPABILITIES.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset(_caps) | (
        frozenset({"cases.view"}) if _role in STAFF_ROLES else frozenset())

# --- Supervision (督办) and leaders' instructions (领导批示), added by the cases app ---
# cases.supervise urge a unit on a case (催办) and give a yellow or red card by hand, with a reason
# cases.instruct  write an instruction on a case that the unit must acknowledge
for _role, _caps in {Role.DISPATCHER: {"cases.supervise"}, Role.LEADER: {"cases.supervise", "cases.instruct"}}.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset(_caps)

# --- Base data (人房地事物组织), added by the registry app -----------------------
# registry.view           see persons, places, households, organisations of one's area (personal data masked)
# registry.change         create and change them
# registry.visit          record household visits and patrols
# registry.reveal         reveal one ID number or phone number, giving a reason (audited)
# registry.view_sensitive see care tags of sensitivity "high" (e.g. 重点人员)
# registry.import         import spreadsheets of persons, dwellings and households
# registry.export         export lists to XLSX (masked)
# registry.configure      care tags and their visiting rules
_REGISTRY_CAPABILITIES = {
    Role.RESIDENT: set(),
    Role.GRID_WORKER: {"registry.view", "registry.change", "registry.visit"},
    Role.COMMUNITY_STAFF: {"registry.view", "registry.change", "registry.visit", "registry.reveal",
                           "registry.view_sensitive", "registry.import", "registry.export"},
    Role.DISPATCHER: {"registry.view"},
    Role.DEPARTMENT: set(),
    Role.MEDIATOR: {"registry.view"},
    Role.LEADER: {"registry.view", "registry.export"},
    Role.ADMIN: {"registry.view", "registry.change", "registry.visit", "registry.reveal", "registry.view_sensitive",
                 "registry.import", "registry.export", "registry.configure"},
}
for _role, _caps in _REGISTRY_CAPABILITIES.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset(_caps)

# --- The three rates and rankings, added by the cases app ---------------------
# cases.metrics  see the response, resolution and satisfaction rates and rankings of the units and
#                regions of one's area (gongzhi.cases.metrics)
for _role in (Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.DEPARTMENT, Role.LEADER, Role.ADMIN):
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset({"cases.metrics"})

# --- Public notices (通知公告), added by the noticeboard app -----------------------
# notices.publish  publish, change and withdraw notices for the residents of one's area
for _role in (Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.ADMIN):
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset({"notices.publish"})

# --- Assessment (考核评价), added by the assessment app -------------------------------
# assessment.view      see the KPI sets, scores, snapshots, appeals and ratings of one's area (and one's own unit's)
# assessment.configure create KPI sets and change their KPIs for one's area
# assessment.assess    decide appeals and freeze a month's scores (the assessor)
# assessment.appeal    appeal for one's own unit against the counting of a case
# assessment.rate      rate, for one's community or subdistrict, the departments that served it (双向考核)
_ASSESSMENT_CAPABILITIES = {
    Role.COMMUNITY_STAFF: {"assessment.view", "assessment.appeal", "assessment.rate"},
    Role.DISPATCHER: {"assessment.view", "assessment.appeal", "assessment.rate"},
    Role.DEPARTMENT: {"assessment.view", "assessment.appeal"},
    Role.LEADER: {"assessment.view", "assessment.configure", "assessment.assess"},
    Role.ADMIN: {"assessment.view", "assessment.configure", "assessment.assess"},
}
for _role, _caps in _ASSESSMENT_CAPABILITIES.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset(_caps)

# --- Volunteers and the time bank (志愿服务, 时间银行), added by the volunteers app ---------
# volunteers.join    apply as a volunteer, sign up for activities, check in and out, spend and give
#                    one's own hours and points (every signed-in person may volunteer)
# volunteers.view    see the volunteers, teams, sign-ups and ledger of one's area (ScopeSpec.view;
#                    phone and ID numbers masked)
# volunteers.manage  verify volunteers, run teams, activities and the shop, correct hours, award points
# volunteers.reveal  reveal one volunteer's phone or ID number, giving a reason (audited)
for _role in Role:
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset({"volunteers.join"})
for _role in (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.LEADER, Role.ADMIN):
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset({"volunteers.view"})
for _role in (Role.COMMUNITY_STAFF, Role.ADMIN):
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset({"volunteers.manage", "volunteers.reveal"})

# --- Intelligence (智能分拨, 热点, 未诉先办, 15 分钟服务圈), added by the insights app ---
# insights.view   see routing suggestions, hotspots, alerts and service coverage of one's area
# insights.train  train, activate and evaluate the routing text model (deployment-wide)
for _role in (Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.LEADER, Role.ADMIN):
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset({"insights.view"})
CAPABILITIES[Role.ADMIN] = CAPABILITIES[Role.ADMIN] | frozenset({"insights.train"})
# insights.topic  choose the month's topic (每月一题) from a hotspot, and close it
# insights.alerts take on, finish or dismiss 未诉先办 alerts of one's area or unit
for _role in (Role.LEADER, Role.ADMIN):
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset({"insights.topic"})
for _role in (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.DEPARTMENT, Role.ADMIN):
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset({"insights.alerts", "insights.view"})

# --- Deliberation and votes (议事协商), added by the deliberation app -------------------
# deliberation.take_part  raise micro-proposals, co-sign, vote online, object to a publication, propose and
#                         vote on community fund projects (residents; staff may take part as residents too)
# deliberation.view       see the proposals, items, meetings, votes (turnout, roll), projects and funds of one's area
# deliberation.manage     answer and merge proposals, run the agenda, meetings, votes and the roll, enter paper
#                         ballots, publish decisions, answer objections, run projects and the community fund
_DELIBERATION_CAPABILITIES = {
    Role.RESIDENT: {"deliberation.take_part"},
    Role.GRID_WORKER: {"deliberation.take_part", "deliberation.view"},
    Role.COMMUNITY_STAFF: {"deliberation.take_part", "deliberation.view", "deliberation.manage"},
    Role.DISPATCHER: {"deliberation.view"},
    Role.LEADER: {"deliberation.view"},
    Role.ADMIN: {"deliberation.view", "deliberation.manage"},
}
for _role, _caps in _DELIBERATION_CAPABILITIES.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset(_caps)

# --- Dispute mediation (矛盾纠纷多元化解), added by the mediation app ----------------------
# mediation.view      see the disputes of one's area and committee, and what hangs off them (ScopeSpec.view)
# mediation.register  register a dispute (from a case, a walk-in or screening) and its parties
# mediation.screen    file the periodic screening report (排查) of one's grid or community, and early warnings
# mediation.assign    assign a dispute to a committee and mediators; escalate it to the next tier
# mediation.mediate   as a member of the committee: consent, sessions, outcomes, agreements, confirmation, follow-up
# mediation.reveal    reveal a party's name, ID number, phone or address, giving a reason (audited)
# mediation.metrics   the mediation figures of one's area
# mediation.configure dispute types and committees (tier, trade)
_MEDIATION_CAPABILITIES = {
    Role.GRID_WORKER: {"mediation.view", "mediation.register", "mediation.screen"},
    Role.COMMUNITY_STAFF: {"mediation.view", "mediation.register", "mediation.screen", "mediation.assign",
                           "mediation.metrics"},
    Role.DISPATCHER: {"mediation.view", "mediation.register", "mediation.assign", "mediation.metrics"},
    Role.MEDIATOR: {"mediation.view", "mediation.register", "mediation.screen", "mediation.assign",
                    "mediation.mediate", "mediation.reveal", "mediation.metrics"},
    Role.LEADER: {"mediation.view", "mediation.metrics"},
    Role.ADMIN: {"mediation.view", "mediation.register", "mediation.screen", "mediation.assign", "mediation.mediate",
                 "mediation.reveal", "mediation.metrics", "mediation.configure"},
}
for _role, _caps in _MEDIATION_CAPABILITIES.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset(_caps)

# --- 居民公约 / 村规民约, added by the assessment app -----------------------------------
# covenant.record  record the adoption of a covenant's text (or a revision) for a community of one's area
for _role in (Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.ADMIN):
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset({"covenant.record"})

# --- Party-led co-building (党建引领), added by the party app ------------------------
# party.view     see the party organisation tree, service posts, unit reports, the 大党委, joint meetings,
#                social organisations and the three lists of one's area
# party.manage   keep the tree, service posts, 双报到 (unit and member reports, participation), the 大党委,
#                joint meetings and their decisions, the incubation of social organisations
# party.members  see party membership (members, in-service members' reports and participation; names masked)
# party.reveal   reveal a member's name, giving a reason (audited, the one reveal)
# party.lists    record needs and resources, run projects of the three lists
_PARTY_CAPABILITIES = {
    Role.GRID_WORKER: {"party.view", "party.lists"},
    Role.COMMUNITY_STAFF: {"party.view", "party.manage", "party.members", "party.reveal", "party.lists"},
    Role.DISPATCHER: {"party.view"},
    Role.LEADER: {"party.view", "party.members"},
    Role.ADMIN: {"party.view", "party.manage", "party.members", "party.reveal", "party.lists"},
}
for _role, _caps in _PARTY_CAPABILITIES.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | frozenset(_caps)

# --- Events from other systems, added by the assessment app --------------------------------
# events.configure  register the systems (video platforms, sensors, departments' systems) whose events become cases
CAPABILITIES[Role.ADMIN] = CAPABILITIES[Role.ADMIN] | frozenset({"events.configure"})

# --- Personal-data rights (PIPL), added by the privacy app ---------------------
# privacy.manage  register data-subject requests, read what every app holds of the subject, answer them
CAPABILITIES[Role.ADMIN] = CAPABILITIES[Role.ADMIN] | frozenset({"privacy.manage"})
