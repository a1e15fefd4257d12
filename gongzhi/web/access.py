"""The guard of every page: signed in, and the menu's test for that page passes."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def page(test):
    """Sign-in required, then ``test(user)`` (a :mod:`gongzhi.web.navigation` predicate) or 403."""

    def decorate(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not test(request.user):
                raise PermissionDenied(_("This page is not part of your work."))
            return view(request, *args, **kwargs)

        return guarded

    return decorate
