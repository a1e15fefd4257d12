"""Volunteers (志愿者), teams, activities and the time bank (时间银行) with its points (道德银行积分).

The modules: ``people`` (volunteers and teams), ``activities`` (activities, sign-ups, check-in and
check-out), ``ledger`` (the double-entry ledger of hours and points: accounts, transfers, lines),
``shop`` (rewards and services that hours and points are redeemed for).
"""

from .activities import Activity, ActivityState, SignUp, SignUpState
from .ledger import Account, AccountKind, Currency, Line, Transfer, TransferKind
from .people import Team, TeamMembership, TeamRole, Volunteer, VolunteerStatus
from .shop import Reward, RewardKind

__all__ = [
    "Account", "AccountKind", "Activity", "ActivityState", "Currency", "Line", "Reward", "RewardKind",
    "SignUp", "SignUpState", "Team", "TeamMembership", "TeamRole", "Transfer", "TransferKind", "Volunteer",
    "VolunteerStatus",
]
