"""The personal data ``mediation`` holds of a data subject (registered in the privacy holders registry).

A subject is a party to a dispute: entered with their ID number or phone (blind indexes), or taken
from the registry (then found through the person's own indexes). Erasure clears the declared
fields and keeps the rows, so the dispute's events and figures stay reproducible.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.privacy import holders


def find_party_rows(subject: holders.Subject):
    from gongzhi.mediation.models import Party

    entered = subject.match(id_number="id_number_index", phone="phone_index")
    from_registry = subject.match(id_number="person__id_number_index", phone="person__phone_index")
    if entered == Q(pk__in=[]) and from_registry == Q(pk__in=[]):
        return []
    return [Party.objects.filter(entered | from_registry).select_related("dispute")]


holders.register(
    "mediation",
    title=_("Dispute mediation: parties to disputes"),
    models={"mediation.Party": ("name", "id_number", "phone", "address", "consent")},
    find=find_party_rows,
)
