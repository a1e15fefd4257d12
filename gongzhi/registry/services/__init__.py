"""Every write of the registry: one function per action (see each module)."""

from .organisations import create_organisation, update_organisation
from .people import (
    add_household_member,
    create_household,
    create_person,
    mark_status,
    move_person,
    remove_household_member,
    reveal_personal_field,
    save_care_tag,
    tag_person,
    untag_person,
    update_household,
    update_person,
    update_person_tag,
)
from .places import (
    create_building,
    create_compound,
    create_dwelling,
    create_entrance,
    update_building,
    update_compound,
    update_dwelling,
    update_entrance,
)
from .records import delete_record
from .visits import (
    finish_patrol,
    record_patrol,
    record_visit,
    report_patrol_problem,
    update_patrol,
    update_patrol_problem,
    update_visit,
)

__all__ = [
    "add_household_member", "create_building", "create_compound", "create_dwelling", "create_entrance",
    "create_household", "create_organisation", "create_person", "finish_patrol", "mark_status", "move_person",
    "record_patrol", "record_visit", "remove_household_member", "report_patrol_problem", "reveal_personal_field",
    "save_care_tag", "tag_person", "untag_person", "update_compound", "update_dwelling", "update_organisation",
    "update_person", "delete_record", "update_building", "update_entrance", "update_household", "update_person_tag",
    "update_patrol", "update_patrol_problem", "update_visit",
]
