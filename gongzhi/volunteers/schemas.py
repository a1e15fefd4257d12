"""The shapes of /api/v1/volunteers/: phone and ID numbers leave only masked (``reveal`` gives one)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from gongzhi.core.schemas import In

from .ledger import format_amount


class VolErrorOut(Schema):
    detail: str


class VolunteerOut(Schema):
    id: int
    name: str
    region: str = Field(..., alias="region.code")
    region_name: str = Field(..., alias="region.name")
    phone_masked: str
    id_number_masked: str
    skills: str
    status: str
    person_id: int | None
    verified_at: dt.datetime | None
    created_at: dt.datetime


class VolBalancesOut(Schema):
    hours: str
    points: int
    hours_minutes: int


class VolMeOut(Schema):
    volunteer: VolunteerOut | None
    balances: VolBalancesOut | None


class VolApplyIn(In):
    region: str = Field(..., description="the community (or grid) code", max_length=20)
    name: str = Field(..., max_length=50)
    phone: str = Field(..., max_length=30)
    id_number: str = Field(..., max_length=30)
    skills: str = Field("", max_length=200)


class VolVerifyIn(In):
    person_id: int | None = Field(None, ge=1, le=2**63 - 1)


class VolStatusIn(In):
    action: str = Field(..., description="reject, suspend or reinstate", max_length=20)
    reason: str = Field("", max_length=200)


class VolRevealIn(In):
    field: str = Field(..., description="phone or id_number", max_length=20)
    reason: str = Field(..., max_length=1000)


class VolRevealOut(Schema):
    field: str
    value: str


class VolAwardIn(In):
    points: int = Field(..., ge=1, le=10**9)
    reason: str = Field(..., max_length=200)
    key: str = Field("", max_length=64)


class VolSpendIn(In):
    currency: str = Field(..., description="hours or points", max_length=10)
    amount: int = Field(..., description="minutes for hours, points for points", ge=1, le=10**9)
    key: str = Field(..., description="the client's idempotency key: the same key again spends nothing",
                     max_length=64)
    memo: str = Field("", max_length=200)


class VolRedeemIn(In):
    reward_id: int = Field(..., ge=1, le=2**63 - 1)
    key: str = Field(..., max_length=64)


class VolGiftIn(In):
    receiver_id: int = Field(..., ge=1, le=2**63 - 1)
    currency: str = Field("hours", max_length=10)
    amount: int = Field(..., ge=1, le=10**9)
    key: str = Field(..., max_length=64)
    memo: str = Field("", max_length=200)


class VolTransferOut(Schema):
    id: int
    kind: str
    currency: str
    amount: int
    memo: str
    created_at: dt.datetime
    replayed: bool = False


class VolLineOut(Schema):
    transfer_id: int
    kind: str = Field(..., alias="transfer.kind")
    currency: str = Field(..., alias="account.currency")
    amount: int
    memo: str = Field(..., alias="transfer.memo")
    at: dt.datetime = Field(..., alias="transfer.created_at")


class VolTeamOut(Schema):
    id: int
    name: str
    description: str
    region: str = Field(..., alias="region.code")
    active: bool
    member_count: int = 0


class VolTeamIn(In):
    region: str = Field(..., max_length=20)
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)


class VolMemberIn(In):
    volunteer_id: int = Field(..., ge=1, le=2**63 - 1)
    role: str = Field("member", max_length=10)


class VolMemberOut(Schema):
    volunteer_id: int
    name: str
    role: str


class VolTeamDetailOut(VolTeamOut):
    roster: list[VolMemberOut]


class VolActivityOut(Schema):
    id: int
    title: str
    description: str
    region: str = Field(..., alias="region.code")
    region_name: str = Field(..., alias="region.name")
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots: int
    taken: int = 0
    waiting: int = 0
    skills: str
    hours_cap_minutes: int
    points: int
    state: str
    team_id: int | None
    need_id: int | None = None
    project_id: int | None = None
    service_post_id: int | None = None


class VolActivityIn(In):
    region: str = Field(..., max_length=20)
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=5000)
    place: str = Field(..., max_length=200)
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots: int = Field(..., ge=1, le=10000)
    skills: str = Field("", max_length=200)
    hours_cap_minutes: int | None = Field(None, ge=1, le=10080)
    points: int = Field(0, ge=0, le=10000)
    team_id: int | None = Field(None, ge=1, le=2**63 - 1)
    need_id: int | None = Field(None, description="the need of the party's needs list it serves", ge=1,
                                le=2**63 - 1)
    project_id: int | None = Field(None, description="the project of the party's projects list it serves", ge=1,
                                   le=2**63 - 1)
    service_post_id: int | None = Field(None, description="the 双报到 service post it fills", ge=1, le=2**63 - 1)
    publish: bool = False


class VolActivityStateIn(In):
    action: str = Field(..., description="publish, cancel or finish", max_length=10)
    reason: str = Field("", max_length=200)


class VolSignUpOut(Schema):
    id: int
    activity_id: int
    volunteer_id: int
    volunteer_name: str = Field(..., alias="volunteer.name")
    state: str
    signed_up_at: dt.datetime
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    credited_minutes: int


class VolSignUpIn(In):
    volunteer_id: int | None = Field(None, description="staff: sign up this volunteer; else oneself",
                                     ge=1, le=2**63 - 1)


class VolCorrectIn(In):
    minutes: int = Field(..., ge=0, le=10080)
    reason: str = Field(..., max_length=200)


class VolCodeOut(Schema):
    direction: str
    token: str
    url: str
    expires_in: int


class VolScanIn(In):
    token: str = Field(..., max_length=300)


class VolScanOut(Schema):
    signup: VolSignUpOut
    direction: str
    changed: bool
    message: str


class VolRewardOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    currency: str
    price: int
    stock: int | None
    active: bool
    region: str = Field(..., alias="region.code")


class VolRewardIn(In):
    region: str = Field(..., max_length=20)
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    kind: str = Field("goods", max_length=10)
    currency: str = Field(..., max_length=10)
    price: int = Field(..., ge=1, le=10**9)
    stock: int | None = Field(None, ge=0, le=10**9)


class VolStatementLineOut(Schema):
    at: dt.datetime
    kind: str
    memo: str
    amount: int
    balance: int


class VolStatementOut(Schema):
    year: int
    opening: dict[str, int]
    closing: dict[str, int]
    hours: list[VolStatementLineOut]
    points: list[VolStatementLineOut]
    activities: int


class VolFigureOut(Schema):
    community: str
    community_name: str
    month: dt.date
    hours_earned_minutes: int
    points_earned: int
    hours_spent_minutes: int
    points_spent: int
    activities: int
    attendances: int


def balances_out(values: dict) -> VolBalancesOut:
    return VolBalancesOut(hours=format_amount("hours", values["hours"]), hours_minutes=values["hours"],
                       points=values["points"])
