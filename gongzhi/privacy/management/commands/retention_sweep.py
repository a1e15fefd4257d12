"""Apply the retention rules now (what the daily periodic job ``retention_sweep`` does).

    manage.py retention_sweep                 # delete or anonymise what is past its time, print per kind
    manage.py retention_sweep --dry-run       # count only
    manage.py retention_sweep --kind visit_notes --kind failed_signins
    manage.py retention_sweep --rules         # the rules in force

The run is recorded (a retention sweep row and an audit event), like the periodic job's.
"""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.actors import add_actor_argument, command_actor_from
from gongzhi.privacy import retention, retention_services


class Command(BaseCommand):
    help = "Apply the retention rules: delete or anonymise personal data past its time, and record it."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")
        parser.add_argument("--kind", action="append", default=[], help="only this kind (repeatable)")
        parser.add_argument("--rules", action="store_true", help="print the rules in force and stop")
        add_actor_argument(parser)

    def handle(self, *args, **options):
        actor = command_actor_from(options, "retention_sweep")
        unknown = [k for k in options["kind"] if retention.kind(k) is None]
        if unknown:
            raise CommandError(f"unknown kind(s): {', '.join(unknown)}; known: "
                               f"{', '.join(k.key for k in retention.kinds())}")
        if options["rules"]:
            for rule in retention_services.rules(actor=actor):
                state = "" if rule.enabled else " (off)"
                self.stdout.write(f"{rule.key}: {rule.kind.action} after {rule.days} days{state}")
            return
        run = retention_services.sweep(actor=actor, dry_run=options["dry_run"], only=options["kind"] or None)
        verb = "would change" if run.dry_run else "changed"
        for result in run.results:
            line = f"{result['kind']}: {verb} {result['rows']} rows ({result['action']}, before {result['cutoff']})"
            if result["error"]:
                line += f" FAILED: {result['error']}"
            self.stdout.write(line)
        if run.failed:
            raise CommandError("some kinds failed; see above and the log")
