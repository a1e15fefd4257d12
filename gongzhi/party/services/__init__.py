"""Every write of the party app: one keyword-only function per action taking ``actor=``."""

from .committee import (
    add_decision,
    add_part_time_member,
    cancel_meeting,
    change_part_time_member,
    complete_decision,
    drop_decision,
    extend_decision,
    record_meeting,
    schedule_meeting,
)
from .groups import (
    add_group_member,
    end_incubation,
    record_group_activity,
    record_support,
    register_formally,
    remove_group_member,
    start_incubation,
)
from .lists import (
    cancel_project,
    change_resource,
    close_need,
    complete_project,
    need_from_case,
    need_from_topic,
    offer_resource,
    publish_project,
    record_need,
    report_progress,
    start_project,
)
from .reporting import (
    choose_posts,
    create_post,
    end_report,
    record_participation,
    remove_participation,
    report_member,
    report_unit,
    set_minimum,
    update_post,
)
from .tree import (
    add_member,
    change_member,
    create_organisation,
    dissolve_organisation,
    end_membership,
    reveal_member,
    transfer_member,
    update_organisation,
)

__all__ = [
    "add_decision", "add_part_time_member", "cancel_meeting", "change_part_time_member", "complete_decision",
    "drop_decision", "extend_decision", "record_meeting", "schedule_meeting", "add_group_member", "end_incubation",
    "record_group_activity", "record_support", "register_formally", "remove_group_member", "start_incubation",
    "cancel_project", "change_resource", "close_need", "complete_project", "need_from_case", "need_from_topic",
    "offer_resource", "publish_project", "record_need", "report_progress", "start_project",
    "add_member", "change_member", "choose_posts", "create_organisation", "create_post", "dissolve_organisation",
    "end_membership", "end_report", "record_participation", "remove_participation", "report_member", "report_unit",
    "reveal_member", "set_minimum", "transfer_member", "update_organisation", "update_post",
]
