"""Publication (居务公开): a decision, its minutes and its result on the noticeboard; objections and answers."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.audit.services import record
from gongzhi.noticeboard.models import BODY_MAX, TITLE_MAX as NOTICE_TITLE_MAX
from gongzhi.noticeboard.services import publish_notice

from .. import machine
from ..models import TEXT_MAX, Item, ItemAction, MeetingState, Objection, Publication, VoteState
from .common import manage, require_resident_of, text


def notice_text(item: Item) -> str:
    """The decision, every figure of the vote's result and the minutes of the meetings that discussed it."""
    parts = [item.body] if item.body else []
    parts.append(_("Decision: %(decision)s") % {"decision": item.decision or item.get_outcome_display()})
    for vote in item.votes.filter(state=VoteState.CLOSED).order_by("tallied_at"):
        counts = vote.result.get("counts", {})
        parts.append(_("Vote “%(question)s” (%(rule)s): %(explanation)s. Ballots: %(cast)s of %(eligible)s; yes "
                       "%(yes)s, no %(no)s, abstain %(abstain)s.") % {
            "question": vote.question, "rule": vote.get_rule_display(),
            "explanation": vote.result.get("explanation", ""), **{k: counts.get(k, 0) for k in (
                "cast", "eligible", "yes", "no", "abstain")}})
    for meeting in item.meetings.filter(state=MeetingState.HELD).order_by("starts_at"):
        parts.append(_("Minutes of “%(title)s”:\n%(minutes)s") % {"title": meeting.title, "minutes": meeting.minutes})
    return "\n\n".join(parts)[:BODY_MAX]


def publish_decision(*, actor, item: Item) -> Publication:
    """Publish a decided item to the residents of its area, with the notice period and the objection window."""
    manage(actor, item.region)
    now = timezone.now()
    created = {}

    def change(current: Item):
        notice = publish_notice(
            actor=actor, title=(_("Decision: %(title)s") % {"title": current.title})[:NOTICE_TITLE_MAX],
            body=notice_text(current), region=current.region, publish_at=now,
            expire_at=now + timedelta(days=settings.DELIBERATION_NOTICE_DAYS))
        publication = Publication.objects.create(
            item=current, notice=notice, published_by=user_of(actor), published_at=now,
            objections_until=now + timedelta(days=settings.DELIBERATION_OBJECTION_DAYS))
        created["publication"] = publication
        return {"notice": notice.pk, "objections_until": publication.objections_until.isoformat()}

    machine.transition(item, ItemAction.PUBLISH, actor=actor, change=change)
    return created["publication"]


def raise_objection(*, actor, publication: Publication, text_: str) -> Objection:
    item = publication.item
    require_resident_of(actor, item.region)
    body = text(text_, "text", _("The objection"), max_length=TEXT_MAX)
    if timezone.now() >= publication.objections_until:
        raise ValidationError(_("The objection window closed on %(at)s.") % {
            "at": timezone.localtime(publication.objections_until).strftime("%Y-%m-%d %H:%M")})
    with transaction.atomic():
        objection = Objection.objects.create(publication=publication, author=user_of(actor), text=body)
        record(actor=actor, action="deliberation.objection.raise", obj=objection, changes={"item": item.pk})
    return objection


def answer_objection(*, actor, objection: Objection, answer: str) -> Objection:
    manage(actor, objection.publication.item.region)
    answer = text(answer, "answer", _("The answer"), max_length=TEXT_MAX)
    with transaction.atomic():
        current = Objection.objects.select_for_update().get(pk=objection.pk)
        if current.answered_at is not None:
            raise ValidationError(_("This objection was already answered."))
        current.answer, current.answered_by, current.answered_at = answer, user_of(actor), timezone.now()
        current.save()
        record(actor=actor, action="deliberation.objection.answer", obj=current, changes={"answer": answer})
    return current


def ensure_settled(item: Item) -> None:
    """The objection window is over and every objection is answered: the decision may be carried out."""
    publication = item.publications.order_by("-published_at").first()
    if publication is None:
        raise ValidationError(_("The decision has not been published."))
    if timezone.now() < publication.objections_until:
        raise ValidationError(_("Residents may object until %(at)s; wait for the window to close.") % {
            "at": timezone.localtime(publication.objections_until).strftime("%Y-%m-%d %H:%M")})
    if publication.objections.filter(answered_at=None).exists():
        raise ValidationError(_("Answer every objection first."))


def close_item(*, actor, item: Item, note: str = "") -> Item:
    """A published decision with nothing to carry out (rejected, not held, or done at once) is done."""
    def change(current: Item):
        ensure_settled(current)

    return machine.transition(item, ItemAction.CLOSE, actor=actor, note=note, change=change)
