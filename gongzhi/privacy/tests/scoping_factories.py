"""Rows of the privacy app for the scoping proof (gongzhi/accounts/tests/test_scoping_proof.py)."""

from datetime import date

from gongzhi.privacy.models import RequestKind, RetentionRule, RetentionRun, SubjectRequest


def subject_request(owner, n):
    return SubjectRequest.objects.create(kind=RequestKind.ACCESS, subject_name=f"申请人{n}", due_on=date(2026, 12, 31),
                                         owner=owner)


def retention_rule(n):
    return RetentionRule.objects.create(kind=f"kind_{n}", days=100 + n)


def retention_run(n):
    return RetentionRun.objects.create(results=[{"kind": "visit_notes", "rows": n}])


FACTORIES = {}
CATALOGUES = {RetentionRule: retention_rule, RetentionRun: retention_run}
OWNED = {SubjectRequest: subject_request}
