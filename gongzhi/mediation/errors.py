"""Errors of mediation that are neither validation nor permission: the API answers them with 409 Conflict."""

from django.utils.translation import gettext as _

from gongzhi.cases.errors import CaseConflict


class DisputeConflict(CaseConflict):
    """The dispute is not as the caller thought (changed meanwhile, or in another state).

    A :class:`~gongzhi.cases.errors.CaseConflict`, so the API's one 409 handler answers it.
    """

    code = "dispute_conflict"

    @classmethod
    def version(cls, *, number, expected, current):
        error = cls(_("Dispute %(number)s was changed by someone else in the meantime (you had version "
                      "%(expected)s, it is now %(current)s). Reload it and try again.")
                    % {"number": number, "expected": expected, "current": current},
                    number=number, expected=expected, current=current)
        error.code = "version_conflict"
        return error


class DisputeTransitionNotAllowed(DisputeConflict):
    code = "transition_not_allowed"

    def __init__(self, *, number, action, state, state_label):
        super().__init__(_("“%(action)s” is not possible while dispute %(number)s is “%(state)s”.")
                         % {"action": action, "number": number, "state": state_label},
                         number=number, action=action, state=state)
