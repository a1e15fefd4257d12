"""Every write of deliberation and votes: one keyword-only function per action taking ``actor=``."""

from .common import person_of  # noqa: F401
from .fund import (  # noqa: F401
    cast_budget_ballot,
    close_fund,
    create_fund,
    decide_fund_project,
    open_fund_voting,
    propose_fund_project,
)
from .items import create_item, decide_by_consensus, deliberate, drop_item, schedule_item  # noqa: F401
from .meetings import create_meeting, invite_to_meeting, record_meeting  # noqa: F401
from .projects import (  # noqa: F401
    add_milestone,
    complete_milestone,
    complete_project,
    record_expense,
    report_progress,
    start_project,
    sweep_overdue_milestones,
)
from .proposals import (  # noqa: F401
    add_proposal_photo,
    decline_proposal,
    merge_proposal,
    raise_proposal,
    support_proposal,
    take_up_proposals,
)
from .publication import answer_objection, close_item, publish_decision, raise_objection  # noqa: F401
from .votes import (  # noqa: F401
    cancel_vote,
    cast_ballot,
    close_vote,
    correct_roll,
    create_vote,
    enter_paper_ballot,
    open_vote,
)
