"""Public notices: residents read those of their area; community and street staff publish them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.noticeboard import selectors, services

from ..access import page
from ..forms import apply_service_error
from ..forms.notices import NoticeForm
from ..navigation import is_resident, publishes_notices

PAGE_SIZE = 20


@page(is_resident)
def resident_list(request):
    notices = Paginator(selectors.for_residents(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/notices/list.html", {"page": notices})


@page(is_resident)
def resident_detail(request, notice_id):
    notice = selectors.for_residents(request.user).filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    return render(request, "web/notices/detail.html", {"notice": notice})


@page(publishes_notices)
def staff_list(request):
    notices = Paginator(selectors.managed_by(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/notices/manage.html", {"page": notices, "now": timezone.now()})


def _save(request, form, notice=None):
    try:
        if notice is None:
            return services.publish_notice(actor=request.user, **form.service_values())
        return services.change_notice(actor=request.user, notice=notice, **form.service_values())
    except ValidationError as exc:
        apply_service_error(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    return None


@page(publishes_notices)
def staff_edit(request, notice_id=None):
    notice = None
    if notice_id is not None:
        notice = selectors.notice_for(request.user, notice_id)
        if notice is None:
            raise Http404
    if request.method == "POST" and request.POST.get("action") == "unpublish" and notice is not None:
        try:
            services.unpublish_notice(actor=request.user, notice=notice)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The notice was withdrawn."))
        return redirect("notices_manage")
    initial = {}
    if notice is not None:
        initial = {"title": notice.title, "body": notice.body, "region": notice.region.code, "pinned": notice.pinned,
                   "publish_at": timezone.localtime(notice.publish_at),
                   "expire_at": timezone.localtime(notice.expire_at) if notice.expire_at else None}
    form = NoticeForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, notice)
        if saved is not None:
            messages.success(request, _("The notice “%(title)s” was saved.") % {"title": saved.title})
            return redirect("notices_manage")
    return render(request, "web/notices/edit.html", {"form": form, "notice": notice, "now": timezone.now()})
