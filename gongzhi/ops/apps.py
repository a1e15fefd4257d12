from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "gongzhi.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        # Built-in scrape-time gauges and periodic jobs; other apps add theirs
        # from their own ready() (see docs/deploy.md).
        from . import builtin, checks, logs  # noqa: F401  checks registers the deployment checks

        builtin.register()
        # Django's own default handlers (runserver's access log, the "django" logger's console and
        # mail_admins) are configured outside LOGGING: they mask too.
        logs.mask_every_handler()
