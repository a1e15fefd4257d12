"""One form per action of the case state machine, and what each calls.

:data:`ACTIONS` maps an action of :class:`gongzhi.cases.machine.Action` to its
form and to the service that does it. The console shows a form only when
:func:`gongzhi.cases.machine.may` says the user may do that action to the
case now (the machine's table plus capabilities and party), so what the page
offers and what the service accepts are one rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Unit
from gongzhi.cases import selectors, services
from gongzhi.cases.machine import Action
from gongzhi.cases.models import FINDINGS_OF, Case, CaseState, Finding, Satisfaction
from gongzhi.cases.routing import ancestor_codes, route, suggestion_for
from gongzhi.cases.services.closing import COMMENT_MAX, REPLY_MAX
from gongzhi.cases.services.extensions import MAX_EXTENSION_DAYS
from gongzhi.cases.services.verification import DEFAULT_HOURS, MAX_HOURS

from .base import MultipleImageField, StyledForm
from .rating import YES_NO


def units_serving(case: Case):
    """Active units with jurisdiction over the case's place (those the dispatch service accepts)."""
    return Unit.objects.filter(is_active=True, region__code__in=ancestor_codes(case.region_code)).order_by(
        "kind", "code")


def _unit_choices(case: Case, blank=None):
    choices = [(u.code, u.name) for u in units_serving(case)]
    return ([("", blank)] if blank else []) + choices


class CaseActionForm(StyledForm):
    def __init__(self, *args, case: Case, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class EmptyForm(CaseActionForm):
    pass


class ReasonForm(CaseActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(CaseActionForm):
    reason = forms.CharField(label=_("Note (optional)"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


def is_redispatch(case: Case) -> bool:
    """Whether dispatching ``case`` now takes it from the unit holding it (改派)."""
    return case.state == CaseState.DISPATCHED


class DispatchForm(CaseActionForm):
    """Dispatch (派单) or, once dispatched, re-dispatch (改派, with a reason).

    The blank choice follows the routing suggestion and names its unit; choosing
    another unit corrects it, and ``remember_rule`` makes the correction the
    routing rule of the case's category in its community, in the same step.
    """

    unit = forms.ChoiceField(label=_("Lead unit"), required=False)
    assisting_units = forms.MultipleChoiceField(label=_("Assisting units"), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("Note (optional)"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    remember_rule = forms.BooleanField(label=_("Send such cases here from now on (updates the routing rules)"),
                                       required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = _unit_choices(self.case)
        if is_redispatch(self.case):
            self.fields["unit"].required = True
            self.fields["unit"].label = _("New lead unit")
            self.fields["unit"].choices = [("", _("Choose the unit"))] + [
                (code, name) for code, name in units if code != getattr(self.case.lead_unit, "code", None)]
            self.fields["reason"].required = True
            self.fields["reason"].label = _("Why another unit?")
        else:
            suggested = suggestion_for(self.case) or {}
            name = suggested.get("unit_name") or getattr(route(self.case).unit, "name", "")
            blank = (_("Follow the routing suggestion: %(unit)s") % {"unit": name} if name
                     else _("Follow the routing suggestion"))
            self.fields["unit"].choices = [("", blank)] + units
        self.fields["assisting_units"].choices = units
        if "remember_rule" in self.fields:
            place = self.case.grid.parent if self.case.grid_id and self.case.grid.parent_id else None
            self.fields["remember_rule"].help_text = (
                _("Cases of “%(category)s” in %(place)s will be suggested for the chosen unit.")
                % {"category": self.case.category.name, "place": place.name if place else _("this place")})

    def clean(self):
        data = super().clean()
        if data.get("remember_rule") and not data.get("unit"):
            self.add_error("remember_rule", _("Choose the unit the rule should name."))
        return data

    def service_values(self):
        data = self.cleaned_data
        return {"unit": data.get("unit") or None, "assisting_units": data.get("assisting_units") or [],
                "reason": data.get("reason", ""), "remember_rule": bool(data.get("remember_rule"))}


class DecideForm(DispatchForm):
    remember_rule = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].required = True
        self.fields["unit"].choices = _unit_choices(self.case, blank=_("Choose the unit"))

    def service_values(self):
        values = super().service_values()
        values.pop("remember_rule")
        return values


class WhistleForm(CaseActionForm):
    units = forms.MultipleChoiceField(label=_("Units to summon"), widget=forms.CheckboxSelectMultiple)
    report_within_hours = forms.FloatField(label=_("Report in within (working hours)"), initial=2, min_value=0.5,
                                           max_value=168)
    note = forms.CharField(label=_("What is needed"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = _unit_choices(self.case)


class NoteForm(CaseActionForm):
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(CaseActionForm):
    days = forms.IntegerField(label=_("Extra working days"), min_value=1, max_value=MAX_EXTENSION_DAYS)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class TemplateSelect(forms.Select):
    """A <select> of reply templates whose options carry their text (``data-text``), which
    ``reply-templates.js`` copies into the reply as text."""

    def __init__(self, *args, texts: dict | None = None, **kwargs):
        self.texts = texts or {}
        super().__init__(*args, **kwargs)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.texts:
            option["attrs"]["data-text"] = self.texts[str(value)]
        return option


class ReplyForm(CaseActionForm):
    template = forms.ChoiceField(label=_("Start from a template"), required=False,
                                 help_text=_("Your unit's reply templates for this category; edit the text before "
                                             "sending."))
    content = forms.CharField(label=_("Reply to the resident"), max_length=REPLY_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("What was done; the resident will be asked whether it solved the problem."))
    photos = MultipleImageField(label=_("Photos of the result (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {str(t.pk): t for t in selectors.reply_templates_for_case(self.case)}
        if not self.templates:
            del self.fields["template"]
            self.fields["content"].required = True
            return
        field = self.fields["template"]
        field.choices = [("", _("— write it yourself —"))] + [(pk, t.name) for pk, t in self.templates.items()]
        field.widget = TemplateSelect(choices=field.choices, texts={pk: t.text for pk, t in self.templates.items()},
                                      attrs={"data-reply-template": self["content"].auto_id})

    def clean(self):
        data = super().clean()
        if self.templates and not (data.get("content") or "").strip():
            chosen = self.templates.get(data.get("template") or "")
            if chosen is not None:
                data["content"] = chosen.text  # the template as it is, when nothing was written
            elif not self.has_error("content"):
                self.add_error("content", _("Write the reply, or start from a template."))
        return data

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > settings.WEB_MAX_PHOTOS:
            raise forms.ValidationError(_("Attach at most %(n)d photos.") % {"n": settings.WEB_MAX_PHOTOS})
        return photos

    def service_values(self):
        return {"content": self.cleaned_data["content"]}


class CallbackForm(CaseActionForm):
    solved = forms.ChoiceField(label=_("Does the resident say it was solved?"), choices=YES_NO,
                               widget=forms.RadioSelect)
    satisfaction = forms.ChoiceField(label=_("Is the resident satisfied?"), choices=Satisfaction.choices,
                                     widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=COMMENT_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def service_values(self):
        data = self.cleaned_data
        return {"solved": data["solved"] == "yes", "satisfaction": data["satisfaction"],
                "comment": data.get("comment", "")}


class MergeForm(CaseActionForm):
    parent = forms.IntegerField(label=_("Merge into case number"), min_value=1)
    reason = forms.CharField(label=_("Note (optional)"), max_length=1000, required=False)


class AnswerForm(CaseActionForm):
    answer = forms.CharField(label=_("Answer"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class PhotoForm(CaseActionForm):
    photos = MultipleImageField(label=_("Photos"))

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if not photos:
            raise forms.ValidationError(_("Choose at least one photo."))
        if len(photos) > settings.WEB_MAX_PHOTOS:
            raise forms.ValidationError(_("Attach at most %(n)d photos.") % {"n": settings.WEB_MAX_PHOTOS})
        return photos

    def service_values(self):
        return {}


class RequestVerificationForm(CaseActionForm):
    note = forms.CharField(label=_("What should the grid worker check?"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    within_hours = forms.FloatField(label=_("Verify within (working hours)"), initial=DEFAULT_HOURS, min_value=0.5,
                                    max_value=MAX_HOURS)


class VerifyForm(CaseActionForm):
    """The grid worker's finding, from the phone: answer, note, one photo, where it was made."""

    finding = forms.ChoiceField(label=_("What did you find?"), widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(label=_("Photo (optional)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp",
                                                                   "capture": "environment"}))
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pending = selectors.pending_verification(self.case)
        self.question = pending.get_kind_display() if pending else ""
        findings = FINDINGS_OF[pending.kind] if pending else tuple(Finding)
        self.fields["finding"].choices = [(f.value, f.label) for f in findings]
        if pending:
            self.fields["finding"].label = pending.get_kind_display()
            if pending.request_note:
                self.fields["finding"].help_text = pending.request_note

    def service_values(self):
        data = self.cleaned_data
        has_point = data.get("lon") is not None and data.get("lat") is not None
        photo = data.get("photo")
        return {"finding": data["finding"], "note": data.get("note", ""),
                "lon": data["lon"] if has_point else None, "lat": data["lat"] if has_point else None,
                "photo": photo, "photo_name": photo.name if photo else ""}


class MessageForm(CaseActionForm):
    message = forms.CharField(label=_("Message to the unit"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class InstructionForm(CaseActionForm):
    message = forms.CharField(label=_("Instruction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


@dataclass(frozen=True)
class ActionSpec:
    form: type[CaseActionForm]
    service: Callable
    button: str
    primary: bool = False


A = Action
ACTIONS: dict[str, ActionSpec] = {
    A.DISPATCH: ActionSpec(DispatchForm, services.dispatch_case, _("Dispatch"), True),
    A.DECIDE: ActionSpec(DecideForm, services.decide_case, _("Assign by binding decision"), True),
    A.ACKNOWLEDGE: ActionSpec(EmptyForm, services.acknowledge_case, _("Acknowledge"), True),
    A.REPLY: ActionSpec(ReplyForm, services.reply_case, _("Send the reply"), True),
    A.CALLBACK: ActionSpec(CallbackForm, services.record_callback, _("Record the callback"), True),
    A.ANSWER: ActionSpec(AnswerForm, services.answer_consultation, _("Answer and close")),
    A.RETURN: ActionSpec(ReasonForm, services.return_case, _("Return")),
    A.WHISTLE: ActionSpec(WhistleForm, services.whistle_case, _("Blow the whistle")),
    A.REPORT_IN: ActionSpec(NoteForm, services.report_in, _("Report in")),
    A.REQUEST_EXTENSION: ActionSpec(ExtensionForm, services.request_extension, _("Request the extension")),
    A.APPROVE_EXTENSION: ActionSpec(OptionalReasonForm, services.approve_extension, _("Approve")),
    A.REFUSE_EXTENSION: ActionSpec(ReasonForm, services.refuse_extension, _("Refuse")),
    A.MERGE: ActionSpec(MergeForm, services.merge_case, _("Merge")),
    A.ATTACH: ActionSpec(PhotoForm, services.add_attachment, _("Attach")),
    A.CANCEL: ActionSpec(ReasonForm, services.cancel_case, _("Cancel the case")),
    A.INVALIDATE: ActionSpec(ReasonForm, services.invalidate_case, _("Mark as invalid")),
    A.REQUEST_VERIFICATION: ActionSpec(RequestVerificationForm, services.request_verification,
                                       _("Ask for verification")),
    A.VERIFY: ActionSpec(VerifyForm, services.verify_case, _("Record the finding"), True),
}
ACTIONS.update({
    A.URGE: ActionSpec(MessageForm, services.urge_case, _("Urge")),
    A.YELLOW_CARD: ActionSpec(ReasonForm, services.yellow_card, _("Give the yellow card")),
    A.RED_CARD: ActionSpec(ReasonForm, services.red_card, _("Give the red card")),
    A.INSTRUCT: ActionSpec(InstructionForm, services.instruct_case, _("Send the instruction")),
    A.ACKNOWLEDGE_INSTRUCTION: ActionSpec(NoteForm, services.acknowledge_instruction, _("Acknowledge"), True),
    A.CALLBACK_ATTEMPT: ActionSpec(NoteForm, services.record_callback_attempt, _("Record the attempt")),
})
# REOPEN is what an unsatisfied callback does; its form is the callback form. CALLBACK_UNREACHABLE is the system's.
