"""``manage.py create_api_key --name NAME [--unit CODE]``: the shell face of services.create_api_key."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.accounts import services
from gongzhi.accounts.models import Unit

from gongzhi.accounts.actors import add_actor_argument, command_actor_from


class Command(BaseCommand):
    help = "Create an API key for a machine client and print it once (only its hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="who uses the key, e.g. '12345 hotline bridge'")
        parser.add_argument("--unit", help="code of the unit the key acts for; its area is the key's area")
        parser.add_argument("--capability", action="append", default=[], dest="capabilities", metavar="CAP",
                            help="what the key may do, e.g. regions.view (repeat for more); default: nothing "
                                 "capability-gated")
        parser.add_argument("--reason", default="", help="why the key is made (kept in the audit trail)")
        add_actor_argument(parser, "--user")

    def handle(self, *args, name, unit=None, capabilities=(), reason="", **options):
        actor = command_actor_from(options, "create_api_key")
        unit_obj = None
        if unit:
            unit_obj = Unit.objects.select_related("region").filter(code=unit).first()
            if unit_obj is None:
                raise CommandError(_("There is no unit with code %(code)s.") % {"code": unit})
        try:
            key, raw = services.create_api_key(actor=actor, name=name, unit=unit_obj,
                                               capabilities=capabilities, reason=reason)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        # The key alone on stdout, so that scripts can capture it; the explanation on stderr.
        self.stdout.write(raw)
        self.stderr.write(
            _("API key #%(id)d %(name)s (%(prefix)s…) for %(unit)s. It is shown only this once: store it now.")
            % {"id": key.pk, "name": key.name, "prefix": key.key_prefix,
               "unit": key.unit.code if key.unit_id else _("no unit")}
        )
