"""The console's hotline import page: upload an export, follow its progress, download its problem report.

Thin over :mod:`gongzhi.cases.services.import_runs`: the upload starts a run
(a background task), the page polls ``progress/`` (JSON) while it runs, and
the problem report is an XLSX with each problem beside its row. A run is
looked up among the user's own (``selectors.import_run_for``): another
person's run is a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.cases import selectors
from gongzhi.cases.services import import_runs
from gongzhi.core import exports

from ..access import page
from ..forms import apply_service_error
from ..forms.imports import HotlineImportForm
from ..navigation import imports_cases

LISTED_ON_PAGE = 100


@page(imports_cases)
def hotline_import(request):
    form = HotlineImportForm()
    if request.method == "POST":
        form = HotlineImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                run = import_runs.start_import(
                    actor=request.user, data=upload.read(), filename=upload.name,
                    dry_run=form.cleaned_data["dry_run"], default_region=form.cleaned_data["default_region"])
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                return redirect(f"{reverse('console_imports')}?run={run.pk}")
    run = None
    if request.GET.get("run"):
        run = selectors.import_run_for(request.user, request.GET["run"])
        if run is None:
            raise Http404
    return render(request, "web/console/imports.html", {
        "form": form, "run": run, "runs": selectors.import_runs(request.user)[:20],
        "problems": run.problems[:LISTED_ON_PAGE] if run else [], "progress": _progress(run) if run else None,
    }, status=400 if form.errors else 200)


@page(imports_cases)
def hotline_import_progress(request):
    run = selectors.import_run_for(request.user, request.GET.get("run"))
    if run is None:
        raise Http404
    return JsonResponse(_progress(run))


@page(imports_cases)
def hotline_import_problems(request):
    run = selectors.import_run_for(request.user, request.GET.get("run"))
    if run is None or not run.finished:
        raise Http404
    run = selectors.import_runs(request.user).defer(None).get(pk=run.pk)  # with its file, for the rows
    mark = exports.Watermark.of(request.user, _("the problems of hotline import %(file)s") % {"file": run.filename})
    return exports.attachment(import_runs.problem_workbook(run, watermark=mark), f"import-{run.pk}-problems.xlsx")


def _progress(run) -> dict:
    return {"state": run.state, "state_label": run.get_state_display(), "phase": run.phase, "done": run.done,
            "total": run.total, "finished": run.finished, "rows": run.rows, "created": run.created,
            "updated": run.updated, "unchanged": run.unchanged, "problems": run.problem_count,
            "summary": _summary(run)}


def _summary(run) -> str:
    if not run.finished:
        return _("%(phase)s: %(done)d of %(total)d rows") % {"phase": run.phase or run.get_state_display(),
                                                             "done": run.done, "total": run.total}
    return _("%(rows)d rows: %(created)d cases created, %(updated)d updated, %(unchanged)d unchanged; "
             "%(problems)d problems.") % {"rows": run.rows, "created": run.created, "updated": run.updated,
                                          "unchanged": run.unchanged, "problems": run.problem_count}
