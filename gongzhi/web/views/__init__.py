from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
    return render(request, "web/home.html", {"user": request.user})
