"""Alerts to supervisors about what one of their people did, through :func:`~.services.notify`.

Registered from :meth:`NotificationsConfig.ready` into the mechanisms that
raise them (``audit`` cannot import ``notifications``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongzhi.accounts.selectors import supervisors_of

from .services import notify


def _name(actor) -> str:
    if hasattr(actor, "key_prefix"):
        return _("API key “%(name)s”") % {"name": actor.name}
    return str(actor)


def reveal_limit_reached(*, actor, limit: str, count: int, action: str) -> None:
    """Tell the actor's supervisors that a reveal of personal data was refused for exceeding a limit."""
    if limit == "burst":
        title = _("%(who)s revealed personal data too fast and was stopped") % {"who": _name(actor)}
    else:
        title = _("%(who)s reached today's limit of personal data reveals") % {"who": _name(actor)}
    body = _("%(count)d reveals were counted (%(action)s). Please check with them why so many were needed; "
             "the reasons are in the audit trail.") % {"count": count, "action": action}
    notify(recipients=supervisors_of(actor), kind="audit.reveal_limit", title=title, body=body, actor=None)
