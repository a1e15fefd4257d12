"""The personal data ``party`` holds of a data subject (registered in the privacy holders registry).

A subject is found through their registry person (ID number or phone, blind indexes): their party
membership, their 双报到 report and its participation, their places in social organisations and the
needs they raised; and as a part-time member of a 大党委 by the phone kept with them (blind index),
with the attendance of that member at joint meetings. Erasure clears the declared fields and keeps
the rows, so the figures (members, participation, needs) stay reproducible.
"""

from django.utils.translation import gettext_lazy as _

from gongzhi.privacy import holders


def find_party_rows(subject: holders.Subject):
    from gongzhi.party.models import Attendance, GroupMember, MemberReport, Need, Participation, PartTimeMember, \
        PartyMember
    from gongzhi.registry.models import Person

    people = list(Person.objects.filter(subject.match(id_number="id_number_index", phone="phone_index"))
                  .values_list("pk", flat=True))
    part_time = list(PartTimeMember.objects.filter(subject.match(phone="phone_index")).values_list("pk", flat=True))
    return [
        PartyMember.objects.filter(person_id__in=people).select_related("organisation"),
        MemberReport.objects.filter(person_id__in=people).select_related("community"),
        Participation.objects.filter(report__person_id__in=people),
        GroupMember.objects.filter(person_id__in=people).select_related("organisation"),
        Need.objects.filter(person_id__in=people),
        PartTimeMember.objects.filter(pk__in=part_time).select_related("unit"),
        Attendance.objects.filter(member_id__in=part_time).select_related("meeting"),
    ]


holders.register(
    "party",
    title=_("Party membership, 双报到, the 大党委, social organisations and needs raised"),
    models={
        "party.PartyMember": ("role", "status", "joined_party_on", "note"),
        "party.MemberReport": ("workplace", "home_party_organisation"),
        "party.Participation": ("description",),
        "party.GroupMember": ("role",),
        "party.Need": ("person",),
        "party.PartTimeMember": ("name", "phone", "position"),
        "party.Attendance": ("name", "note"),
    },
    find=find_party_rows,
)
