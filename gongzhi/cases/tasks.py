"""Background tasks of request handling (through :mod:`gongzhi.ops.tasks`)."""

from __future__ import annotations

from gongzhi.ops.tasks import task


@task()
def import_hotline_file(run_id: int) -> str:
    """Import the file of :class:`~gongzhi.cases.models.ImportRun` ``run_id`` (see services.import_runs)."""
    from .services.import_runs import run_import

    return run_import(run_id)
