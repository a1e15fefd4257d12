"""The personal data ``volunteers`` holds of a data subject (registered in the privacy holders registry).

A subject is found as a volunteer by the ID number or mobile number given with the application (blind
indexes) or by their account; what hangs off the volunteer (sign-ups, team memberships, the time bank's
transfers and their notes) follows. Erasure clears the declared fields and keeps the rows, so the ledger
still balances and the figures stay reproducible.
"""

from django.utils.translation import gettext_lazy as _

from gongzhi.privacy import holders


def find_volunteer_rows(subject: holders.Subject):
    from gongzhi.volunteers.models import SignUp, TeamMembership, Transfer, Volunteer

    volunteers = Volunteer.objects.filter(subject.match(id_number="id_number_index", phone="phone_index",
                                                        user="user_id"))
    ids = list(volunteers.values_list("pk", flat=True))
    return [
        Volunteer.objects.filter(pk__in=ids).select_related("region"),
        TeamMembership.objects.filter(volunteer_id__in=ids).select_related("team"),
        SignUp.objects.filter(volunteer_id__in=ids).select_related("activity"),
        Transfer.objects.filter(volunteer_id__in=ids),
    ]


holders.register(
    "volunteers",
    title=_("Volunteering: applications, teams, activities, hours and points"),
    models={
        "volunteers.Volunteer": ("name", "phone", "id_number", "skills", "status_reason"),
        "volunteers.TeamMembership": ("team", "role", "joined_at"),
        "volunteers.SignUp": ("activity", "checked_in_at", "checked_out_at"),
        "volunteers.Transfer": ("memo",),
    },
    find=find_volunteer_rows,
)
