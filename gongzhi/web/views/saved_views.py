"""The console's saved views: the list of one's own and one's unit's views; rename, share, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.cases import selectors, services

from ..access import page
from ..forms import apply_service_error
from ..forms.saved_views import SavedViewForm, query_of
from ..navigation import sees_cases


@page(sees_cases)
def manage(request):
    bound_id, bound_form = None, None
    if request.method == "POST":
        view = selectors.saved_view_for(request.user, request.POST.get("view"))
        if view is None:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "delete":
                services.delete_view(actor=request.user, view=view)
                messages.success(request, _("The view “%(name)s” was deleted.") % {"name": view.name})
                return redirect("console_views")
            bound_id, bound_form = view.pk, SavedViewForm(request.POST, prefix=f"v{view.pk}")
            if bound_form.is_valid():
                services.change_view(actor=request.user, view=view, name=bound_form.cleaned_data["name"],
                                     shared=bound_form.cleaned_data["shared"])
                messages.success(request, _("The view was saved."))
                return redirect("console_views")
        except ValidationError as exc:
            if bound_form is None:
                raise
            apply_service_error(bound_form, exc)
        except PermissionDenied as exc:
            if bound_form is None:
                raise
            bound_form.add_error(None, str(exc))
    rows = []
    for view in selectors.saved_views(request.user):
        own = view.owner_id == request.user.pk
        form = None
        if own:
            form = bound_form if view.pk == bound_id else SavedViewForm(
                prefix=f"v{view.pk}", initial={"name": view.name, "shared": view.is_shared})
        rows.append({"view": view, "own": own, "form": form, "query": query_of(view)})
    return render(request, "web/console/views.html", {"rows": rows})
