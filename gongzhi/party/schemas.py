"""The shapes of /api/v1/party/: every name prefixed ``Party`` (OpenAPI components are shared by all apps).

Membership is sensitive: a member or an in-service member's report leaves with the name masked only;
``POST /party/members/{id}/reveal`` gives the name, with a reason, audited. A part-time member's phone
leaves masked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from gongzhi.core.schemas import In

ID = {"ge": 1, "le": 2**63 - 1}


class PartyErrorOut(Schema):
    detail: str


class PartyOrganisationOut(Schema):
    id: int
    name: str
    level: str
    parent_id: int | None
    region: str = Field(..., alias="region.code")
    region_name: str = Field(..., alias="region.name")
    building_id: int | None
    is_joint_committee: bool
    founded_on: dt.date | None
    dissolved_on: dt.date | None
    member_count: int = 0


class PartyOrganisationIn(In):
    name: str = Field(..., max_length=100)
    level: str = Field(..., description="working_committee, community_committee, general_branch, branch or group",
                       max_length=24)
    region: str = Field(..., description="the region code the organisation sits on", max_length=20)
    parent_id: int | None = Field(None, **ID)
    is_joint_committee: bool = False
    founded_on: dt.date | None = None


class PartyMemberOut(Schema):
    id: int
    name_masked: str
    organisation_id: int
    organisation: str = Field(..., alias="organisation.name")
    role: str
    status: str
    since: dt.date
    left_on: dt.date | None


class PartyMemberIn(In):
    person_id: int = Field(..., **ID)
    party_organisation_id: int = Field(..., **ID)
    role: str = Field("member", max_length=20)
    status: str = Field("full", max_length=16)
    joined_party_on: str = Field("", max_length=20)


class PartyRevealIn(In):
    reason: str = Field(..., max_length=1000)


class PartyRevealOut(Schema):
    name: str


class PartyEndIn(In):
    on: dt.date | None = None
    reason: str = Field("", max_length=500)


class PartyPostOut(Schema):
    id: int
    community: str = Field(..., alias="community.code")
    name: str
    kind: str
    description: str
    capacity: int | None
    is_active: bool
    units_taken: int = 0
    members_taken: int = 0


class PartyPostIn(In):
    community: str = Field(..., max_length=20)
    name: str = Field(..., max_length=100)
    kind: str = Field("other", max_length=16)
    description: str = Field("", max_length=2000)
    capacity: int | None = Field(None, ge=1, le=100000)


class PartyUnitReportOut(Schema):
    id: int
    unit_id: int
    unit: str = Field(..., alias="unit.name")
    community: str = Field(..., alias="community.code")
    party_leader: str
    party_members: int | None
    post_ids: list[int]
    reported_on: dt.date
    ended_on: dt.date | None

    @staticmethod
    def resolve_post_ids(obj) -> list[int]:
        return [p.pk for p in obj.posts.all()]


class PartyUnitReportIn(In):
    unit_id: int = Field(..., **ID)
    post_ids: list[int] = Field(default_factory=list, max_length=50)
    party_leader: str = Field("", max_length=50)
    party_members: int | None = Field(None, ge=0, le=1000000)
    reported_on: dt.date | None = None


class PartyMemberReportOut(Schema):
    id: int
    name_masked: str
    community: str = Field(..., alias="community.code")
    workplace: str
    post_ids: list[int]
    reported_on: dt.date
    ended_on: dt.date | None

    @staticmethod
    def resolve_post_ids(obj) -> list[int]:
        return [p.pk for p in obj.posts.all()]


class PartyMemberReportIn(In):
    person_id: int = Field(..., **ID)
    community: str = Field("", description="default: where the person lives", max_length=20)
    workplace: str = Field("", max_length=200)
    home_party_organisation: str = Field("", max_length=200)
    post_ids: list[int] = Field(default_factory=list, max_length=50)
    reported_on: dt.date | None = None


class PartyParticipationIn(In):
    on: dt.date
    description: str = Field(..., max_length=200)
    hours: Decimal = Field(Decimal("0"), ge=0, le=24, decimal_places=1)
    post_id: int | None = Field(None, **ID)


class PartyParticipationOut(Schema):
    id: int
    report_id: int
    on: dt.date
    hours: Decimal
    description: str
    post_id: int | None
    source_ref: str


class PartyParticipationRowOut(Schema):
    report_id: int
    name_masked: str
    community: str
    times: int
    hours: Decimal
    minimum: int
    expected: int
    below: bool


class PartyPartTimeOut(Schema):
    id: int
    committee_id: int
    name: str
    unit_id: int
    unit: str = Field(..., alias="unit.name")
    position: str
    phone_masked: str
    term_start: dt.date
    term_end: dt.date


class PartyPartTimeIn(In):
    joint_committee_id: int = Field(..., **ID)
    name: str = Field(..., max_length=50)
    unit_id: int = Field(..., **ID)
    position: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    term_start: dt.date
    term_end: dt.date


class PartyAttendanceOut(Schema):
    id: int
    name: str
    unit_id: int | None
    member_id: int | None
    present: bool | None
    note: str


class PartyDecisionOut(Schema):
    id: int
    meeting_id: int
    text: str
    owner_name: str
    owner_unit_id: int | None
    working_days: int
    due_at: dt.datetime
    state: str
    done_at: dt.datetime | None
    outcome: str
    version: int
    overdue: bool = False

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue()


class PartyMeetingOut(Schema):
    id: int
    committee_id: int
    title: str
    starts_at: dt.datetime
    place: str
    agenda: str
    minutes: str
    state: str
    open_decisions: int = 0


class PartyMeetingDetailOut(PartyMeetingOut):
    attendance: list[PartyAttendanceOut]
    decisions: list[PartyDecisionOut]


class PartyMeetingIn(In):
    joint_committee_id: int = Field(..., **ID)
    title: str = Field(..., max_length=200)
    starts_at: dt.datetime
    agenda: str = Field(..., max_length=5000)
    place: str = Field("", max_length=200)


class PartyHeldIn(In):
    minutes: str = Field(..., max_length=20000)
    present: list[int] = Field(default_factory=list, description="attendance ids of those who came",
                               max_length=500)
    guests: list[str] = Field(default_factory=list, max_length=100)


class PartyReasonIn(In):
    reason: str = Field(..., max_length=500)


class PartyDecisionIn(In):
    text: str = Field(..., max_length=2000)
    owner_name: str = Field(..., max_length=50)
    owner_unit_id: int | None = Field(None, **ID)
    working_days: int = Field(..., ge=1, le=250)


class PartyDoneIn(In):
    outcome: str = Field(..., max_length=2000)
    version: int | None = Field(None, ge=1, le=2**31)


class PartyDropIn(In):
    reason: str = Field(..., max_length=500)
    version: int | None = Field(None, ge=1, le=2**31)


class PartyExtendIn(In):
    working_days: int = Field(..., ge=1, le=250)
    reason: str = Field(..., max_length=500)


class PartyIncubationOut(Schema):
    id: int
    organisation_id: int
    organisation: str = Field(..., alias="organisation.name")
    social_type: str = Field(..., alias="organisation.social_type")
    registration: str = Field(..., alias="organisation.registration")
    sponsor_id: int | None
    started_on: dt.date
    stage: str
    plan: str
    ended_on: dt.date | None


class PartyIncubationIn(In):
    social_organisation_id: int = Field(..., description="a registry organisation of kind 社会组织", **ID)
    sponsor_id: int | None = Field(None, **ID)
    plan: str = Field("", max_length=5000)
    started_on: dt.date | None = None


class PartyNeedOut(Schema):
    id: int
    region: str = Field(..., alias="region.code")
    title: str
    description: str
    kind: str
    source: str
    people_affected: int | None
    needed_by: dt.date | None
    state: str
    created_at: dt.datetime


class PartyResourceOut(Schema):
    id: int
    region: str = Field(..., alias="region.code")
    title: str
    kind: str
    description: str
    provider: str
    capacity: Decimal | None
    capacity_unit: str
    available_from: dt.date | None
    available_until: dt.date | None
    availability: str
    is_active: bool


class PartyProjectOut(Schema):
    id: int
    region: str = Field(..., alias="region.code")
    title: str
    plan: str
    budget: Decimal
    progress: int
    state: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    completed_at: dt.datetime | None
    need_ids: list[int]
    resource_ids: list[int]

    @staticmethod
    def resolve_need_ids(obj) -> list[int]:
        return [n.pk for n in obj.needs.all()]

    @staticmethod
    def resolve_resource_ids(obj) -> list[int]:
        return [r.pk for r in obj.resources.all()]


class PartyProposalOut(Schema):
    resource: PartyResourceOut
    score: int
    reasons: list[str]


class PartyFigureOut(Schema):
    community: str
    community_name: str
    month: str
    units_reported: int
    members_reported: int
    participations: int
    participation_hours: Decimal
    needs_met: int
    projects_done: int
