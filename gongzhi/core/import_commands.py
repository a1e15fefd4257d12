"""What every import command shows at the shell: a progress bar per phase, then the problems.

The imports themselves report through :class:`gongzhi.core.tabular.Problems`; this is their face
for ``manage.py import_*``, so every command prints the same way and counts every problem, not
only those listed.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm


class ProgressBars:
    """A ``tabular.Progress``: one bar per phase (checking, writing…), each closed when the next opens."""

    def __init__(self, disable: bool = False):
        self.disable = disable
        self.bars: list[tqdm] = []

    def __call__(self, phase: str, total: int):
        self.close()
        self.bars.append(tqdm(total=total, desc=phase, unit=_("rows"), disable=self.disable))
        return self.bars[-1].update

    def close(self) -> None:
        for bar in self.bars:
            bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def fail_with_problems(command, report) -> None:
    """Write the listed problems of a failed import to stderr and stop with their true count."""
    for problem in report.errors:
        command.stderr.write(str(problem))
    if report.truncated:
        command.stderr.write(_("… more errors were not listed."))
    raise CommandError(_("%(n)d problems found; nothing was imported.") % {"n": report.error_count})
