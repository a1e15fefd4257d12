"""Retention kinds of the apps below ``privacy`` (accounts, audit), registered by ``privacy`` itself.

``accounts`` and ``audit`` cannot import :mod:`gongzhi.privacy.retention` (they sit below it),
so their kinds are declared here, like their personal-data holders (``account_holders``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import retention


def _delete(queryset, *, dry_run: bool) -> int:
    if dry_run:
        return queryset.count()
    with transaction.atomic():
        return queryset._raw_delete(queryset.db) or 0


def delete_failed_signins(cutoff, *, dry_run: bool = False) -> int:
    from gongzhi.accounts.models import LoginFailure

    return _delete(LoginFailure.objects.filter(at__lt=cutoff), dry_run=dry_run)


def delete_phone_codes(cutoff, *, dry_run: bool = False) -> int:
    from gongzhi.accounts.models import PhoneCode

    return _delete(PhoneCode.objects.filter(created_at__lt=cutoff), dry_run=dry_run)


def delete_audit_events(cutoff, *, dry_run: bool = False) -> int:
    from gongzhi.audit.retention import purge_before

    return purge_before(cutoff, dry_run=dry_run)


retention.register(
    "failed_signins", title=_("Failed sign-ins"), action=retention.DELETE, default_days=180, minimum_days=7,
    description=_("The keyed hash of the name typed and the client address of each failed sign-in."),
    apply="gongzhi.privacy.account_retention.delete_failed_signins")
retention.register(
    "phone_codes", title=_("Sign-in codes sent by SMS"), action=retention.DELETE, default_days=30, minimum_days=1,
    description=_("The blind index of the phone number and the client address of each code sent."),
    apply="gongzhi.privacy.account_retention.delete_phone_codes")
retention.register(
    "audit_events", title=_("Audit events"), action=retention.DELETE, default_days=3 * 365, minimum_days=180,
    description=_("The audit trail; the law asks for at least six months of logs, and the database refuses "
                  "to delete younger events."),
    apply="gongzhi.privacy.account_retention.delete_audit_events")
