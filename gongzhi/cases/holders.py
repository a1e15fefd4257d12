"""The personal data ``cases`` holds of a data subject (registered in the privacy holders registry).

A caller without an account is found by the blind index of their phone number
(:class:`~gongzhi.cases.models.CaseContact`); a resident with an account by the
cases they reported. The case's own text is the request's content, shown to
the subject with it.
"""

from django.utils.translation import gettext_lazy as _

from gongzhi.privacy import holders


def find_case_rows(subject: holders.Subject):
    from gongzhi.cases.models import Case, CaseContact

    contacts = CaseContact.objects.filter(subject.match(phone="phone_index")).select_related("case")
    case_ids = set(contacts.values_list("case_id", flat=True))
    if subject.user_id:
        case_ids |= set(Case.objects.filter(reporter_id=subject.user_id).values_list("pk", flat=True))
    return [contacts, Case.objects.filter(pk__in=case_ids)]


def erase_case_rows(subject: holders.Subject, querysets) -> int:
    """The caller's contact (name, number, its blind index) and the resident's words at the callbacks go; the
    case itself (what was asked, where, and how it was handled) is the office's work record and stays."""
    from gongzhi.cases.models import Callback, Case, CaseContact, CaseEvent

    from .retention import PERSONAL_REASON_ACTIONS

    contacts, cases = querysets
    case_ids = list(cases.values_list("pk", flat=True))
    changed = CaseContact.objects.filter(pk__in=list(contacts.values_list("pk", flat=True))).update(
        name="", phone=None, phone_index="")
    changed += Callback.objects.filter(case__in=case_ids).exclude(comment="").update(comment="")
    # Case events are append-only for the product; erasure, like retention, clears the words inside them.
    changed += CaseEvent._base_manager.filter(case__in=case_ids, action__in=PERSONAL_REASON_ACTIONS).exclude(
        reason="").update(reason="")
    return changed


holders.register(
    "cases",
    title=_("Requests (接诉即办) made by the person"),
    models={
        "cases.CaseContact": ("name", "phone", "created_at"),
        "cases.Case": ("title", "description", "address"),
    },
    find=find_case_rows,
    erase=erase_case_rows,
)
