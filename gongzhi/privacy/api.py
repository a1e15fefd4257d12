"""Data-subject requests over the JSON API: /api/v1/privacy/.

A signed-in person files a request about themselves and reads its answer (``/mine``); a data
administrator (``privacy.manage``) lists the requests they handle, reads one with what is held
(audited), erases for a deletion request and answers. The person's identifiers are masked here.
"""


from datetime import date, datetime

from django.http import Http404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from gongzhi.accounts.actors import actor_of
from gongzhi.core import crypto
from gongzhi.core.schemas import In, Pages

from . import services
from .models import RequestKind, SubjectRequest

router = Router(tags=["privacy"])


class PrivacyRequestOut(Schema):
    id: int
    kind: str
    state: str
    subject_name: str
    subject_id_number: str
    subject_phone: str
    details: str
    received_at: datetime
    due_on: date
    overdue: bool
    owner: str
    answer: str
    answered_at: datetime | None
    erasure: list[dict]
    erased_at: datetime | None

    @staticmethod
    def resolve_subject_id_number(obj: SubjectRequest) -> str:
        return crypto.mask_id_number(obj.subject_id_number)

    @staticmethod
    def resolve_subject_phone(obj: SubjectRequest) -> str:
        return crypto.mask_phone(obj.subject_phone)

    @staticmethod
    def resolve_overdue(obj: SubjectRequest) -> bool:
        return obj.is_overdue

    @staticmethod
    def resolve_owner(obj: SubjectRequest) -> str:
        return str(obj.owner)


class PrivacyMyRequestOut(Schema):
    id: int
    kind: str
    state: str
    details: str
    received_at: datetime
    due_on: date
    answer: str
    answered_at: datetime | None


class PrivacyRequestFilter(In):
    state: str = ""
    q: str = Field("", max_length=100)


class PrivacyFileIn(In):
    kind: RequestKind
    details: str = Field("", max_length=services.DETAILS_MAX)


class PrivacyAnswerIn(In):
    answer: str = Field(..., max_length=5000)
    refused: bool = False


class PrivacyHeldOut(Schema):
    title: str
    model: str
    rows: list[dict]


def _request(request, subject_request_id: int) -> SubjectRequest:
    found = services.request_for(actor=actor_of(request), pk=subject_request_id)
    if found is None:
        raise Http404
    return found


@router.get("/mine", response=list[PrivacyMyRequestOut], summary="My requests about my own data, newest first")
@paginate(Pages, page_size=20)
def mine(request):
    return services.my_requests(actor=actor_of(request))


@router.post("/mine", response={201: PrivacyMyRequestOut}, summary="Ask what is held about me, a correction or a deletion")
def file_mine(request, body: PrivacyFileIn):
    return Status(201, services.file_request(actor=actor_of(request), kind=body.kind, details=body.details))


@router.get("/requests", response=list[PrivacyRequestOut], summary="The requests I handle, the most urgent first")
@paginate(Pages, page_size=20)
def requests(request, filters: Query[PrivacyRequestFilter]):
    return services.list_requests(actor=actor_of(request), state=filters.state, q=filters.q)


@router.get("/requests/{subject_request_id}", response=PrivacyRequestOut, summary="One request")
def request_detail(request, subject_request_id: int):
    return _request(request, subject_request_id)


@router.get("/requests/{subject_request_id}/held", response=list[PrivacyHeldOut],
            summary="What every app holds of the person, in clear (audited)")
def request_held(request, subject_request_id: int):
    return services.held_data(actor=actor_of(request), request=_request(request, subject_request_id))


@router.post("/requests/{subject_request_id}/erase", response=PrivacyRequestOut,
             summary="Carry out a deletion request through every holder that may erase")
def request_erase(request, subject_request_id: int):
    return services.erase_for_request(actor=actor_of(request), request=_request(request, subject_request_id))


@router.post("/requests/{subject_request_id}/answer", response=PrivacyRequestOut, summary="Answer (or refuse) a request")
def request_answer(request, subject_request_id: int, body: PrivacyAnswerIn):
    return services.answer_request(actor=actor_of(request), request=_request(request, subject_request_id),
                                   answer=body.answer, refused=body.refused)
