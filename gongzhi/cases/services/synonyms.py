"""The synonym groups of case search (data that administrators edit; the admin saves through these)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import diff, record, snapshot

from ..models import SynonymGroup
from ..search import synonyms
from . import checks
from .configuration import CONFIGURE

TERM_MAX = 30
TERMS_MAX = 20
_FIELDS = {"words", "note", "is_active"}


def _check(group: SynonymGroup) -> None:
    group.words = checks.text(group.words, "words", max_length=500, label=_("The words"))
    group.note = checks.text(group.note, "note", max_length=200, required=False, label=_("The note"))
    terms = synonyms.split_terms(group.words)
    if len(terms) < 2:
        raise ValidationError({"words": _("Give at least two words that mean the same.")})
    if len(terms) > TERMS_MAX:
        raise ValidationError({"words": _("A group holds at most %(max)d words.") % {"max": TERMS_MAX}})
    for term in terms:
        if len(term) > TERM_MAX:
            raise ValidationError({"words": _("“%(term)s” is too long for a synonym: at most %(max)d characters.")
                                   % {"term": term, "max": TERM_MAX}})
        if not synonyms.key(term):
            raise ValidationError({"words": _("“%(term)s” holds no word that can be searched.") % {"term": term}})
    keys = [synonyms.key(t) for t in terms]
    if len(set(keys)) < 2:
        raise ValidationError({"words": _("Give at least two different words that mean the same.")})
    group.words = " ".join(terms)
    if not group.is_active:
        return
    mine = set(keys)
    for other in SynonymGroup.objects.select_for_update().filter(is_active=True).exclude(pk=group.pk):
        shared = [t for t in other.terms if synonyms.key(t) in mine]
        if shared:
            raise ValidationError({"words": _("“%(term)s” is in another group already (#%(id)s: %(group)s); "
                                              "add the words to that group instead.")
                                   % {"term": shared[0], "id": other.pk, "group": other.words}})


def _save(actor, group: SynonymGroup, changes: dict, before: dict | None, reason: str) -> SynonymGroup:
    unknown = set(changes) - _FIELDS
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.")
                              % {"fields": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(group, name, value)
    group.is_active = bool(group.is_active)
    with transaction.atomic():
        _check(group)
        group.save()
        record(actor=actor, action=f"cases.synonyms.{'update' if before else 'create'}", obj=group,
               changes=diff(group, before), reason=checks.reason(reason, required=False))
    return group


def create_synonyms(*, actor, words: str, note: str = "", is_active: bool = True, reason: str = "") -> SynonymGroup:
    """Add a group of words that a search treats as the same (噪音 噪声)."""
    require(actor, CONFIGURE)
    return _save(actor, SynonymGroup(), {"words": words, "note": note, "is_active": is_active}, None, reason)


def update_synonyms(*, actor, group: SynonymGroup, reason: str = "", **changes) -> SynonymGroup:
    require(actor, CONFIGURE)
    return _save(actor, group, changes, snapshot(group), reason)


def delete_synonyms(*, actor, group: SynonymGroup, reason: str = "") -> None:
    require(actor, CONFIGURE)
    with transaction.atomic():
        record(actor=actor, action="cases.synonyms.delete", obj=group, changes={"words": [group.words, None]},
               reason=checks.reason(reason, required=False))
        group.delete()
