"""``manage.py revoke_api_key PREFIX_OR_ID``: the shell face of services.revoke_api_key."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.accounts import services
from gongzhi.accounts.models import ApiKey

from gongzhi.accounts.actors import add_actor_argument, command_actor_from

MIN_PREFIX = len(ApiKey.PREFIX) + 4


def find_key(prefix_or_id: str) -> ApiKey:
    """The one key named by its id or by the start of the key (as list_api_keys shows it)."""
    value = prefix_or_id.strip().rstrip("…")
    if value.isdigit():
        key = ApiKey.objects.filter(pk=int(value)).first()
        if key is None:
            raise CommandError(_("There is no API key #%(id)s.") % {"id": value})
        return key
    if len(value) < MIN_PREFIX:
        raise CommandError(_("Give the key's id or at least %(n)d characters of its prefix.") % {"n": MIN_PREFIX})
    matches = list(ApiKey.objects.filter(key_prefix__startswith=value[: ApiKey.PREFIX_LENGTH])[:2])
    if not matches:
        raise CommandError(_("No API key starts with %(prefix)s.") % {"prefix": value})
    if len(matches) > 1:
        raise CommandError(_("More than one API key starts with %(prefix)s; give the id (see list_api_keys).")
                           % {"prefix": value})
    return matches[0]


class Command(BaseCommand):
    help = "Revoke an API key, named by its id or its prefix; it stops working at once."

    def add_arguments(self, parser):
        parser.add_argument("key", metavar="PREFIX_OR_ID")
        parser.add_argument("--reason", default="", help="why the key is revoked (kept in the audit trail)")
        add_actor_argument(parser, "--user")

    def handle(self, *args, key, reason="", **options):
        actor = command_actor_from(options, "revoke_api_key")
        api_key = find_key(key)
        try:
            services.revoke_api_key(actor=actor, key=api_key, reason=reason)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("Revoked API key #%(id)d %(name)s (%(prefix)s…).")
                          % {"id": api_key.pk, "name": api_key.name, "prefix": api_key.key_prefix})
