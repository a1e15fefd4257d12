"""Rows of the privacy app for the scoping proof (gongzhi/accounts/tests/test_scoping_proof.py)."""

from datetime import date

from gongzhi.privacy.models import RequestKind, SubjectRequest


def subject_request(owner, n):
    return SubjectRequest.objects.create(kind=RequestKind.ACCESS, subject_name=f"申请人{n}", due_on=date(2026, 12, 31),
                                         owner=owner)


FACTORIES = {}
OWNED = {SubjectRequest: subject_request}
