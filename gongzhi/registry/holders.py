"""The personal data ``registry`` holds of a data subject (registered in the privacy holders registry).

A subject is found as a person by their ID number or phone number (blind
indexes); what hangs off the person (care tags, residences, household
membership, visits that saw them) follows. An organisation whose contact phone
is the subject's number names them as its contact person.
"""

from django.utils.translation import gettext_lazy as _

from gongzhi.privacy import holders


def find_registry_rows(subject: holders.Subject):
    from gongzhi.registry.models import (
        HouseholdMember,
        HouseholdVisit,
        Organisation,
        Person,
        PersonCareTag,
        Residence,
    )

    people = Person.objects.filter(subject.match(id_number="id_number_index", phone="phone_index"))
    person_ids = list(people.values_list("pk", flat=True))
    return [
        Person.objects.filter(pk__in=person_ids).select_related("grid", "dwelling"),
        PersonCareTag.objects.filter(person_id__in=person_ids).select_related("tag"),
        Residence.objects.filter(person_id__in=person_ids).select_related("dwelling"),
        HouseholdMember.objects.filter(person_id__in=person_ids).select_related("household"),
        HouseholdVisit.objects.filter(persons__in=person_ids).distinct(),
        Organisation.objects.filter(pk__in=_organisations_with_contact_phone(subject.phone)),
    ]


def _organisations_with_contact_phone(phone: str) -> list[int]:
    """Organisations whose contact phone is ``phone``: the contact phone has no blind index, so the
    (few) organisations with one are decrypted and compared; a request is rare, the table small."""
    from gongzhi.core.crypto import normalize_phone
    from gongzhi.registry.models import Organisation

    wanted = normalize_phone(phone)
    if not wanted:
        return []
    rows = Organisation.objects.filter(contact_phone__isnull=False).only("pk", "contact_phone")
    return [row.pk for row in rows.iterator(chunk_size=2000) if normalize_phone(row.contact_phone) == wanted]


holders.register(
    "registry",
    title=_("Base data: persons, households, care, visits"),
    models={
        "registry.Person": ("name", "id_type", "id_number", "gender", "birth_date", "phone", "residence_type",
                            "status", "dwelling", "dwelling_role", "note"),
        "registry.PersonCareTag": ("tag", "since", "note"),
        "registry.Residence": ("dwelling", "role", "start_date", "end_date"),
        "registry.HouseholdMember": ("household", "relation"),
        "registry.HouseholdVisit": ("visited_at", "notes", "follow_up_note"),
        "registry.Organisation": ("contact_name", "contact_phone"),
    },
    find=find_registry_rows,
    keep_reason=_("Base data of the residents is kept under the statutory duties of the community and street "
                  "office (PIPL art. 13 (3)); a correction request may change it."),
)
