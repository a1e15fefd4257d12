"""Models of request handling (接诉即办), split by topic."""

from .attachment import Attachment, AttachmentPurpose
from .case import (
    CLOCKED_STATES,
    OPEN_STATES,
    TERMINAL_STATES,
    UNREPLIED_STATES,
    Action,
    Case,
    CaseEvent,
    CaseState,
    Channel,
    Crs,
)
from .category import Category, Urgency
from .contact import CaseContact, Open311Submission
from .deadlines import AlertKind, DeadlineMarker
from .handling import (
    Callback,
    ExtensionRequest,
    ExtensionState,
    Satisfaction,
    Whistle,
    WhistleResponse,
)
from .numbering import WorkOrderDay
from .reply_template import ReplyTemplate
from .rollup import Rollup, RollupIntake, RollupRates, Span
from .routing import RoutingRule
from .saved_view import SavedView
from .supervision import Supervision, SupervisionKind, SupervisionRule
from .verification import FINDINGS_OF, Finding, Verification, VerificationKind

__all__ = [
    "AlertKind", "Attachment", "AttachmentPurpose", "CLOCKED_STATES", "Callback", "Case", "CaseContact", "CaseEvent",
    "Action", "CaseState", "OPEN_STATES", "UNREPLIED_STATES",
    "Category", "Channel", "Crs", "DeadlineMarker", "ExtensionRequest", "ExtensionState", "Open311Submission",
    "Rollup", "RollupIntake", "RollupRates", "RoutingRule", "Span",
    "Satisfaction", "TERMINAL_STATES", "Urgency", "Whistle", "WhistleResponse",
    "FINDINGS_OF", "Finding", "Verification", "VerificationKind", "SavedView",
    "Supervision", "SupervisionKind", "SupervisionRule", "ReplyTemplate", "WorkOrderDay",
]
