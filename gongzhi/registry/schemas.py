"""Shapes of the registry API. Personal values leave only in masked form.

Out-schemas never carry ``id_number`` or ``phone``; the only way to a clear
value is the reveal endpoint, which needs a reason and is audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from gongzhi.core.schemas import In


class ErrorOut(Schema):
    detail: str


class GridRef(Schema):
    code: str
    name: str


# --- persons --------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str
    name_pinyin: str
    gender: str
    birth_date: dt.date | None
    id_type: str
    id_number_masked: str
    phone_masked: str
    residence_type: str
    status: str
    grid: GridRef
    dwelling_id: int | None
    dwelling_address: str
    dwelling_role: str
    external_id: str
    care_tags: list[str]

    @staticmethod
    def resolve_dwelling_address(obj):
        return obj.dwelling.address_text if obj.dwelling_id else ""

    @staticmethod
    def resolve_care_tags(obj):
        # Filled by selectors.with_visible_tags(): only tags the caller may see.
        return [link.tag.code for link in getattr(obj, "visible_tag_links", [])]


class ResidenceOut(Schema):
    dwelling_id: int
    address: str
    role: str
    start_date: dt.date
    end_date: dt.date | None

    @staticmethod
    def resolve_address(obj):
        return obj.dwelling.address_text


class PersonDetailOut(PersonOut):
    note: str
    household_id: int | None
    relation_to_head: str | None
    residences: list[ResidenceOut]

    # Filled in by the API from the person's membership and history.
    @staticmethod
    def resolve_household_id(obj):
        membership = getattr(obj, "membership", None)
        return membership.household_id if membership else None

    @staticmethod
    def resolve_relation_to_head(obj):
        membership = getattr(obj, "membership", None)
        return membership.relation if membership else None

    @staticmethod
    def resolve_residences(obj):
        return getattr(obj, "residence_history", [])


class PersonIn(In):
    name: str = Field(min_length=1, max_length=50)
    grid: str | None = Field(None, description="grid code; default: the dwelling's grid")
    dwelling_id: int | None = None
    dwelling_role: str = ""
    id_type: str = "resident_id"
    id_number: str = ""
    phone: str = ""
    residence_type: str = "registered"
    gender: str = ""
    birth_date: dt.date | None = None
    external_id: str = ""
    note: str = ""
    since: dt.date | None = None


# A PATCH changes the fields it names and leaves the others. ``null`` is accepted only where the field
# may be empty in the database (its annotation admits None); a field that cannot be null is typed
# without None, with a default of None that only means "not sent" (``exclude_unset`` drops it), so an
# explicit null is refused by the schema with 422 instead of reaching a NOT NULL column.


class PersonPatch(In):
    name: str = Field(None, min_length=1, max_length=50)
    id_type: str = None
    id_number: str = None
    phone: str = None
    residence_type: str = None
    status: str = None
    gender: str = None
    birth_date: dt.date | None = None
    external_id: str = None
    note: str = None
    reason: str = ""


class LookupIn(In):
    id_number: str = ""
    phone: str = ""
    include_inactive: bool = False


class MoveIn(In):
    dwelling_id: int | None = Field(None, description="empty: moved out of the area's dwellings")
    role: str = ""
    since: dt.date | None = None
    reason: str = ""


class RevealIn(In):
    field: str = Field(description="id_number or phone")
    reason: str = Field(description="why you need the clear value; recorded in the audit trail")


class RevealOut(Schema):
    field: str
    value: str


class CareTagOut(Schema):
    code: str
    name: str
    sensitivity: str
    visit_interval_days: int | None


class TagIn(In):
    tag: str = Field(description="care tag code")
    since: dt.date | None = None
    note: str = ""


# --- places ---------------------------------------------------------------------


class CompoundOut(Schema):
    id: int
    name: str
    kind: str
    grid: GridRef
    street_address: str
    external_id: str


class CompoundIn(In):
    name: str = Field(min_length=1, max_length=100)
    grid: str
    kind: str = "compound"
    street_address: str = ""
    external_id: str = ""


class BuildingOut(Schema):
    id: int
    compound_id: int | None
    number: str
    name: str
    grid: GridRef
    floors: int | None


class BuildingIn(In):
    number: str = Field(min_length=1, max_length=20)
    compound_id: int | None = None
    grid: str | None = None
    name: str = ""
    floors: int | None = None
    external_id: str = ""


class EntranceIn(In):
    building_id: int
    number: str = Field(min_length=1, max_length=20)


class EntranceOut(Schema):
    id: int
    building_id: int
    number: str


class DwellingOut(Schema):
    id: int
    grid: GridRef
    compound_id: int | None
    building_id: int | None
    entrance_id: int | None
    room: str
    floor: int | None
    street_address: str
    address: str
    floor_area: Decimal | None
    exclusive_area: Decimal | None
    use: str
    external_id: str

    @staticmethod
    def resolve_address(obj):
        return obj.address_text


class DwellingIn(In):
    grid: str | None = None
    compound_id: int | None = None
    building_id: int | None = None
    entrance_id: int | None = None
    room: str = ""
    floor: int | None = None
    street_address: str = ""
    floor_area: Decimal | None = Field(None, ge=0, max_digits=9, decimal_places=2)
    exclusive_area: Decimal | None = Field(None, ge=0, max_digits=9, decimal_places=2)
    use: str = "owner_occupied"
    external_id: str = ""
    note: str = ""


class DwellingPatch(In):  # null only where the column may be empty: see PersonPatch
    room: str = None
    floor: int | None = None
    street_address: str = None
    floor_area: Decimal | None = Field(None, ge=0, max_digits=9, decimal_places=2)
    exclusive_area: Decimal | None = Field(None, ge=0, max_digits=9, decimal_places=2)
    use: str = None
    external_id: str = None
    note: str = None
    reason: str = ""


# --- households and organisations ------------------------------------------------


class MemberOut(Schema):
    person_id: int
    name: str
    relation: str

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


class HouseholdOut(Schema):
    id: int
    external_id: str
    grid: GridRef
    dwelling_id: int | None
    head_id: int | None
    head_name: str

    @staticmethod
    def resolve_head_name(obj):
        return obj.head.name if obj.head_id else ""


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.select_related("person"))


class MemberIn(In):
    person_id: int
    relation: str


class HouseholdIn(In):
    head_id: int
    dwelling_id: int | None = None
    external_id: str = ""
    members: list[MemberIn] = []
    note: str = ""


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    credit_code: str
    legal_representative: str
    contact_name: str
    contact_phone_masked: str
    address: str
    longitude: float | None
    latitude: float | None
    grid: GridRef
    external_id: str
    social_type: str
    registration: str
    registered_on: dt.date | None


class OrganisationIn(In):
    name: str = Field(min_length=1, max_length=200)
    kind: str
    grid: str
    credit_code: str = ""
    legal_representative: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    longitude: float | None = None
    latitude: float | None = None
    external_id: str = ""
    social_type: str = ""
    registration: str = ""
    registered_on: dt.date | None = None
    note: str = ""


# --- visits and patrols ----------------------------------------------------------


class VisitIn(In):
    household_id: int | None = None
    dwelling_id: int | None = None
    person_ids: list[int] | None = None
    visited_at: dt.datetime | None = None
    longitude: float | None = None
    latitude: float | None = None
    notes: str = ""
    follow_up_needed: bool = False
    follow_up_note: str = ""


class VisitOut(Schema):
    id: int
    grid: GridRef
    household_id: int | None
    dwelling_id: int | None
    visitor: str
    visited_at: dt.datetime
    longitude: float | None
    latitude: float | None
    notes: str
    follow_up_needed: bool
    follow_up_note: str

    @staticmethod
    def resolve_visitor(obj):
        return str(obj.visitor)


class ProblemIn(In):
    description: str = Field(min_length=1)
    category: str = ""
    found_at: dt.datetime | None = None
    longitude: float | None = None
    latitude: float | None = None
    resolved_on_the_spot: bool = False


class ProblemOut(Schema):
    id: int
    description: str
    category: str
    found_at: dt.datetime
    longitude: float | None
    latitude: float | None
    resolved_on_the_spot: bool


class PatrolIn(In):
    grid: str
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    route: list[list[float | str | None]] = []
    notes: str = ""
    problems: list[ProblemIn] = []


class PatrolFinishIn(In):
    ended_at: dt.datetime | None = None
    route: list[list[float | str | None]] | None = None
    notes: str | None = None


class PatrolOut(Schema):
    id: int
    grid: GridRef
    patroller: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    route: list
    notes: str
    problems: list[ProblemOut]

    @staticmethod
    def resolve_patroller(obj):
        return str(obj.patroller)

    @staticmethod
    def resolve_problems(obj):
        return list(obj.problems.all())


class OverdueOut(Schema):
    person: PersonOut
    tag: str
    last_visit: dt.datetime | None
    due_date: dt.date
    working_days_overdue: int

    @staticmethod
    def resolve_tag(obj):
        return obj.tag.code


class CoverageOut(Schema):
    grid: GridRef
    households: int
    visited: int
    share: float


# --- import and export ------------------------------------------------------------


class RowErrorOut(Schema):
    sheet: str
    row: int
    column: str
    message: str
    text: str


class ImportReportOut(Schema):
    ok: bool
    dry_run: bool
    errors: list[RowErrorOut]
    errors_truncated: bool
    error_count: int = Field(description="every problem found; ``errors`` lists the first 500")
    counts: dict[str, dict[str, int]]

    @classmethod
    def from_report(cls, report) -> ImportReportOut:
        return cls(ok=report.ok, dry_run=report.dry_run, errors_truncated=report.truncated,
                   error_count=report.error_count, counts=report.counts(),
                   errors=[RowErrorOut(sheet=e.sheet, row=e.row, column=e.column, message=e.message, text=str(e))
                           for e in report.errors])


class ExportIn(In):
    reason: str = Field(description="why clear ID and phone numbers are needed; recorded in the audit trail")
    q: str = ""
    grid: str = ""
    tag: str = ""
