"""/api/v1/registry/: base data, scoped to the caller's area, personal data masked.

Thin: parse, call a selector or service with the actor, render. An object
outside the caller's area answers 404 like one that does not exist. ID numbers
and phone numbers only leave masked; ``POST /persons/{id}/reveal`` returns one
clear value to roles allowed to reveal, with a reason, and is audited.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from gongzhi.accounts.roles import require
from gongzhi.accounts.actors import actor_of
from gongzhi.core import exports
from gongzhi.core.schemas import Pages
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Level, Region

from . import exporting, importing, selectors, services, spreadsheets
from .models import CareTag, Entrance, Household, HouseholdMember, Person
from .schemas import (
    BuildingIn,
    BuildingOut,
    CareTagOut,
    CompoundIn,
    CompoundOut,
    CoverageOut,
    DwellingIn,
    DwellingOut,
    DwellingPatch,
    EntranceIn,
    EntranceOut,
    ErrorOut,
    ExportIn,
    HouseholdDetailOut,
    HouseholdIn,
    HouseholdOut,
    ImportReportOut,
    LookupIn,
    MemberIn,
    MoveIn,
    OrganisationIn,
    OrganisationOut,
    OverdueOut,
    PatrolFinishIn,
    PatrolIn,
    PatrolOut,
    PersonDetailOut,
    PersonIn,
    PersonOut,
    PersonPatch,
    ProblemIn,
    ProblemOut,
    RevealIn,
    RevealOut,
    TagIn,
    VisitIn,
    VisitOut,
)

router = Router(tags=["registry"])


def _get(queryset: QuerySet, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise HttpError(404, _("There is no such %(what)s in your area.") % {"what": queryset.model._meta.verbose_name})
    return obj


def _optional(queryset: QuerySet, pk):
    return None if pk is None else _get(queryset, pk)


def _grid(request, code: str | None) -> Region | None:
    if not code:
        return None
    grid = scope_queryset(Region.objects.filter(level=Level.GRID), actor_of(request)).filter(code=code).first()
    if grid is None:
        raise HttpError(404, _("There is no grid %(code)s in your area.") % {"code": code})
    return grid


def _tag(code: str | None) -> CareTag | None:
    if not code:
        return None
    tag = CareTag.objects.filter(code=code).first()
    if tag is None:
        raise HttpError(404, _("There is no care tag %(code)s.") % {"code": code})
    return tag


def _persons(request):
    return selectors.persons(actor_of(request), include_inactive=True)


# --- persons --------------------------------------------------------------------


def _refuse_personal_in_url(*values: str) -> None:
    if any(selectors.looks_personal(v) for v in values):
        raise HttpError(422, _("Send ID numbers and phone numbers with POST /persons/lookup, not in the address "
                               "(addresses end up in server logs)."))


@router.get("/persons", response=list[PersonOut], summary="Search persons in your area")
@paginate(Pages, page_size=50)
def list_persons(request, q: str = "", name: str = "", address: str = "", grid: str = "", tag: str = "",
                 include_inactive: bool = False):
    """``q`` takes pinyin or initials (``zs``), a name, or words of an address. Exact search by ID number
    or phone number is ``POST /persons/lookup``: such values are refused here, in the URL."""
    _refuse_personal_in_url(q, name, address)
    actor = actor_of(request)
    queryset = selectors.search_persons(actor, q=q, name=name, address=address, grid=_grid(request, grid),
                                        tag=_tag(tag), include_inactive=include_inactive)
    return selectors.with_visible_tags(actor, queryset)


@router.post("/persons/lookup", response=list[PersonOut], summary="Find persons by exact ID number or phone")
def lookup_persons(request, payload: LookupIn):
    """Exact match through the blind index; in the request body so that the value stays out of logs."""
    if not (payload.id_number.strip() or payload.phone.strip()):
        raise HttpError(422, _("Give an ID number or a phone number."))
    actor = actor_of(request)
    queryset = selectors.search_persons(actor, id_number=payload.id_number, phone=payload.phone,
                                        include_inactive=payload.include_inactive)
    return list(selectors.with_visible_tags(actor, queryset)[:100])


def _person_detail(request, person: Person) -> Person:
    """The person reloaded with what PersonDetailOut shows (visible tags, household, history)."""
    actor = actor_of(request)
    person = selectors.with_visible_tags(actor, Person.objects.filter(pk=person.pk).select_related(
        "grid", "dwelling")).get()
    person.membership = HouseholdMember.objects.filter(person=person).first()
    person.residence_history = list(selectors.residences_of(actor, person))
    return person


@router.post("/persons", response={201: PersonDetailOut, 404: ErrorOut}, summary="Register a person")
def create_person(request, payload: PersonIn):
    values = payload.dict()
    dwelling = _optional(selectors.dwellings(actor_of(request)), values.pop("dwelling_id"))
    grid = _grid(request, values.pop("grid"))
    person = services.create_person(actor=actor_of(request), grid=grid, dwelling=dwelling, **values)
    return Status(201, _person_detail(request, person))


@router.get("/persons/{person_id}", response={200: PersonDetailOut, 404: ErrorOut}, summary="One person")
def get_person(request, person_id: int):
    return _person_detail(request, _get(_persons(request), person_id))


@router.patch("/persons/{person_id}", response={200: PersonDetailOut, 404: ErrorOut}, summary="Change a person")
def update_person(request, person_id: int, payload: PersonPatch):
    person = _get(_persons(request), person_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    services.update_person(actor=actor_of(request), person=person, reason=reason, **changes)
    return _person_detail(request, person)


@router.post("/persons/{person_id}/move", response={200: PersonDetailOut, 404: ErrorOut},
             summary="A person moved (closes the current residence, opens a new one)")
def move_person(request, person_id: int, payload: MoveIn):
    person = _get(_persons(request), person_id)
    dwelling = _optional(selectors.dwellings(actor_of(request)), payload.dwelling_id)
    services.move_person(actor=actor_of(request), person=person, dwelling=dwelling, role=payload.role,
                         since=payload.since, reason=payload.reason)
    return _person_detail(request, person)


@router.post("/persons/{person_id}/reveal", response={200: RevealOut, 404: ErrorOut, 429: ErrorOut},
             summary="Reveal one ID number or phone number (needs a reason; audited; 429 over the reveal limits)")
def reveal(request, person_id: int, payload: RevealIn):
    person = _get(_persons(request), person_id)
    value = services.reveal_personal_field(actor=actor_of(request), person=person, field=payload.field,
                                           reason=payload.reason)
    return RevealOut(field=payload.field, value=value)


@router.post("/persons/{person_id}/care-tags", response={201: PersonDetailOut, 404: ErrorOut},
             summary="Give a person a care tag")
def tag_person(request, person_id: int, payload: TagIn):
    person = _get(_persons(request), person_id)
    services.tag_person(actor=actor_of(request), person=person, tag=_tag(payload.tag), since=payload.since,
                        note=payload.note)
    return Status(201, _person_detail(request, person))


@router.delete("/persons/{person_id}/care-tags/{code}", response={204: None, 404: ErrorOut},
               summary="Remove a care tag from a person")
def untag_person(request, person_id: int, code: str, reason: str = ""):
    person = _get(_persons(request), person_id)
    services.untag_person(actor=actor_of(request), person=person, tag=_tag(code), reason=reason)
    return Status(204, None)


@router.get("/care-tags", response=list[CareTagOut], summary="Care tags you may see")
def list_care_tags(request):
    return list(selectors.visible_care_tags(actor_of(request)))


# --- places ---------------------------------------------------------------------


@router.get("/compounds", response=list[CompoundOut], summary="Compounds and courtyards in your area")
@paginate(Pages, page_size=50)
def list_compounds(request, q: str = "", grid: str = ""):
    queryset = selectors.compounds(actor_of(request))
    if q:
        queryset = queryset.filter(name__icontains=q)
    if grid:
        queryset = queryset.filter(grid=_grid(request, grid))
    return queryset


@router.post("/compounds", response={201: CompoundOut, 404: ErrorOut}, summary="Register a compound")
def create_compound(request, payload: CompoundIn):
    values = payload.dict()
    grid = _grid(request, values.pop("grid"))
    return Status(201, services.create_compound(actor=actor_of(request), grid=grid, **values))


@router.get("/buildings", response=list[BuildingOut], summary="Buildings in your area")
@paginate(Pages, page_size=50)
def list_buildings(request, compound_id: int | None = None):
    queryset = selectors.buildings(actor_of(request))
    return queryset.filter(compound_id=compound_id) if compound_id else queryset


@router.post("/buildings", response={201: BuildingOut, 404: ErrorOut}, summary="Register a building")
def create_building(request, payload: BuildingIn):
    values = payload.dict()
    compound = _optional(selectors.compounds(actor_of(request)), values.pop("compound_id"))
    grid = _grid(request, values.pop("grid"))
    return Status(201, services.create_building(actor=actor_of(request), compound=compound, grid=grid, **values))


@router.post("/entrances", response={201: EntranceOut, 404: ErrorOut}, summary="Register an entrance (单元)")
def create_entrance(request, payload: EntranceIn):
    building = _get(selectors.buildings(actor_of(request)), payload.building_id)
    return Status(201, services.create_entrance(actor=actor_of(request), building=building, number=payload.number))


@router.get("/dwellings", response=list[DwellingOut], summary="Search dwellings by address")
@paginate(Pages, page_size=50)
def list_dwellings(request, q: str = "", grid: str = "", compound_id: int | None = None, use: str = ""):
    actor = actor_of(request)
    compound = _optional(selectors.compounds(actor), compound_id)
    return selectors.search_dwellings(actor, q=q, grid=_grid(request, grid), compound=compound, use=use)


@router.post("/dwellings", response={201: DwellingOut, 404: ErrorOut}, summary="Register a dwelling")
def create_dwelling(request, payload: DwellingIn):
    actor = actor_of(request)
    values = payload.dict()
    parts = {
        "grid": _grid(request, values.pop("grid")),
        "compound": _optional(selectors.compounds(actor), values.pop("compound_id")),
        "building": _optional(selectors.buildings(actor), values.pop("building_id")),
        "entrance": _optional(scope_queryset(Entrance.objects.all(), actor), values.pop("entrance_id")),
    }
    return Status(201, services.create_dwelling(actor=actor, **parts, **values))


@router.get("/dwellings/{dwelling_id}", response={200: DwellingOut, 404: ErrorOut}, summary="One dwelling")
def get_dwelling(request, dwelling_id: int):
    return _get(selectors.dwellings(actor_of(request)), dwelling_id)


@router.patch("/dwellings/{dwelling_id}", response={200: DwellingOut, 404: ErrorOut}, summary="Change a dwelling")
def update_dwelling(request, dwelling_id: int, payload: DwellingPatch):
    dwelling = _get(selectors.dwellings(actor_of(request)), dwelling_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    return services.update_dwelling(actor=actor_of(request), dwelling=dwelling, reason=reason, **changes)


@router.get("/dwellings/{dwelling_id}/residents", response={200: list[PersonOut], 404: ErrorOut},
            summary="Who lives in a dwelling now")
def dwelling_residents(request, dwelling_id: int):
    actor = actor_of(request)
    dwelling = _get(selectors.dwellings(actor), dwelling_id)
    return list(selectors.with_visible_tags(actor, selectors.persons(actor).filter(dwelling=dwelling)))


# --- households and organisations ------------------------------------------------


@router.get("/households", response=list[HouseholdOut], summary="Households in your area")
@paginate(Pages, page_size=50)
def list_households(request, grid: str = "", dwelling_id: int | None = None):
    queryset = selectors.households(actor_of(request))
    if grid:
        queryset = queryset.filter(grid=_grid(request, grid))
    if dwelling_id:
        queryset = queryset.filter(dwelling_id=dwelling_id)
    return queryset


@router.post("/households", response={201: HouseholdDetailOut, 404: ErrorOut}, summary="Register a household")
def create_household(request, payload: HouseholdIn):
    actor = actor_of(request)
    people = _persons(request)
    household = services.create_household(
        actor=actor, head=_get(people, payload.head_id),
        dwelling=_optional(selectors.dwellings(actor), payload.dwelling_id), external_id=payload.external_id,
        members=[(_get(people, m.person_id), m.relation) for m in payload.members], note=payload.note)
    return Status(201, household)


@router.get("/households/{household_id}", response={200: HouseholdDetailOut, 404: ErrorOut},
            summary="One household with its members")
def get_household(request, household_id: int):
    return _get(selectors.households(actor_of(request)), household_id)


@router.post("/households/{household_id}/members", response={201: HouseholdDetailOut, 404: ErrorOut},
             summary="Add a member to a household")
def add_member(request, household_id: int, payload: MemberIn):
    household = _get(selectors.households(actor_of(request)), household_id)
    services.add_household_member(actor=actor_of(request), household=household,
                                  person=_get(_persons(request), payload.person_id), relation=payload.relation)
    return Status(201, Household.objects.get(pk=household.pk))


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations in your area")
@paginate(Pages, page_size=50)
def list_organisations(request, q: str = "", kind: str = ""):
    return selectors.organisations(actor_of(request), q=q, kind=kind)


@router.post("/organisations", response={201: OrganisationOut, 404: ErrorOut}, summary="Register an organisation")
def create_organisation(request, payload: OrganisationIn):
    values = payload.dict()
    grid = _grid(request, values.pop("grid"))
    return Status(201, services.create_organisation(actor=actor_of(request), grid=grid, **values))


# --- visits, patrols, rules ------------------------------------------------------


@router.get("/visits", response=list[VisitOut], summary="Household visits in your area")
@paginate(Pages, page_size=50)
def list_visits(request, grid: str = ""):
    return selectors.visits(actor_of(request), grid=_grid(request, grid))


@router.post("/visits", response={201: VisitOut, 404: ErrorOut}, summary="Record a household visit")
def record_visit(request, payload: VisitIn):
    actor = actor_of(request)
    persons = None
    if payload.person_ids is not None:
        persons = [_get(_persons(request), pk) for pk in payload.person_ids]
    visit = services.record_visit(
        actor=actor, household=_optional(selectors.households(actor), payload.household_id),
        dwelling=_optional(selectors.dwellings(actor), payload.dwelling_id), persons=persons,
        visited_at=payload.visited_at, longitude=payload.longitude, latitude=payload.latitude, notes=payload.notes,
        follow_up_needed=payload.follow_up_needed, follow_up_note=payload.follow_up_note)
    return Status(201, visit)


@router.get("/patrols", response=list[PatrolOut], summary="Patrols in your area")
@paginate(Pages, page_size=50)
def list_patrols(request, grid: str = ""):
    return selectors.patrols(actor_of(request), grid=_grid(request, grid))


@router.post("/patrols", response={201: PatrolOut, 404: ErrorOut}, summary="Record a patrol")
def record_patrol(request, payload: PatrolIn):
    patrol = services.record_patrol(
        actor=actor_of(request), grid=_grid(request, payload.grid), started_at=payload.started_at,
        ended_at=payload.ended_at, route=payload.route, notes=payload.notes,
        problems=[p.dict() for p in payload.problems])
    return Status(201, patrol)


@router.post("/patrols/{patrol_id}/finish", response={200: PatrolOut, 404: ErrorOut}, summary="End a patrol")
def finish_patrol(request, patrol_id: int, payload: PatrolFinishIn):
    patrol = _get(selectors.patrols(actor_of(request)), patrol_id)
    return services.finish_patrol(actor=actor_of(request), patrol=patrol, ended_at=payload.ended_at,
                                  route=payload.route, notes=payload.notes)


@router.post("/patrols/{patrol_id}/problems", response={201: ProblemOut, 404: ErrorOut},
             summary="Report a problem found on a patrol")
def report_problem(request, patrol_id: int, payload: ProblemIn):
    patrol = _get(selectors.patrols(actor_of(request)), patrol_id)
    return Status(201, services.report_patrol_problem(actor=actor_of(request), patrol=patrol, **payload.dict()))


@router.get("/overdue-visits", response=list[OverdueOut], summary="Visits now overdue under the care-tag rules")
@paginate(Pages, page_size=50)
def overdue_visits(request, grid: str = ""):
    return selectors.overdue_visits(actor_of(request), grid=_grid(request, grid))


@router.get("/coverage", response=list[CoverageOut], summary="Share of households visited per grid")
def coverage(request, days: int = Query(30, ge=1, le=366)):
    return selectors.coverage(actor_of(request), days=days)


# --- import and export ------------------------------------------------------------

MAX_IMPORT_BYTES = 50 * 1024 * 1024
TEMPLATES = {
    "registry.xlsx": spreadsheets.template_workbook,
    "dwellings.csv": lambda: spreadsheets.template_csv("dwellings"),
    "persons.csv": lambda: spreadsheets.template_csv("persons"),
    "households.csv": lambda: spreadsheets.template_csv("households"),
    "organisations.csv": lambda: spreadsheets.template_csv("organisations"),
}


@router.get("/import-templates/{name}", response={404: ErrorOut},
            summary="Download an import template (registry.xlsx, dwellings.csv, persons.csv, households.csv, "
                    "organisations.csv)")
def import_template(request, name: str):
    require(actor_of(request), "registry.view")
    if name not in TEMPLATES:
        raise HttpError(404, _("There is no template %(name)s.") % {"name": name})
    return exports.attachment(TEMPLATES[name](), name, private=False)


@router.post("/imports", response={200: ImportReportOut, 422: ImportReportOut},
             summary="Import an XLSX workbook or CSV file (all or nothing; dry_run only checks)")
def run_import(request, file: File[UploadedFile], dry_run: Form[bool] = False, kind: Form[str] = ""):
    if file.size > MAX_IMPORT_BYTES:
        raise HttpError(413, _("The file is larger than 50 MB."))
    report = importing.import_registry(actor=actor_of(request), data=file.read(), filename=file.name or "upload",
                                       dry_run=dry_run, kind=kind or None)
    return Status(200 if report.ok else 422, ImportReportOut.from_report(report))


@router.get("/exports/persons.xlsx", summary="Export persons of your area to XLSX (masked)")
def export_persons(request, q: str = "", grid: str = "", tag: str = ""):
    _refuse_personal_in_url(q)
    actor = actor_of(request)
    queryset = selectors.search_persons(actor, q=q, grid=_grid(request, grid), tag=_tag(tag))
    return exporting.export_persons_response(actor=actor, queryset=queryset)


@router.post("/exports/persons.xlsx",
             summary="Export persons with clear ID and phone numbers (reason; audited; 429 over the reveal limits)")
def export_persons_revealed(request, payload: ExportIn):
    actor = actor_of(request)
    queryset = selectors.search_persons(actor, q=payload.q, grid=_grid(request, payload.grid), tag=_tag(payload.tag))
    return exporting.export_persons_response(actor=actor, queryset=queryset, reveal=True, reason=payload.reason)
