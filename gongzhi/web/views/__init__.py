"""Pages. One module per audience (resident, console, grid, dashboard); every
page is a thin face over the services and selectors of the domain apps."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gongzhi.cases import selectors as case_selectors
from gongzhi.notifications import selectors as notification_selectors
from gongzhi.notifications import services as notification_services

from ..navigation import home_for, is_grid_worker, is_resident


@require_GET
@never_cache
def healthz(request):
    """Liveness with database reachability, for probes and `make run` checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception as exc:  # the probe reports, it does not crash
        database = f"error: {exc.__class__.__name__}"
    ok = database == "ok"
    return JsonResponse({"status": "ok" if ok else "error", "database": database, "vendor": connection.vendor},
                        status=200 if ok else 503)


@login_required
def home(request):
    """Each role lands on its own home page."""
    return redirect(home_for(request.user))


@login_required
def case_link(request, case_id):
    """``/cases/<id>/`` (the link in notifications) opens the case where this user works on it."""
    if case_selectors.case_for(request.user, case_id) is None:
        raise Http404
    if is_resident(request.user):
        return redirect("resident_case", case_id=case_id)
    if is_grid_worker(request.user):
        return redirect("grid_case", case_id=case_id)
    return redirect("console_case", case_id=case_id)


@login_required
def inbox(request):
    notifications = notification_selectors.inbox_for(request.user)[:100]
    return render(request, "web/inbox.html", {"notifications": notifications})


@login_required
@require_POST
def inbox_read_all(request):
    notification_services.mark_all_read(actor=request.user)
    return redirect("inbox")


@login_required
def profile(request):
    """Who is signed in, where they work, and the page language: kept off the header so that it
    stays one short line on a phone."""
    user = request.user
    return render(request, "web/profile.html", {
        "area": user.region if user.region_id else None, "unit": user.unit if user.unit_id else None})
