"""Every write of request handling: one function per action, thin over
:func:`gongzhi.cases.machine.transition`. Split by topic; import from here."""

from .attachments import add_attachment
from .closing import answer_consultation, cancel_case, invalidate_case, merge_case, record_callback, reply_case
from .configuration import (
    create_category,
    create_routing_rule,
    deactivate_routing_rule,
    update_category,
    update_routing_rule,
)
from .dispatching import acknowledge_case, decide_case, dispatch_case, return_case
from .extensions import approve_extension, refuse_extension, request_extension
from .intake import create_case, seed_categories
from .saved_views import change_view, delete_view, save_view
from .support import support_case
from .synonyms import create_synonyms, delete_synonyms, update_synonyms
from .supervision import (
    acknowledge_instruction,
    give_card,
    instruct_case,
    record_callback_attempt,
    red_card,
    urge_case,
    yellow_card,
)
from .verification import request_verification, verify_case
from .whistles import report_in, whistle_case

__all__ = [
    "acknowledge_case", "add_attachment", "answer_consultation", "approve_extension", "cancel_case", "change_view",
    "create_case", "create_routing_rule", "delete_view", "save_view",
    "create_synonyms", "delete_synonyms", "update_synonyms",
    "deactivate_routing_rule", "create_category", "update_category", "update_routing_rule",
    "decide_case", "dispatch_case", "invalidate_case", "merge_case", "record_callback", "refuse_extension",
    "reply_case", "report_in", "support_case", "request_extension", "request_verification", "return_case", "seed_categories",
    "verify_case", "whistle_case",
    "acknowledge_instruction", "give_card", "instruct_case", "record_callback_attempt", "red_card", "urge_case",
    "yellow_card",
]
