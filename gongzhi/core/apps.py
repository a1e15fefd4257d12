from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("Core mechanisms")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import maintenance, workcal  # noqa: F401  workcal connects its cache invalidation and system check
        from . import documents  # noqa: F401  its deploy check: a Chinese font to embed in PDFs

        _clean_every_form_text()

        from django.core import checks

        from .crypto import check_primitives

        checks.register(check_primitives, checks.Tags.security, deploy=False)

        # Sent once per app after every migrate; this app's is enough to act once per run.
        post_migrate.connect(maintenance.after_migrate, sender=self, dispatch_uid="core-statistics-after-migrate")


def _clean_every_form_text():
    """Every Django form's text field (pages, admin, sign-in; CharField and its subclasses) follows
    :mod:`gongzhi.core.text`: one wrapper of ``forms.CharField.to_python``, installed once, rather than a
    base class each form would have to remember. A ``Textarea`` is multi-line (line breaks allowed)."""
    from django import forms
    from django.core.exceptions import ValidationError

    from .text import TextRefused, clean_text

    original = forms.CharField.to_python
    if getattr(original, "gongzhi_clean_text", False):
        return

    def to_python(self, value):
        value = original(self, value)
        if isinstance(value, str) and value:
            try:
                clean_text(value, multiline=isinstance(self.widget, forms.Textarea))
            except TextRefused as exc:
                raise ValidationError(str(exc), code="text") from None
        return value

    to_python.gongzhi_clean_text = True
    forms.CharField.to_python = to_python
