"""Shapes of the cases API: what comes in (lenient types, the services validate the
meaning and name the field) and what goes out."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from gongzhi.core.schemas import MAX_PAGE, MAX_PAGE_SIZE, In


# --- input ---------------------------------------------------------------------

class CaseIn(In):
    category: str = Field(..., max_length=16, description="Category code, e.g. 0201")
    title: str = Field(..., max_length=1000)
    description: str = Field(..., max_length=20000)
    channel: str = Field("api", max_length=20)
    urgency: str = Field("normal", max_length=10)
    lon: float | None = None
    lat: float | None = None
    crs: str = Field("wgs84", max_length=20, description="wgs84, cgcs2000, gcj02 or bd09")
    region: str | None = Field(None, max_length=15, description="Region code, when there is no point")
    address: str = Field("", max_length=1000)
    is_anonymous: bool = False
    hotline_id: str | None = Field(None, max_length=200)


class Versioned(In):
    version: int | None = Field(None, ge=1, le=2**31 - 1,
                                description="The version you saw; a 409 answers if the case has changed since")


class ReasonIn(Versioned):
    reason: str = Field("", max_length=5000)


class DispatchIn(Versioned):
    unit: str | None = Field(None, max_length=32, description="Lead unit code; empty to follow the routing rules")
    assisting_units: list[str] = Field(default_factory=list, max_length=50)
    reason: str = Field("", max_length=5000)


class DecideIn(DispatchIn):
    unit: str = Field(..., max_length=32)


class WhistleIn(Versioned):
    units: list[str] = Field(..., max_length=50)
    report_by: datetime | None = None
    report_within_hours: float | None = None
    note: str = Field("", max_length=5000)


class NoteIn(Versioned):
    note: str = Field("", max_length=5000)


class MessageIn(Versioned):
    message: str = Field("", max_length=5000, description="What the unit is told")


class AcknowledgeInstructionIn(Versioned):
    note: str = Field("", max_length=5000)
    instruction: int | None = Field(None, ge=1, le=2**31 - 1,
                                    description="Which instruction; default: the earliest pending one of your unit")


class VerificationRequestIn(Versioned):
    note: str = Field("", max_length=5000, description="What the grid worker should check")
    within_hours: float | None = Field(None, description="Working hours to verify within (default 8)")


class VerifyIn(Versioned):
    finding: str = Field(..., max_length=16, description="confirmed / not_found (before dispatch), "
                                                         "fixed / not_fixed (after the reply)")
    note: str = Field("", max_length=5000)
    lon: float | None = Field(None, description="WGS-84 longitude where the finding was made")
    lat: float | None = Field(None, description="WGS-84 latitude")


class ExtensionIn(Versioned):
    days: int = Field(..., ge=-(2**31), le=2**31)
    reason: str = Field("", max_length=5000)


class ReplyIn(Versioned):
    content: str = Field(..., max_length=20000)


class AnswerIn(Versioned):
    answer: str = Field(..., max_length=20000)


class CallbackIn(Versioned):
    solved: bool
    satisfaction: str = Field(..., max_length=30)
    comment: str = Field("", max_length=5000)


class MergeIn(Versioned):
    parent: int = Field(..., ge=1, le=2**63 - 1)
    reason: str = Field("", max_length=5000)


class CaseFilterIn(In):
    state: str | None = Field(None, max_length=200, description="One state or several, comma-separated")
    category: str | None = Field(None, max_length=16, description="Category code; its subtree is included")
    region: str | None = Field(None, max_length=15, description="Region code; its subtree is included")
    unit: str | None = Field(None, max_length=32, description="Lead unit code")
    created_from: date | None = Field(None, ge=date(1949, 10, 1), le=date(2199, 12, 31))
    created_to: date | None = Field(None, ge=date(1949, 10, 1), le=date(2199, 12, 31))
    overdue: bool | None = None
    q: str | None = Field(None, max_length=200, description="Words to find in title, description, address; or a work-order number, the hotline's number or #id, which finds that case alone")
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


# --- output --------------------------------------------------------------------

class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None
    is_consultation: bool
    default_unit_kind: str
    response_hours_urgent: int
    response_hours_normal: int
    resolution_days_urgent: int
    resolution_days_normal: int


class CaseOut(Schema):
    id: int
    number: str = Field(description="Work-order number (受理编号) read out on the phone: intake date and sequence")
    hotline_id: str | None = Field(None, description="The 12345 hotline's own work-order number (工单编号), if any")
    title: str
    state: str
    state_label: str
    channel: str
    category: str
    category_name: str
    urgency: str
    region_code: str
    grid: str | None
    address: str
    lead_unit: str | None
    lead_unit_name: str | None
    created_at: datetime
    response_due: datetime | None
    resolution_due: datetime | None
    overdue: bool
    version: int


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


class EventOut(Schema):
    id: int
    at: datetime
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor: str
    unit: str | None
    reason: str
    payload: dict


class AttachmentOut(Schema):
    id: int
    purpose: str
    content_type: str
    size: int
    width: int
    height: int
    location_shared: bool
    created_at: datetime
    url: str


class WhistleResponseOut(Schema):
    unit: str
    unit_name: str
    reported_at: datetime | None
    late: bool
    note: str


class WhistleOut(Schema):
    id: int
    report_by: datetime
    note: str
    created_at: datetime
    responses: list[WhistleResponseOut]


class ExtensionOut(Schema):
    id: int
    days: int
    reason: str
    state: str
    requested_at: datetime
    decided_at: datetime | None
    decision_reason: str
    old_due: datetime | None
    new_due: datetime | None


class VerificationOut(Schema):
    id: int
    kind: str
    grid: str
    requested_at: datetime
    due_at: datetime | None
    request_note: str
    finding: str
    note: str
    found_at: datetime | None
    lon: float | None
    lat: float | None
    photo: int | None


class CallbackOut(Schema):
    id: int
    solved: bool
    satisfaction: str
    comment: str
    by_resident: bool
    at: datetime


class MaskedContactOut(Schema):
    name: str = Field(description="The caller's name, surname only")
    phone: str = Field(description="The caller's phone, masked (138****5678)")
    may_reveal: bool = Field(description="Whether you may ask for it in clear (POST .../contact/reveal)")


class CaseLinksOut(Schema):
    self: str = Field(description="The case with its timeline, photos and the actions you may do now (GET)")
    attachments: str = Field(description="Where to attach a photo (POST)")


class CaseBodyOut(CaseOut):
    """A case with what it says and where: the part of the detail that intake can answer too."""

    description: str
    lon: float | None
    lat: float | None
    crs: str
    input_lon: float | None
    input_lat: float | None
    reporter: str | None
    is_anonymous: bool


class CaseCreatedOut(CaseBodyOut):
    """What intake answers: the case as it was just stored, without reading it again."""

    links: CaseLinksOut


class CaseDetailOut(CaseBodyOut):
    contact: MaskedContactOut | None = Field(None, description="How to reach a caller without an account, masked")
    assisting_units: list[str]
    is_binding: bool
    return_count: int
    reopen_count: int
    parent: int | None
    reply: str
    dispatched_at: datetime | None
    acknowledged_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    actions: list[str] = Field(description="The actions you may do now")
    timeline: list[EventOut]
    attachments: list[AttachmentOut]
    whistles: list[WhistleOut]
    extensions: list[ExtensionOut]
    callbacks: list[CallbackOut]
    verifications: list[VerificationOut] = Field(default_factory=list, description="On-site verifications (核实)")
    supervisions: list[SupervisionOut] = Field(default_factory=list,
                                               description="Urgings, yellow and red cards, leaders' instructions")
    dispatch_due: datetime | None = Field(None, description="Dispatch deadline while the case awaits dispatch")
    callback_due: datetime | None = Field(None, description="Callback deadline while the reply awaits the verdict")


class SupervisionOut(Schema):
    id: int
    kind: str
    kind_label: str
    unit: str
    unit_name: str
    message: str
    rule: str = Field(description="The rule that gave the card; empty when given by hand")
    due: datetime | None
    given_by: str | None
    given_at: datetime
    acknowledged_at: datetime | None
    acknowledgement: str


class RoutingOut(Schema):
    unit: str | None
    unit_name: str | None
    source: str
    rule: int | None
    explanation: str
    considered: list[dict]


class ErrorOut(Schema):
    detail: str
    code: str | None = None
    errors: dict | None = None
