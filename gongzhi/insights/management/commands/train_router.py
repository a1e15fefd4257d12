"""Train a new version of the routing text model (智能分拨) and print its evaluation."""

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.actors import add_actor_argument, command_actor_from
from gongzhi.insights import router
from gongzhi.insights.models import Level


class Command(BaseCommand):
    help = ("Train the routing text model from the closed cases, or from a labelled hotline export "
            "(--from-file; its 诉求类别 is the label), holding a fifth back to evaluate it.")

    def add_arguments(self, parser):
        parser.add_argument("--from-file", metavar="FILE", help="an XLSX or CSV hotline export with 诉求类别")
        parser.add_argument("--level", choices=Level.values, default=Level.LEAF,
                            help="learn leaf categories (default) or first-level ones")
        parser.add_argument("--activate", choices=("better", "always", "never"), default="better",
                            help="make it the active model: when not worse than the active one (default), "
                                 "always or never")
        parser.add_argument("--limit", type=int, help="read at most this many closed cases (the newest)")
        add_actor_argument(parser)

    def handle(self, *args, **options):
        actor = command_actor_from(options, "train_router")
        data = filename = None
        if options["from_file"]:
            path = Path(options["from_file"])
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
            data, filename = path.read_bytes(), path.name
        try:
            model = router.train_router(actor=actor, level=options["level"], data=data, filename=filename or "",
                                        activate=options["activate"], limit=options["limit"])
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"router model v{model.version}: {model.train_count} examples trained, "
                          f"{model.test_count} held back, {model.training_seconds:.1f} CPU s")
        write_figures(self.stdout, model.per_class, model.labels, model.macro_f1)
        self.stdout.write("active" if model.is_active else "not activated (the active model scores better)")


def write_figures(out, per_class, names, macro_f1) -> None:
    out.write(f"{'category':<28} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
    for row in per_class:
        name = f"{row['label']} {names.get(row['label'], '')}".strip()[:28]
        out.write(f"{name:<28} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} {row['support']:>8}")
    out.write(f"router macro-F1: {macro_f1:.3f} (target: >= 0.9)")
