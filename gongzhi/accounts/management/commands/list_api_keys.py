"""``manage.py list_api_keys [--all]``: id, prefix, name, unit, capabilities, dates, status; never the key."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import ApiKey


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "List API keys: id, prefix, name, unit, dates, status. The keys themselves are never shown."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="include revoked keys")

    def handle(self, *args, all=False, **options):
        keys = ApiKey.objects.select_related("unit").order_by("pk")
        if not all:
            keys = keys.filter(revoked_at=None)
        rows = [(_("id"), _("prefix"), _("name"), _("unit"), _("capabilities"), _("created"), _("last used"),
                 _("status"))]
        for key in keys:
            status = _("revoked %(when)s") % {"when": _when(key.revoked_at)} if key.revoked_at else _("active")
            rows.append((str(key.pk), f"{key.key_prefix}…", key.name, key.unit.code if key.unit_id else "-",
                         ",".join(key.capabilities) or "-", _when(key.created_at), _when(key.last_used_at), status))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if len(rows) == 1:
            self.stderr.write(_("No API keys.") if all else _("No active API keys (--all also lists revoked ones)."))
