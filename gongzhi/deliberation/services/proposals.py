"""Micro-proposals (微提案): raise, co-sign (附议), photos, the agenda queue, merge, decline with an answer."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.audit.services import record
from gongzhi.cases.images import check_image
from gongzhi.core import files
from gongzhi.regions.models import Level, Region

from .. import machine
from ..models import TEXT_MAX, TITLE_MAX, Item, ItemAction, Photo, Proposal, ProposalState, ProposalSupport
from .common import manage, require_resident_of, text

PHOTOS_MAX = 9


def _place(region, compound, building):
    """The area of a proposal: a compound or building names its grid; else a grid or community."""
    if building is not None:
        compound = compound or building.compound
        if compound is not None and building.compound_id not in (None, compound.pk):
            raise ValidationError({"building": _("The building belongs to another compound.")})
        region = building.grid
    elif compound is not None:
        region = compound.grid
    if not isinstance(region, Region):
        raise ValidationError({"region": _("Choose the compound, building, grid or community the matter is about.")})
    if region.level not in (Level.GRID, Level.COMMUNITY):
        raise ValidationError({"region": _("A proposal is for a compound, building, grid or community.")})
    return region, compound, building


def raise_proposal(*, actor, title: str, body: str, region=None, compound=None, building=None) -> Proposal:
    """A resident raises a matter; it collects supporters until ``DELIBERATION_SUPPORTERS_NEEDED``."""
    region, compound, building = _place(region, compound, building)
    require_resident_of(actor, region)
    errors, values = {}, {}
    for field, value, limit, label in (("title", title, TITLE_MAX, _("The title")),
                                       ("body", body, TEXT_MAX, _("The text"))):
        try:
            values[field] = text(value, field, label, max_length=limit, multiline=field == "body")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        proposal = Proposal.objects.create(region=region, compound=compound, building=building, author=user_of(actor),
                                           supporters_needed=settings.DELIBERATION_SUPPORTERS_NEEDED, **values)
        record(actor=actor, action="deliberation.proposal.raise", obj=proposal,
               changes={"title": proposal.title, "region": region.code})
    return proposal


def support_proposal(*, actor, proposal: Proposal) -> Proposal:
    """Co-sign: once per person; at the threshold the proposal joins the agenda queue."""
    require_resident_of(actor, proposal.region)
    user = user_of(actor)
    if user is None:
        raise ValidationError(_("Only a person can co-sign."))
    if proposal.author_id == user.pk:
        raise ValidationError(_("You raised this proposal; others co-sign it."))
    try:
        with transaction.atomic():
            current = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if current.state not in (ProposalState.OPEN, ProposalState.QUEUED):
                raise ValidationError(_("This proposal no longer collects supporters."))
            if ProposalSupport.objects.filter(proposal=current, user=user).exists():
                raise ValidationError(_("You have already co-signed this proposal."))
            with transaction.atomic():
                ProposalSupport.objects.create(proposal=current, user=user)
            current.supporter_count += 1
            changes = {"supporters": current.supporter_count}
            if current.state == ProposalState.OPEN and current.supporter_count >= current.supporters_needed:
                current.state, current.queued_at = ProposalState.QUEUED, timezone.now()
                changes["state"] = [ProposalState.OPEN, ProposalState.QUEUED]
            current.save(update_fields=["supporter_count", "state", "queued_at"])
            record(actor=actor, action="deliberation.proposal.support", obj=current, changes=changes)
    except IntegrityError:
        raise ValidationError(_("You have already co-signed this proposal.")) from None
    return current


def add_proposal_photo(*, actor, proposal: Proposal, content) -> Photo:
    """A photo of the proposal by its author, checked and stripped of its location like a case photo."""
    user = user_of(actor)
    if user is None or proposal.author_id != user.pk:
        raise ValidationError(_("Only the author adds photos to a proposal."))
    data = content.read(settings.CASE_ATTACHMENT_MAX_BYTES + 1) if hasattr(content, "read") else bytes(content or b"")
    image = check_image(data, keep_location=False, max_bytes=settings.CASE_ATTACHMENT_MAX_BYTES,
                        max_pixels=settings.CASE_ATTACHMENT_MAX_PIXELS, field="photo")
    with files.atomic():
        if Photo.objects.filter(proposal=proposal).count() >= PHOTOS_MAX:
            raise ValidationError({"photo": _("A proposal has at most %(n)d photos.") % {"n": PHOTOS_MAX}})
        photo = Photo(region=proposal.region, proposal=proposal, content_type=image.content_type,
                      size=len(image.content), sha256=image.sha256, uploaded_by=user)
        files.store(photo.file, f"{image.sha256[:20]}.{image.extension}", ContentFile(image.content))
        photo.save()
        record(actor=actor, action="deliberation.proposal.photo", obj=proposal,
               changes={"photo": photo.pk, "size": photo.size})
    return photo


def _open_for_staff(actor, proposal: Proposal) -> Proposal:
    manage(actor, proposal.region)
    current = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if current.state not in (ProposalState.OPEN, ProposalState.QUEUED):
        raise ValidationError(_("This proposal was already dealt with."))
    return current


def merge_proposal(*, actor, proposal: Proposal, into: Proposal, answer: str = "") -> Proposal:
    """A duplicate joins another proposal; its supporters are counted there (each person once)."""
    if into.pk == proposal.pk:
        raise ValidationError({"into": _("A proposal cannot be merged into itself.")})
    answer = text(answer or _("Merged into “%(title)s”.") % {"title": into.title}, "answer", _("The answer"),
                  max_length=TEXT_MAX)
    with transaction.atomic():
        current = _open_for_staff(actor, proposal)
        target = Proposal.objects.select_for_update().get(pk=into.pk)
        manage(actor, target.region)
        if target.state not in (ProposalState.OPEN, ProposalState.QUEUED):
            raise ValidationError({"into": _("Merge into a proposal that is still open.")})
        users = set(ProposalSupport.objects.filter(proposal=current).values_list("user_id", flat=True))
        users.add(current.author_id)
        users -= set(ProposalSupport.objects.filter(proposal=target).values_list("user_id", flat=True))
        users.discard(target.author_id)
        ProposalSupport.objects.bulk_create([ProposalSupport(proposal=target, user_id=u) for u in sorted(users)])
        target.supporter_count += len(users)
        if target.state == ProposalState.OPEN and target.supporter_count >= target.supporters_needed:
            target.state, target.queued_at = ProposalState.QUEUED, timezone.now()
        target.save(update_fields=["supporter_count", "state", "queued_at"])
        current.state, current.merged_into = ProposalState.MERGED, target
        current.answer, current.answered_by, current.answered_at = answer, user_of(actor), timezone.now()
        current.save()
        record(actor=actor, action="deliberation.proposal.merge", obj=current,
               changes={"into": target.pk, "supporters_moved": len(users)})
    return current


def decline_proposal(*, actor, proposal: Proposal, answer: str) -> Proposal:
    """Not taken up: the published answer says why."""
    answer = text(answer, "answer", _("The answer"), max_length=TEXT_MAX)
    with transaction.atomic():
        current = _open_for_staff(actor, proposal)
        current.state = ProposalState.DECLINED
        current.answer, current.answered_by, current.answered_at = answer, user_of(actor), timezone.now()
        current.save()
        record(actor=actor, action="deliberation.proposal.decline", obj=current, changes={"answer": answer})
    return current


def take_up_proposals(*, actor, proposals: list[Proposal], title: str = "", body: str = "") -> Item:
    """One or more proposals become one agenda item (collected)."""
    if not proposals:
        raise ValidationError({"proposals": _("Choose the proposals to take up.")})
    first = proposals[0]
    title = text(title or first.title, "title", _("The title"), max_length=TITLE_MAX, multiline=False)
    body = text(body or first.body, "body", _("The text"), max_length=TEXT_MAX, required=False)
    with transaction.atomic():
        locked = [_open_for_staff(actor, p) for p in proposals]
        region = first.region
        item = machine.transition(Item(region=region, compound=first.compound, title=title, body=body),
                                  ItemAction.COLLECT, actor=actor,
                                  payload={"proposals": [p.pk for p in locked]})
        for current in locked:
            current.state, current.item = ProposalState.TAKEN, item
            current.answer = current.answer or _("Taken up as agenda item “%(title)s”.") % {"title": item.title}
            current.answered_by, current.answered_at = user_of(actor), timezone.now()
            current.save()
            record(actor=actor, action="deliberation.proposal.take_up", obj=current, changes={"item": item.pk})
    return item
