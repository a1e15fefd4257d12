from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "gongzhi.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from gongzhi.accounts import phone_signin

        from .services import send_sign_in_code

        phone_signin.register_sender(send_sign_in_code)

        from gongzhi.audit import reveal

        from .alerts import reveal_limit_reached

        reveal.register_alert(reveal_limit_reached)
