"""The staff console of deliberation: answer and merge proposals, run agenda items, open and close votes,
correct the roll, enter paper ballots, hold meetings (invite, attendance, minutes), answer objections.

Thin: each form parses, the service of ``gongzhi.deliberation`` decides and refuses in the user's language
(its message lands next to the field it is about). Who may look is :func:`follows_deliberation`; who may act
is the capability ``deliberation.manage`` the services require (the forms are shown only to them).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can
from gongzhi.core.crypto import mask_name
from gongzhi.core.scoping import scope_queryset
from gongzhi.deliberation import machine, selectors, services
from gongzhi.deliberation.models import (
    Electorate,
    ItemAction,
    ItemState,
    MeetingState,
    Objection,
    Party,
    ProposalState,
    RollChangeKind,
    VoteState,
)
from gongzhi.regions.models import Level, Region
from gongzhi.registry import selectors as registry
from gongzhi.registry.models import OrganisationKind

from ..access import page
from ..forms import apply_service_error
from ..forms.deliberation_staff import (
    AnswerForm,
    DecisionForm,
    InviteForm,
    MeetingForm,
    MergeForm,
    MinutesForm,
    NoteForm,
    OpenVoteForm,
    PaperBallotForm,
    ReasonForm,
    RollCorrectionForm,
    TakeUpForm,
    VoteForm,
)
from ..navigation import follows_deliberation

PAGE_SIZE = 20
PARTY_OF_KIND = {OrganisationKind.RESIDENT_UNIT: Party.RESIDENT_UNIT,
                 OrganisationKind.PROPERTY_COMPANY: Party.PROPERTY_COMPANY,
                 OrganisationKind.OWNERS_COMMITTEE: Party.OWNERS_COMMITTEE}


def _attempt(form, action) -> bool:
    """Run the service call; its refusal goes into the form. True when it went through."""
    try:
        action()
    except ValidationError as exc:
        apply_service_error(form, exc)
        return False
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You are not allowed to do this."))
        return False
    return True


def _action(request) -> str:
    """The action a POST asks for; only those who run deliberations post (others get 403, nothing changes)."""
    if request.method != "POST":
        return ""
    if not can(request.user, "deliberation.manage"):
        raise PermissionDenied(_("You are not allowed to do this."))
    return request.POST.get("action", "") or "none"


def _bound(request, action: str, name: str):
    return request.POST if action == name else None


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query(**values) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in values.items() if v})


def _persons(user, text: str, form, field: str):
    """The registry persons of the actor's area named by ID numbers, one a line; None (with the error) if any is
    unknown. ID numbers travel in the POST body only, never in a URL."""
    found = []
    for number in [line.strip() for line in (text or "").splitlines() if line.strip()]:
        person = registry.search_persons(user, id_number=number).first()
        if person is None:
            form.add_error(field, _("No resident of your area has the ID number ending in %(tail)s.")
                           % {"tail": number[-4:]})
            return None
        found.append(person)
    return found


# --- proposals ------------------------------------------------------------------------------


@page(follows_deliberation)
def proposals(request):
    q, state = request.GET.get("q", "").strip()[:100], request.GET.get("state", "")
    state = state if state in ProposalState.values else ""
    return render(request, "deliberation/staff/proposals.html", {
        "page": _page(request, selectors.proposals(request.user, state=state, q=q)), "q": q, "state": state,
        "states": ProposalState.choices, "query": _query(q=q, state=state)})


@page(follows_deliberation)
def proposal(request, proposal_id):
    found = selectors.proposal(request.user, proposal_id)
    if found is None:
        raise Http404
    action = _action(request)
    targets = list(selectors.same_area_proposals(request.user, found)[:200])
    take_up = TakeUpForm(_bound(request, action, "take_up"), prefix="take_up")
    merge = MergeForm(_bound(request, action, "merge"), prefix="merge", targets=targets)
    decline = AnswerForm(_bound(request, action, "decline"), prefix="decline")
    made = {}
    if action == "take_up" and take_up.is_valid():
        if _attempt(take_up, lambda: made.update(item=services.take_up_proposals(
                actor=request.user, proposals=[found], title=take_up.cleaned_data["title"],
                body=take_up.cleaned_data["body"]))):
            messages.success(request, _("The proposal is now an agenda item."))
            return redirect("deliberation_staff_item", item_id=made["item"].pk)
    elif action == "merge" and merge.is_valid():
        into = next((p for p in targets if p.pk == merge.cleaned_data["into"]), None)
        if into is None:
            merge.add_error("into", _("Merge into a proposal that is still open."))
        elif _attempt(merge, lambda: services.merge_proposal(actor=request.user, proposal=found, into=into,
                                                             answer=merge.cleaned_data["answer"])):
            messages.success(request, _("Merged into “%(title)s”; its supporters now count there.")
                             % {"title": into.title})
            return redirect("deliberation_staff_proposal", proposal_id=into.pk)
    elif action == "decline" and decline.is_valid():
        if _attempt(decline, lambda: services.decline_proposal(actor=request.user, proposal=found,
                                                               answer=decline.cleaned_data["answer"])):
            messages.success(request, _("The answer is published."))
            return redirect("deliberation_staff_proposal", proposal_id=found.pk)
    return render(request, "deliberation/staff/proposal.html", {
        "proposal": found, "take_up": take_up, "merge": merge, "decline": decline, "targets": targets,
        "manage": can(request.user, "deliberation.manage"),
        "open": found.state in (ProposalState.OPEN, ProposalState.QUEUED) or bool(action),
        "merged": found.merged.select_related("region")}, status=400 if action else 200)


# --- agenda items ----------------------------------------------------------------------------------


@page(follows_deliberation)
def items(request):
    q, state = request.GET.get("q", "").strip()[:100], request.GET.get("state", "")
    state = state if state in ItemState.values else ""
    queryset = selectors.items(request.user, state=state)
    if q:
        queryset = queryset.filter(title__icontains=q)
    return render(request, "deliberation/staff/items.html", {
        "page": _page(request, queryset), "q": q, "state": state, "states": ItemState.choices,
        "query": _query(q=q, state=state)})


def _compounds(item):
    from gongzhi.registry.models import Compound

    return Compound.objects.filter(grid__code__startswith=item.region.prefix).order_by("name")[:200]


ITEM_FORMS = {"schedule": NoteForm, "deliberate": NoteForm, "decide": DecisionForm, "drop": ReasonForm,
              "close": NoteForm, "publish": NoteForm}


def _item_action(request, item, action, form):
    data = form.cleaned_data
    user = request.user
    calls = {
        "schedule": lambda: services.schedule_item(actor=user, item=item, note=data["note"]),
        "deliberate": lambda: services.deliberate(actor=user, item=item, note=data["note"]),
        "decide": lambda: services.decide_by_consensus(actor=user, item=item, decision=data["decision"]),
        "drop": lambda: services.drop_item(actor=user, item=item, reason=data["reason"]),
        "publish": lambda: services.publish_decision(actor=user, item=item),
        "close": lambda: services.close_item(actor=user, item=item, note=data["note"]),
    }
    return _attempt(form, calls[action])


@page(follows_deliberation)
def item(request, item_id):
    found = selectors.item(request.user, item_id)
    if found is None:
        raise Http404
    action = _action(request)
    if action:
        try:  # the version the page was drawn from: a change meanwhile is refused, not overwritten
            found.version = int(request.POST.get("version", ""))
        except ValueError:
            pass
    forms = {name: cls(_bound(request, action, name), prefix=name) for name, cls in ITEM_FORMS.items()}
    vote_form = VoteForm(_bound(request, action, "vote"), prefix="vote", compounds=_compounds(found),
                         initial={"question": found.title})
    answer_forms = {}
    for objection in Objection.objects.filter(publication__item=found, answered_at=None):
        name = f"answer_{objection.pk}"
        answer_forms[objection.pk] = AnswerForm(_bound(request, action, name), prefix=name)
    if action in forms and forms[action].is_valid():
        if _item_action(request, found, action, forms[action]):
            messages.success(request, _("Saved."))
            return redirect("deliberation_staff_item", item_id=found.pk)
    elif action == "vote" and vote_form.is_valid():
        data, made = vote_form.cleaned_data, {}
        compound = next((c for c in _compounds(found) if c.pk == data["compound"]), None)

        def create():
            made["vote"] = services.create_vote(
                actor=request.user, item=found, question=data["question"], electorate=data["electorate"],
                opens_at=data["opens_at"], closes_at=data["closes_at"], rule=data["rule"],
                art278_item=data["art278_item"], secret=data["secret"], proxies_allowed=data["proxies_allowed"],
                compound=compound, rule_parameters={"approval": data["approval"], "quorum": data["quorum"] or None})
        if _attempt(vote_form, create):
            messages.success(request, _("The vote is prepared; open it to freeze the roll."))
            return redirect("deliberation_staff_vote", vote_id=made["vote"].pk)
    elif action.startswith("answer_"):
        objection = Objection.objects.filter(publication__item=found, pk=action.removeprefix("answer_")
                                             if action.removeprefix("answer_").isdigit() else 0).first()
        form = answer_forms.get(getattr(objection, "pk", None))
        if form is not None and form.is_valid():
            if _attempt(form, lambda: services.answer_objection(actor=request.user, objection=objection,
                                                                answer=form.cleaned_data["answer"])):
                messages.success(request, _("The answer is published."))
                return redirect("deliberation_staff_item", item_id=found.pk)
    possible = set(machine.allowed_actions(found.state))
    shown = {"schedule": ItemAction.SCHEDULE, "deliberate": ItemAction.DELIBERATE,
             "decide": ItemAction.DECIDE_BY_CONSENSUS, "drop": ItemAction.DROP, "publish": ItemAction.PUBLISH,
             "close": ItemAction.CLOSE, "vote": ItemAction.PUT_TO_VOTE}
    publications = list(found.publications.select_related("notice").prefetch_related("objections"))
    return render(request, "deliberation/staff/item.html", {
        "item": found, "forms": {name: forms[name] for name in forms if shown[name] in possible or name == action},
        "vote_form": vote_form if ItemAction.PUT_TO_VOTE in possible or action == "vote" else None,
        "manage": can(request.user, "deliberation.manage"),
        "events": found.events.select_related("actor").order_by("at", "id"),
        "proposals": found.proposals.all(), "votes": found.votes.order_by("-opens_at"),
        "meetings": found.meetings.order_by("-starts_at"), "publications": publications,
        "answer_forms": answer_forms}, status=400 if action else 200)


# --- votes, the roll and paper ballots ----------------------------------------------------------------


@page(follows_deliberation)
def vote(request, vote_id):
    found = selectors.vote(request.user, vote_id)
    if found is None:
        raise Http404
    action = _action(request)
    open_form = OpenVoteForm(_bound(request, action, "open"), prefix="open")
    cancel_form = ReasonForm(_bound(request, action, "cancel"), prefix="cancel")
    close_form = NoteForm(_bound(request, action, "close"), prefix="close")
    if action == "open" and open_form.is_valid():
        persons = _persons(request.user, open_form.cleaned_data["id_numbers"], open_form, "id_numbers")
        if persons is not None and _attempt(open_form, lambda: services.open_vote(
                actor=request.user, vote=found, persons=persons if found.electorate == Electorate.LISTED else None)):
            messages.success(request, _("The vote is open; its roll is frozen."))
            return redirect("deliberation_staff_vote", vote_id=found.pk)
    elif action == "close" and close_form.is_valid():
        if _attempt(close_form, lambda: services.close_vote(actor=request.user, vote=found)):
            messages.success(request, _("The vote is closed and tallied."))
            return redirect("deliberation_staff_vote", vote_id=found.pk)
    elif action == "cancel" and cancel_form.is_valid():
        if _attempt(cancel_form, lambda: services.cancel_vote(actor=request.user, vote=found,
                                                              reason=cancel_form.cleaned_data["reason"])):
            messages.success(request, _("The vote is cancelled."))
            return redirect("deliberation_staff_vote", vote_id=found.pk)
    return render(request, "web/deliberation/staff_vote.html", {
        "vote": found, "turnout": selectors.turnout(found), "roll_report": found.result.get("roll", {}),
        "changes": found.roll_changes.select_related("actor").order_by("-at")[:50],
        "manage": can(request.user, "deliberation.manage"), "open_form": open_form, "close_form": close_form,
        "cancel_form": cancel_form, "listed": found.electorate == Electorate.LISTED, "action": action},
        status=400 if action else 200)


def _entry_label(entry) -> str:
    homes = ", ".join(d.address_text or str(d) for d in entry.dwellings.all())
    return homes or entry.key


@page(follows_deliberation)
def roll(request, vote_id):
    found = selectors.vote(request.user, vote_id)
    if found is None:
        raise Http404
    q, state = request.GET.get("q", "").strip()[:100], request.GET.get("state", "")
    state = state if state in ("voted", "not_voted", "removed") else ""
    add = RollCorrectionForm(request.POST or None, prefix="add", kinds=[RollChangeKind.ADD],
                             initial={"kind": RollChangeKind.ADD})
    if _action(request) and add.is_valid():
        data = add.cleaned_data
        persons = _persons(request.user, data["id_numbers"], add, "id_numbers")
        if persons is not None and _attempt(add, lambda: services.correct_roll(
                actor=request.user, vote=found, kind=RollChangeKind.ADD, reason=data["reason"], persons=persons,
                area=data["area"])):
            messages.success(request, _("The entry is added to the roll; the change is logged."))
            return redirect("deliberation_staff_roll", vote_id=found.pk)
    rows = _page(request, selectors.roll(found, q=q, state=state))
    voted = set(found.participations.filter(entry__in=[e.pk for e in rows]).values_list("entry_id", flat=True))
    return render(request, "deliberation/staff/roll.html", {
        "vote": found, "page": rows, "q": q, "state": state, "query": _query(q=q, state=state),
        "rows": [(e, _entry_label(e), e.pk in voted) for e in rows], "add": add,
        "manage": can(request.user, "deliberation.manage") and (found.state == VoteState.OPEN
                                                               or request.method == "POST")},
        status=400 if request.method == "POST" else 200)


@page(follows_deliberation)
def roll_entry(request, vote_id, entry_id):
    found = selectors.vote(request.user, vote_id)
    entry = selectors.roll_entry(found, entry_id) if found is not None else None
    if entry is None:
        raise Http404
    action = _action(request)
    paper = PaperBallotForm(_bound(request, action, "paper"), request.FILES if action == "paper" else None,
                            prefix="paper")
    correct = RollCorrectionForm(_bound(request, action, "correct"), prefix="correct",
                                 kinds=[RollChangeKind.CORRECT, RollChangeKind.REMOVE])
    if action == "paper" and paper.is_valid():
        data = paper.cleaned_data
        if _attempt(paper, lambda: services.enter_paper_ballot(
                actor=request.user, vote=found, entry=entry, choice=data["choice"], paper_form=data["paper_form"],
                by_proxy=data["by_proxy"], authorisation=data["authorisation"])):
            messages.success(request, _("The paper ballot is entered."))
            return redirect("deliberation_staff_roll", vote_id=found.pk)
    elif action == "correct" and correct.is_valid():
        data = correct.cleaned_data
        persons = _persons(request.user, data["id_numbers"], correct, "id_numbers") if data["id_numbers"] else []
        if persons is not None and _attempt(correct, lambda: services.correct_roll(
                actor=request.user, vote=found, kind=data["kind"], reason=data["reason"], entry=entry,
                persons=persons or None, area=data["area"])):
            messages.success(request, _("The roll is corrected; the change is logged."))
            return redirect("deliberation_staff_roll", vote_id=found.pk)
    return render(request, "deliberation/staff/roll_entry.html", {
        "vote": found, "entry": entry, "label": _entry_label(entry),
        "names": [mask_name(p.name) for p in entry.persons.all()],
        "voted": entry.participations.exists(), "paper": paper, "correct": correct,
        "changes": entry.changes.order_by("-at"), "action": action,
        "manage": can(request.user, "deliberation.manage") and (found.state == VoteState.OPEN or bool(action))},
        status=400 if action else 200)


# --- meetings -----------------------------------------------------------------------------------------------


@page(follows_deliberation)
def meetings(request):
    q = request.GET.get("q", "").strip()[:100]
    return render(request, "deliberation/staff/meetings.html", {
        "page": _page(request, selectors.meetings(request.user, q=q)), "q": q, "query": _query(q=q),
        "manage": can(request.user, "deliberation.manage")})


def _places(user):
    return [(r.code, r.name) for r in scope_queryset(
        Region.objects.filter(level__in=(Level.COMMUNITY, Level.GRID)), user).order_by("code")[:300]]


def _organisations(user):
    return list(registry.organisations(user).order_by("name")[:200])


def _invited(organisation_ids, parties, organisations):
    by_pk = {o.pk: o for o in organisations}
    invited = [(party, None, None) for party in parties]
    invited += [(PARTY_OF_KIND.get(by_pk[pk].kind, Party.STAKEHOLDER), by_pk[pk], None)
                for pk in organisation_ids if pk in by_pk]
    return invited


@page(follows_deliberation)
def meeting_new(request):
    if not can(request.user, "deliberation.manage"):
        raise PermissionDenied(_("You are not allowed to do this."))
    organisations = _organisations(request.user)
    agenda = list(selectors.items(request.user).filter(
        state__in=[ItemState.COLLECTED, ItemState.ON_AGENDA, ItemState.DELIBERATED])[:100])
    form = MeetingForm(request.POST or None, places=_places(request.user), items=agenda, organisations=organisations,
                       initial={"parties": [Party.RESIDENTS_COMMITTEE]})
    made = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create():
            made["meeting"] = services.create_meeting(
                actor=request.user, region=Region.objects.get(code=data["region"]), title=data["title"],
                starts_at=data["starts_at"], mode=data["mode"], place=data["place"], online_link=data["online_link"],
                items=[i for i in agenda if i.pk in data["items"]],
                participants=_invited(data["organisations"], data["parties"], organisations))
        if _attempt(form, create):
            messages.success(request, _("The meeting is planned and the parties invited."))
            return redirect("deliberation_staff_meeting", meeting_id=made["meeting"].pk)
    return render(request, "deliberation/staff/meeting_new.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _participant_label(participant) -> str:
    who = participant.organisation.name if participant.organisation_id else (
        mask_name(participant.user.get_full_name() or participant.user.username) if participant.user_id else "")
    return f"{participant.get_party_display()}{' · ' + who if who else ''}"


@page(follows_deliberation)
def meeting(request, meeting_id):
    found = selectors.meeting(request.user, meeting_id)
    if found is None:
        raise Http404
    action = _action(request)
    participants = list(found.participants.select_related("organisation", "user"))
    labelled = [(p.pk, _participant_label(p)) for p in participants]
    organisations = _organisations(request.user)
    invite = InviteForm(_bound(request, action, "invite"), prefix="invite", organisations=organisations)
    record = MinutesForm(_bound(request, action, "record"), prefix="record", participants=labelled,
                         initial={"minutes": found.minutes,
                                  "present": [p.pk for p in participants if p.present]})
    if action == "invite" and invite.is_valid():
        data = invite.cleaned_data
        if _attempt(invite, lambda: services.invite_to_meeting(
                actor=request.user, meeting=found,
                participants=_invited(data["organisations"], data["parties"], organisations))):
            messages.success(request, _("The parties are invited."))
            return redirect("deliberation_staff_meeting", meeting_id=found.pk)
    elif action == "record" and record.is_valid():
        data = record.cleaned_data
        present = {p.pk: p.pk in data["present"] for p in participants}
        if _attempt(record, lambda: services.record_meeting(actor=request.user, meeting=found,
                                                             minutes=data["minutes"], present=present)):
            messages.success(request, _("The attendance and the minutes are recorded."))
            return redirect("deliberation_staff_meeting", meeting_id=found.pk)
    return render(request, "deliberation/staff/meeting.html", {
        "meeting": found, "participants": [(p, label) for p, (_pk, label) in zip(participants, labelled)],
        "agenda": found.items.all(), "invite": invite, "record": record,
        "manage": can(request.user, "deliberation.manage") and (found.state != MeetingState.CANCELLED or bool(action)),
        "planned": found.state == MeetingState.PLANNED or action == "invite"}, status=400 if action else 200)
