"""Register another system whose signed events become cases; prints its secret once."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.actors import add_actor_argument, command_actor_from
from gongzhi.assessment import intake
from gongzhi.cases.models import Category


class Command(BaseCommand):
    help = "Register a system (video platform, sensors, a department's system) sending events; prints its secret."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("name")
        parser.add_argument("--region", required=True, help="region code of the area its events lie in")
        parser.add_argument("--category", required=True, help="code of the default category of its cases")
        parser.add_argument("--per-minute", type=int, default=60)
        add_actor_argument(parser)

    def handle(self, *args, **options):
        category = Category.objects.filter(code=options["category"]).first()
        if category is None:
            raise CommandError(f"no category {options['category']}")
        try:
            source, secret = intake.create_source(
                actor=command_actor_from(options, "create_event_source"), code=options["code"], name=options["name"],
                region=options["region"], category=category, per_minute=options["per_minute"])
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        self.stdout.write(f"{source.code}\t{secret}")
