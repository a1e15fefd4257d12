"""The staff forms of deliberation: answering proposals, running items, votes, the roll, paper ballots, meetings.

They parse what was typed; the services of ``gongzhi.deliberation`` decide whether it may be done and
say why not (``apply_service_error`` puts their refusal next to the field it is about).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.deliberation.models import TEXT_MAX, TITLE_MAX, Electorate, MeetingMode, Party, RollChangeKind
from gongzhi.deliberation.rules import ART_278_ITEMS, RULE_CHOICES

from .base import StyledForm
from .deliberation import VOTE_CHOICES

DATETIME = {"type": "datetime-local"}


class TakeUpForm(StyledForm):
    title = forms.CharField(label=_("Title of the agenda item"), max_length=TITLE_MAX, required=False,
                            help_text=_("Empty: the proposal's title."))
    body = forms.CharField(label=_("Text"), max_length=TEXT_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class MergeForm(StyledForm):
    into = forms.TypedChoiceField(label=_("Merge into"), coerce=int)
    answer = forms.CharField(label=_("Published answer"), max_length=TEXT_MAX, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Empty: “Merged into …” with the other proposal's title."))

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [("", "—")] + [(p.pk, f"{p.title} · {p.region.name}") for p in targets]


class AnswerForm(StyledForm):
    answer = forms.CharField(label=_("Published answer"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=TEXT_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(StyledForm):
    decision = forms.CharField(label=_("Decision reached by consensus"), max_length=TEXT_MAX,
                               widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class VoteForm(StyledForm):
    """Put a deliberated item to a vote: the rule the law sets (or a custom one), the electorate, the window."""

    question = forms.CharField(label=_("Question put to the vote"), max_length=TITLE_MAX)
    rule = forms.ChoiceField(label=_("Rule"), choices=RULE_CHOICES)
    art278_item = forms.TypedChoiceField(
        label=_("Matter (art. 278 item)"), coerce=int, required=False, empty_value=None,
        choices=[("", "—")] + sorted(ART_278_ITEMS.items()),
        help_text=_("For an owners' general meeting: the matter sets the majority."))
    electorate = forms.ChoiceField(label=_("Electorate"), choices=Electorate.choices)
    compound = forms.TypedChoiceField(label=_("Compound"), coerce=int, required=False, empty_value=None)
    approval = forms.CharField(label=_("Approval threshold (custom rule)"), max_length=10, required=False,
                               help_text=_("A share such as 2/3 or 1 (everyone)."))
    quorum = forms.CharField(label=_("Participation threshold (custom rule)"), max_length=10, required=False)
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=forms.DateTimeInput(attrs=DATETIME))
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=forms.DateTimeInput(attrs=DATETIME))
    secret = forms.BooleanField(label=_("Secret ballot"), required=False)
    proxies_allowed = forms.BooleanField(label=_("Proxies allowed (with a written authorisation)"), required=False)

    def __init__(self, *args, compounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].choices = [("", "—")] + [(c.pk, c.name) for c in compounds]


class OpenVoteForm(StyledForm):
    id_numbers = forms.CharField(
        label=_("ID numbers of the listed voters"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only for a listed electorate (representatives, affected households): one per line."))


class PaperBallotForm(StyledForm):
    choice = forms.ChoiceField(label=_("Choice on the paper ballot"), widget=forms.RadioSelect, choices=VOTE_CHOICES)
    paper_form = forms.FileField(label=_("Scanned ballot form (PDF, JPEG or PNG)"), required=False)
    by_proxy = forms.BooleanField(label=_("Cast by a proxy"), required=False)
    authorisation = forms.FileField(label=_("Written authorisation of the proxy"), required=False)


class RollCorrectionForm(StyledForm):
    """Add, correct or remove a voting unit of an open vote's roll; the reason is logged."""

    kind = forms.ChoiceField(label=_("Change"), choices=RollChangeKind.choices)
    id_numbers = forms.CharField(label=_("ID numbers of who votes for this entry"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}), help_text=_("One per line."))
    area = forms.DecimalField(label=_("Exclusive area (m²)"), required=False, max_digits=12, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, v) for k, v in RollChangeKind.choices if k in kinds]


class MeetingForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    region = forms.ChoiceField(label=_("For"))
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(attrs=DATETIME))
    mode = forms.ChoiceField(label=_("Form of the meeting"), choices=MeetingMode.choices)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    items = forms.TypedMultipleChoiceField(label=_("Agenda"), coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    parties = forms.MultipleChoiceField(label=_("Invited parties"), choices=Party.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    organisations = forms.TypedMultipleChoiceField(label=_("Invited organisations"), coerce=int, required=False,
                                                   widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, places, items, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = places
        self.fields["items"].choices = [(i.pk, f"{i.title} · {i.get_state_display()}") for i in items]
        self.fields["organisations"].choices = [(o.pk, f"{o.name} · {o.get_kind_display()}") for o in organisations]


class InviteForm(StyledForm):
    parties = forms.MultipleChoiceField(label=_("Invited parties"), choices=Party.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    organisations = forms.TypedMultipleChoiceField(label=_("Invited organisations"), coerce=int, required=False,
                                                   widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].choices = [(o.pk, f"{o.name} · {o.get_kind_display()}") for o in organisations]


class MinutesForm(StyledForm):
    present = forms.TypedMultipleChoiceField(label=_("Attended"), coerce=int, required=False,
                                             widget=forms.CheckboxSelectMultiple)
    minutes = forms.CharField(label=_("Minutes"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = list(participants)
