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

        # Sent once per app after every migrate; this app's is enough to act once per run.
        post_migrate.connect(maintenance.after_migrate, sender=self, dispatch_uid="core-statistics-after-migrate")
