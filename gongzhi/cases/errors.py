"""Errors of request handling that are neither validation nor permission.

Both mean "the case is not as you thought": the API answers them with
HTTP 409 Conflict and a machine-readable ``code``.
"""

from django.utils.translation import gettext as _


class CaseConflict(Exception):
    code = "conflict"

    def __init__(self, message: str, **context):
        super().__init__(message)
        self.message = message
        self.context = context


class ConflictError(CaseConflict):
    """Someone else changed the case between your reading it and your acting on it."""

    code = "version_conflict"

    def __init__(self, *, case_id, expected, current):
        super().__init__(
            _("Case #%(id)s was changed by someone else in the meantime (you had version %(expected)s, it is now "
              "%(current)s). Reload it and try again.") % {"id": case_id, "expected": expected, "current": current},
            case_id=case_id, expected=expected, current=current,
        )


class TransitionNotAllowed(CaseConflict):
    """The action does not exist in the case's current state."""

    code = "transition_not_allowed"

    def __init__(self, *, case_id, action, state, state_label):
        super().__init__(
            _("“%(action)s” is not possible while case #%(id)s is “%(state)s”.")
            % {"action": action, "id": case_id, "state": state_label},
            case_id=case_id, action=action, state=state,
        )
