"""What the intelligence app keeps: versioned router models (智能分拨)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class Level(models.TextChoices):
    LEAF = "leaf", _("Leaf category")
    FIRST = "first", _("First-level category")


class Source(models.TextChoices):
    CASES = "cases", _("The deployment's closed cases")
    FILE = "file", _("A labelled hotline export")


class RouterModel(models.Model):
    """One trained text classifier, with the evaluation on the slice held back from its training.

    At most one is active: the one suggestions come from. The arrays are a NumPy archive
    (:mod:`gongzhi.insights.textmodel`), never a pickle.
    """

    # Configuration of the whole deployment: administrators only (unrestricted actors).
    scoping = ScopeSpec()

    version = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("trained by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("trained by"), max_length=150, blank=True)
    source = models.CharField(_("trained from"), max_length=8, choices=Source.choices)
    source_name = models.CharField(_("file"), max_length=200, blank=True)
    level = models.CharField(_("labels"), max_length=8, choices=Level.choices, default=Level.LEAF)
    # {label: name as shown}; a label is a category code, or the file's own text when it names no category.
    labels = models.JSONField(_("categories"), default=dict)
    train_count = models.PositiveIntegerField(_("training examples"), default=0)
    test_count = models.PositiveIntegerField(_("held-back examples"), default=0)
    macro_f1 = models.FloatField(_("macro-F1"), default=0.0)
    accuracy = models.FloatField(_("accuracy"), default=0.0)
    # [{label, precision, recall, f1, support}] on the held-back slice.
    per_class = models.JSONField(_("per-class figures"), default=list)
    overrides_used = models.PositiveIntegerField(
        _("overridden suggestions learnt from"), default=0,
        help_text=_("Dispatches that did not follow the suggestion, weighted up in this training."))
    training_seconds = models.FloatField(_("training CPU seconds"), default=0.0)
    artefact = models.BinaryField(_("model"), editable=False)
    is_active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("router model")
        verbose_name_plural = _("router models")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True),
                                               name="insights_one_active_router")]

    def __str__(self):
        return f"v{self.version}"

    def label_name(self, label: str) -> str:
        return self.labels.get(label, label)
