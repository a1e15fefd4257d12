"""The forms of deliberation: a resident's proposal and ballot."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongzhi.deliberation.models import TEXT_MAX, TITLE_MAX

from .base import StyledForm


class ProposalForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("What is the matter, and what do you propose?"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 6}))
    region = forms.ChoiceField(label=_("For"), help_text=_("Your grid, or your whole community."))

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = places


# The choices of a ballot, in the context of a vote: 同意/反对/弃权, not Django's own "Yes"/"No" (是/否),
# which no catalogue of ours may translate again.
VOTE_CHOICES = [("yes", pgettext_lazy("vote choice", "Yes")), ("no", pgettext_lazy("vote choice", "No")),
                ("abstain", pgettext_lazy("vote choice", "Abstain"))]


class BallotForm(StyledForm):
    choice = forms.ChoiceField(label=_("Your vote"), widget=forms.RadioSelect,
                               choices=VOTE_CHOICES)
    entry = forms.TypedChoiceField(label=_("You vote for"), coerce=int, required=False)

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        if len(entries) > 1:
            self.fields["entry"].choices = [(pk, ", ".join(str(d) for d in entry.dwellings.all()) or entry.key)
                                            for pk, entry in entries]
            self.fields["entry"].required = True
        else:
            del self.fields["entry"]


class FundProjectForm(StyledForm):
    title = forms.CharField(label=_("Project"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("What would be done, for whom"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 5}))
    cost = forms.DecimalField(label=_("Estimated cost (yuan)"), max_digits=14, decimal_places=2, min_value=0)


class FundBallotForm(StyledForm):
    picks = forms.TypedMultipleChoiceField(label=_("The projects you support"), coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["picks"].choices = [(p.pk, f"{p.title} · {p.cost}") for p in projects]


class ObjectionForm(StyledForm):
    text = forms.CharField(label=_("Your objection"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("Say what you object to and why; the community answers in public."))
