"""The written mediation agreement (人民调解协议书) as a PDF, through the one document mechanism.

It names the parties in clear (the law requires their basic information), so generating it is a
reveal of personal data: capability ``mediation.reveal``, the area, a reason, and the audit
event of :func:`gongzhi.audit.reveal.reveal` (action ``mediation.agreement.pdf``, rate-limited
like every reveal). One copy per party and one for the committee's file, in one PDF.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit import reveal as audit_reveal
from gongzhi.core.documents import render_pdf
from gongzhi.core.exports import Watermark
from gongzhi.core.ids import parse_id_number
from gongzhi.core.scoping import ensure_in_scope

from .models import Agreement, AgreementForm, PartyRole

ROLE_ZH = {PartyRole.APPLICANT: "申请人", PartyRole.RESPONDENT: "被申请人", PartyRole.THIRD_PARTY: "第三人"}


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _party_row(party, today: dt.date) -> dict:
    id_number = party.clear_id_number()
    gender = age = ""
    if id_number:
        try:
            info = parse_id_number(id_number)
        except ValidationError:
            info = None
        if info is not None:
            gender = "男" if info.gender == "M" else "女"
            age = str(today.year - info.birth_date.year
                      - ((today.month, today.day) < (info.birth_date.month, info.birth_date.day)))
    address = party.address
    if not address and party.person_id and party.person.dwelling_id:
        address = str(party.person.dwelling)
    if not address and party.organisation_id:
        address = party.organisation.address
    return {"role": ROLE_ZH[party.role], "name": party.clear_name(), "gender": gender or "—", "age": age or "—",
            "id_number": id_number or "—", "address": address or "—", "phone": party.clear_phone()}


def context_of(agreement: Agreement) -> dict:
    dispute = agreement.dispute
    today = timezone.localdate()
    parties = [_party_row(p, today) for p in dispute.parties.select_related("person__dwelling", "organisation")
               .order_by("role", "id")]
    mediators = "、".join(m.display_name or m.username for m in dispute.mediators.order_by("id"))
    return {"committee": dispute.committee.unit.name, "number": agreement.number, "parties": parties,
            "facts": agreement.facts, "matters": agreement.matters, "responsibilities": agreement.responsibilities,
            "content": agreement.content, "performance_manner": agreement.performance_manner,
            "performance_due": chinese_date(agreement.performance_due),
            "effective_on": chinese_date(agreement.effective_on),
            "confirmation_due": chinese_date(agreement.confirmation_due), "mediators": mediators or "—",
            "copies_total": len(parties) + 1, "date": chinese_date(agreement.effective_on), "copy": ""}


def copies_of(context: dict) -> list[dict]:
    """One copy per party (their role and name on it) and one for the file."""
    total = context["copies_total"]
    copies = [{"copy": f"第{i}份（{p['role']}{p['name']}执）共{total}份"} for i, p in enumerate(context["parties"], 1)]
    return copies + [{"copy": f"第{total}份（调委会存档）共{total}份"}]


def agreement_pdf(*, actor, agreement: Agreement, reason: str) -> bytes:
    """The agreement's PDF for ``actor``, who gives the reason (e.g. "打印协议书供当事人签字")."""
    require(actor, "mediation.reveal")
    dispute = agreement.dispute
    ensure_in_scope(dispute, actor)
    if agreement.form != AgreementForm.WRITTEN:
        raise ValidationError({"__all__": [_("An oral agreement has no written agreement document.")]})
    context = context_of(agreement)
    audit_reveal.reveal(actor=actor, action="mediation.agreement.pdf", reason=reason, obj=agreement,
                        object_repr=agreement.number, region_code=dispute.region_code,
                        changes={"agreement": agreement.number, "copies": context["copies_total"]})
    return render_pdf("documents/mediation/agreement.html", context, number=agreement.number,
                      title=f"人民调解协议书 {agreement.number}", copies=copies_of(context),
                      watermark=Watermark.of(actor, reason))
