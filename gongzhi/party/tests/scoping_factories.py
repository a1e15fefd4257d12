"""Rows of the party app's scoped models placed in a grid, for accounts/tests/test_scoping_proof.py.

Written with the ORM: the proof asks only where a row lies. A party organisation
placed in a grid is a grid branch; what hangs off a community (posts, reports,
the 大党委) is placed in the grid's community, which lies inside the same area
for every actor but a grid worker's, whose own grid is asked separately.
"""

from datetime import date, timedelta

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.party.models import (
    Attendance,
    Decision,
    DecisionAlert,
    GroupActivity,
    GroupMember,
    Incubation,
    JointMeeting,
    MemberReport,
    Need,
    OrgLevel,
    Participation,
    ParticipationMinimum,
    PartTimeMember,
    PartyMember,
    PartyOrganisation,
    Project,
    Resource,
    ResourceKind,
    ServicePost,
    Support,
    UnitReport,
)
from gongzhi.registry.models import Organisation, OrganisationKind, Person


def _org(place, n, **extra):
    return PartyOrganisation.objects.create(name=f"党支部{n}", level=OrgLevel.BRANCH, region=place, **extra)


def _person(place, n):
    return Person.objects.create(name=f"党员{n}", grid=place)


def _unit(place, n, kind=OrganisationKind.RESIDENT_UNIT):
    return Organisation.objects.create(name=f"单位{n}", kind=kind, grid=place)


def member(place, n):
    return PartyMember.objects.create(person=_person(place, n), organisation=_org(place, n))


def post(place, n):
    # Posts belong to communities; placed on the grid's own code so a grid worker's proof holds too.
    return ServicePost.objects.create(community=place, name=f"岗位{n}")


def unit_report(place, n):
    return UnitReport.objects.create(unit=_unit(place, n), community=place)


def member_report(place, n):
    return MemberReport.objects.create(person=_person(place, n), community=place)


def participation(place, n):
    return Participation.objects.create(report=member_report(place, n), on=date(2026, 1, 1), description="服务")


def minimum(place, n):
    # One minimum per community: asked twice for the same place (the API fuzz world), it is the same row.
    return ParticipationMinimum.objects.update_or_create(community=place, defaults={"minimum": n})[0]


def part_time(place, n):
    return PartTimeMember.objects.create(committee=_org(place, n), name=f"委员{n}", unit=_unit(place, n),
                                         term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))


def meeting(place, n):
    return JointMeeting.objects.create(committee=_org(place, n), title=f"联席会议{n}", starts_at=timezone.now(),
                                       agenda="议程")


def attendance(place, n):
    return Attendance.objects.create(meeting=meeting(place, n), name=f"参会{n}")


def decision(place, n):
    return Decision.objects.create(meeting=meeting(place, n), text="决定", owner_name="责任人", working_days=5,
                                   due_at=timezone.now() + timedelta(days=7))


def alert(place, n):
    found = decision(place, n)
    return DecisionAlert.objects.create(decision=found, kind="overdue", due_at=found.due_at)


def incubation(place, n):
    return Incubation.objects.create(organisation=_unit(place, n, OrganisationKind.SOCIAL_ORGANISATION))


def group_member(place, n):
    return GroupMember.objects.create(organisation=_unit(place, n, OrganisationKind.SOCIAL_ORGANISATION),
                                      person=_person(place, n))


def group_activity(place, n):
    return GroupActivity.objects.create(organisation=_unit(place, n, OrganisationKind.SOCIAL_ORGANISATION),
                                        title="排练", on=date(2026, 1, 1))


def support(place, n):
    return Support.objects.create(incubation=incubation(place, n), kind="venue", provider="社区")


def need(place, n):
    return Need.objects.create(region=place, title=f"需求{n}", description="说明", kind=ResourceKind.VENUE)


def resource(place, n):
    return Resource.objects.create(region=place, title=f"资源{n}", kind=ResourceKind.VENUE)


def project(place, n):
    owner = User.objects.create(username=f"party_owner_{n}", role=Role.COMMUNITY_STAFF, region=place)
    return Project.objects.create(region=place, title=f"项目{n}", owner=owner, plan="计划")


FACTORIES = {
    PartyOrganisation: _org, PartyMember: member, ServicePost: post, UnitReport: unit_report,
    MemberReport: member_report, Participation: participation, ParticipationMinimum: minimum,
    PartTimeMember: part_time, JointMeeting: meeting, Attendance: attendance, Decision: decision,
    DecisionAlert: alert, Incubation: incubation, GroupMember: group_member, GroupActivity: group_activity,
    Support: support, Need: need, Resource: resource, Project: project,
}
