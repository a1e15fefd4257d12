"""Deleting a registry row: the same capability, area check and audit event on every face."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from gongzhi.audit.services import record
from gongzhi.registry.models import CareTag, HouseholdMember, HouseholdVisit, Patrol, PatrolProblem, PersonCareTag

from .common import check
from .people import _check_tag, remove_household_member, untag_person

# The capability a deletion needs, by model; anything else needs "registry.change".
_CAPABILITY = {CareTag: "registry.configure", HouseholdVisit: "registry.visit", Patrol: "registry.visit",
               PatrolProblem: "registry.visit"}


@transaction.atomic
def delete_record(*, actor, obj, reason: str = "") -> None:
    """Delete ``obj`` (a place, person, household, organisation, visit, patrol, care tag or their parts).

    A household member leaves through :func:`remove_household_member`, a care tag of a person through
    :func:`untag_person`. A row others still refer to is refused with a message, not deleted.
    """
    if isinstance(obj, HouseholdMember):
        remove_household_member(actor=actor, household=obj.household, person=obj.person, reason=reason)
        return
    if isinstance(obj, PersonCareTag):
        untag_person(actor=actor, person=obj.person, tag=obj.tag, reason=reason)
        return
    model = type(obj)
    if model is CareTag:
        check(actor, _CAPABILITY[CareTag])
        _check_tag(actor, obj)
    else:
        check(actor, _CAPABILITY.get(model, "registry.change"), obj)
    if model is PatrolProblem:
        record(actor=actor, action="registry.patrol.problem_delete", obj=obj.patrol, changes={"problem": obj.pk},
               reason=reason)
    else:
        record(actor=actor, action=f"{obj._meta.label_lower}.delete", obj=obj, reason=reason)
    try:
        with transaction.atomic():
            obj.delete()
    except (ProtectedError, RestrictedError):
        raise ValidationError(_("%(object)s is still referred to by other records; change or remove those first.")
                              % {"object": obj}) from None
