"""Forms of the data-subject request pages: registering one (staff), filing one's own (a resident), answering."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import can
from gongzhi.privacy.models import RequestKind, RequestState
from gongzhi.privacy.services import DETAILS_MAX, MANAGE

from .base import StyledForm


class RequestSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        help_text=_("The request's number (#12) or the person's name."))
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("Any state"))] + list(RequestState.choices))


class RegisterRequestForm(StyledForm):
    kind = forms.ChoiceField(label=_("What the person asks for"), choices=RequestKind.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(),
                                   help_text=_("Who answers it, within the deadline."))
    subject_name = forms.CharField(label=_("Name of the person"), max_length=50, required=False)
    subject_id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    subject_phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    details = forms.CharField(label=_("What the person asks"), max_length=DETAILS_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = User.objects.filter(is_active=True, role="admin").order_by("username")
        self.fields["owner"].queryset = User.objects.filter(pk__in=[u.pk for u in candidates if can(u, MANAGE)])
        self.fields["owner"].initial = actor.pk


class FileRequestForm(StyledForm):
    kind = forms.ChoiceField(label=_("What do you ask for?"), choices=RequestKind.choices)
    details = forms.CharField(label=_("Details"), max_length=DETAILS_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("For a correction or a deletion, say what should change."))


class AnswerForm(StyledForm):
    answer = forms.CharField(label=_("Answer to the person"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    refused = forms.BooleanField(label=_("This answer refuses the request (say why)"), required=False)
