"""Adding one's voice (附议) to an open case instead of filing the same request again.

A resident shown "already reported" (已有人反映) at intake
(:func:`gongzhi.cases.duplicates.already_reported`) supports that case: one
:class:`~gongzhi.cases.models.CaseSupporter` row per person and case, counted on
the case and audited. It changes neither the case's state nor its version, so
it never conflicts with what the unit is doing on the case (like an urging).
The resident does not thereby see the case's details: those stay with the
reporter and the staff of its area.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record

from ..models import OPEN_STATES, Case, CaseState, CaseSupporter


def support_case(*, case, actor, at: datetime | None = None) -> CaseSupporter:
    """Add the acting person's voice to ``case`` (a Case or its id): once per person, open cases only."""
    require(actor, "cases.report")
    user = user_of(actor)
    if user is None:
        raise PermissionDenied(_("Only a person can add their voice to a case."))
    case_id = case.pk if isinstance(case, Case) else case
    if not str(case_id).isdigit() or not 0 < int(case_id) < 2**63:
        raise ValidationError({"case": _("There is no such case.")})
    with transaction.atomic():
        locked = Case.objects.select_for_update().filter(pk=int(case_id)).first()
        if locked is None:
            raise ValidationError({"case": _("There is no such case.")})
        if locked.state == CaseState.MERGED and locked.parent_id:
            raise ValidationError({"case": _("Case #%(id)s was merged into case #%(parent)s; add your voice there.")
                                   % {"id": locked.pk, "parent": locked.parent_id}})
        if locked.state not in OPEN_STATES:
            raise ValidationError({"case": _("Case #%(id)s is %(state)s: only an open case can be supported. "
                                             "Report the problem again if it is still there.")
                                   % {"id": locked.pk, "state": locked.get_state_display()}})
        if locked.reporter_id == user.pk:
            raise ValidationError({"case": _("You reported case #%(id)s yourself; it is in your own list.")
                                   % {"id": locked.pk}})
        if CaseSupporter.objects.filter(case=locked, user=user).exists():
            raise ValidationError({"case": _("You have already added your voice to case #%(id)s; each person can "
                                             "support a case once.") % {"id": locked.pk}})
        supporter = CaseSupporter.objects.create(case=locked, user=user, created_at=at or timezone.now())
        Case.objects.filter(pk=locked.pk).update(supporter_count=F("supporter_count") + 1)
        locked.supporter_count += 1
        record(actor=actor, action="cases.support", obj=supporter, object_repr=f"#{locked.pk}",
               changes={"case": [None, locked.pk],
                        "supporter_count": [locked.supporter_count - 1, locked.supporter_count]})
    return supporter
