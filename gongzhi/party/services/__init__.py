"""Every write of the party app: one keyword-only function per action taking ``actor=``."""

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
    "add_member", "change_member", "choose_posts", "create_organisation", "create_post", "dissolve_organisation",
    "end_membership", "end_report", "record_participation", "remove_participation", "report_member", "report_unit",
    "reveal_member", "set_minimum", "transfer_member", "update_organisation", "update_post",
]
