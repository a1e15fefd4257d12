"""The personal data ``deliberation`` holds of a data subject (registered in the privacy holders registry).

A subject is found by their account (what they raised, co-signed, objected to, proposed to the fund) and
as a person of the registry (ID or mobile number: the ballots cast as them, open ballots' choices, the
written authorisations and scanned forms, budget ballots). A secret ballot is never found: nothing links
it to anyone. Erasure clears the declared fields and keeps the rows, so the counts stay as they were.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.privacy import holders


def find_deliberation_rows(subject: holders.Subject):
    from gongzhi.deliberation.models import (
        FundBallot,
        FundProject,
        Objection,
        Participation,
        Proposal,
        ProposalSupport,
    )
    from gongzhi.registry.models import Person

    persons = list(Person.objects.filter(subject.match(id_number="id_number_index", phone="phone_index"))
                   .values_list("pk", flat=True))
    by_user = subject.match(user="author_id")
    return [
        Proposal.objects.filter(by_user),
        ProposalSupport.objects.filter(subject.match(user="user_id")),
        Objection.objects.filter(by_user),
        FundProject.objects.filter(subject.match(user="proposed_by_id")),
        # Their own ballots, and those they cast online for others as a proxy (not the paper ballots staff entered).
        Participation.objects.filter(Q(person_id__in=persons) | (subject.match(user="cast_by_id") & Q(channel="online"))),
        FundBallot.objects.filter(Q(person_id__in=persons) | subject.match(user="voter_id")),
    ]


holders.register(
    "deliberation",
    title=_("Deliberation: proposals, co-signatures, objections, ballots and community fund projects"),
    models={
        "deliberation.Proposal": ("title", "body"),
        "deliberation.ProposalSupport": ("created_at",),  # the fact of co-signing, and when
        "deliberation.Objection": ("text",),
        "deliberation.FundProject": ("title", "body"),
        "deliberation.Participation": ("choice", "authorisation", "paper_form"),
        "deliberation.FundBallot": ("cast_at",),  # the fact of voting on the fund, and when
    },
    find=find_deliberation_rows,
)
