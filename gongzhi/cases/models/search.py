"""The full-text index of cases and the synonyms of a search.

:class:`SearchEntry` holds, for each case, the words of its title, address and
description as jieba cut them (segmented once at write time, by
:mod:`gongzhi.cases.search.index`): the database engines' own full-text
machinery then only has to split at spaces. On SQLite an FTS5 table reads
this table as its external content (kept in step by triggers); on PostgreSQL
a generated ``tsvector`` column of this table carries a GIN index. Both are
created by migration ``0012_search_index``; neither is known to the ORM.

:class:`SynonymGroup` is data that administrators edit: a query word of a
group finds texts holding any word of the group.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class SearchEntry(models.Model):
    """The segmented words of one case (space-separated), the input of the engine's index."""

    scoping = ScopeSpec(region="case__region_code", unit="case__lead_unit_id", owner="case__reporter_id",
                        view="cases.view")

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, primary_key=True,
                                related_name="search_entry")
    title = models.TextField(_("title words"), blank=True)
    place = models.TextField(_("address words"), blank=True)
    body = models.TextField(_("description words"), blank=True)
    # Shorter dictionary words inside the long words above (农民 in 农民工), so that a query of the
    # shorter word finds the longer one; kept apart so that phrases match the real word order only.
    parts = models.TextField(_("words inside words"), blank=True)

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")

    def __str__(self):
        return f"#{self.case_id}"


class SynonymGroup(models.Model):
    """Words that mean the same in a search (噪音 噪声): a query for one finds any of them."""

    scoping = ScopeSpec()  # configuration of the whole deployment, read through its own selector

    words = models.CharField(
        _("words"), max_length=500,
        help_text=_("Two or more words or expressions that mean the same, separated by spaces, commas or 、."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["id"]

    def __str__(self):
        return " / ".join(self.terms)

    @property
    def terms(self) -> list[str]:
        from gongzhi.cases.search.synonyms import split_terms

        return split_terms(self.words)
