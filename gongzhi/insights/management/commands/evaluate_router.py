"""Score the active routing text model on a labelled hotline export: per-class F1 and the macro-F1."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongzhi.insights import router

from .train_router import write_figures


class Command(BaseCommand):
    help = "Score the active routing model (or --model-version N) on FILE, an XLSX or CSV export with 诉求类别."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--model-version", dest="model_version", type=int, help="a stored model version")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            model, evaluation = router.evaluate_file(path.read_bytes(), path.name, version=options["model_version"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"router model v{model.version} ({model.get_level_display()}) on {path.name}: "
                          f"{evaluation.count} labelled rows, accuracy {evaluation.accuracy:.3f}")
        write_figures(self.stdout, evaluation.per_class, model.labels, evaluation.macro_f1)
