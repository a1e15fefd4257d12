from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gongzhi.accounts"
    label = "accounts"
    verbose_name = _("Accounts and units")

    def ready(self):
        from . import sessions  # noqa: F401  (signed-in session rows follow sign-in and sign-out)
