"""python manage.py rebuild_search_index: segment every case again and rewrite the full-text index.

Needed after a change of the segmentation (a new jieba dictionary, a change to
gongzhi/cases/search/segment.py) or after cases were written around the services
(a bulk load). The index holds derived data only, so this acts as no one and
records no audit event; batches are short transactions, so the product stays usable.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tqdm import tqdm

from gongzhi.cases.search import index


class Command(BaseCommand):
    help = "Segment every case again (jieba) and rewrite the full-text search index, with progress."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="cases per transaction (default 2000)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, batch=2000, no_progress=False, **options):
        bar = tqdm(total=0, desc=_("Indexing cases"), unit=_("cases"), disable=no_progress or options["verbosity"] < 1)

        def progress(done, total):
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            done = index.rebuild(progress=progress, batch=max(1, batch))
        finally:
            bar.close()
        self.stdout.write(_("%(n)d cases indexed.") % {"n": done})
