from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "gongzhi.registry"
    label = "registry"
    verbose_name = _("Base data")

    def ready(self):
        from . import holders  # noqa: F401  (registers what the registry holds of a person: privacy.holders)
        from . import retention  # noqa: F401  (how long visit notes are kept: privacy.retention)
