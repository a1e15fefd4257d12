from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticeboardConfig(AppConfig):
    name = "gongzhi.noticeboard"
    label = "noticeboard"
    verbose_name = _("Public notices (公告)")
