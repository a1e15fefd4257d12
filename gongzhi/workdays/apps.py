from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "gongzhi.workdays"
    label = "workdays"

    def ready(self):
        # The admin home page shows the missing-schedule banner (gongzhi.workdays.warnings).
        from django.contrib import admin

        admin.site.index_template = "workdays/admin_index.html"
