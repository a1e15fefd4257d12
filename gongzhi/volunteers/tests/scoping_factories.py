"""Rows of the volunteers app placed in a grid, for accounts/tests/test_scoping_proof.py.

Written with the ORM: the proof asks only where a row lies. A volunteer, team, activity or reward placed
in a grid lies in that grid; what hangs off them (memberships, sign-ups, accounts, transfers, lines)
lies where they do.
"""

import datetime as dt
import itertools

from django.utils import timezone

from gongzhi.volunteers.models import (
    Account,
    AccountKind,
    Activity,
    Currency,
    Line,
    Reward,
    SignUp,
    SignUpState,
    Team,
    TeamMembership,
    Transfer,
    TransferKind,
    Volunteer,
)

_n = itertools.count(1)


def volunteer(place, n):
    return Volunteer.objects.create(region=place, name=f"志愿者{n}")


def team(place, n):
    return Team.objects.create(region=place, name=f"志愿队{n}")


def membership(place, n):
    return TeamMembership.objects.create(team=team(place, n), volunteer=volunteer(place, n))


def activity(place, n):
    start = timezone.now() + dt.timedelta(days=1)
    return Activity.objects.create(region=place, title=f"活动{n}", place="社区广场", starts_at=start,
                                   ends_at=start + dt.timedelta(hours=2), slots=5, hours_cap_minutes=120)


def signup(place, n):
    return SignUp.objects.create(activity=activity(place, n), volunteer=volunteer(place, n),
                                 state=SignUpState.CONFIRMED)


def account(place, n):
    return Account.objects.create(kind=AccountKind.MEMBER, currency=Currency.HOURS, volunteer=volunteer(place, n))


def transfer(place, n):
    return Transfer.objects.create(kind=TransferKind.EARN, currency=Currency.HOURS, amount=60,
                                   volunteer=volunteer(place, n), region=place, key=f"scoping-{n}-{next(_n)}")


def line(place, n):
    return Line.objects.create(transfer=transfer(place, n), account=account(place, n), amount=60)


def reward(place, n):
    return Reward.objects.create(region=place, title=f"奖品{n}", currency=Currency.POINTS, price=10)


FACTORIES = {
    Volunteer: volunteer, Team: team, TeamMembership: membership, Activity: activity, SignUp: signup,
    Account: account, Transfer: transfer, Line: line, Reward: reward,
}
