from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "gongzhi.workdays"
    label = "workdays"
