"""Reads of the volunteers app, always scoped (staff) or narrowed to the resident's own rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Region

from .ledger import format_amount
from .models import (
    Account,
    AccountKind,
    Activity,
    ActivityState,
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
    VolunteerStatus,
)
from .models.activities import HOLDS_PLACE
from .models.people import community_code


def _id(value) -> int | None:
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


# --- volunteers and teams -------------------------------------------------------------------


def volunteers_for(actor, *, q: str = "", status: str = "") -> QuerySet:
    queryset = scope_queryset(Volunteer.objects.select_related("region", "person"), actor)
    if status in VolunteerStatus.values:
        queryset = queryset.filter(status=status)
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(skills__icontains=q))
    return queryset.order_by("status", "name", "id")


def volunteer_for(actor, volunteer_id) -> Volunteer | None:
    pk = _id(volunteer_id)
    return volunteers_for(actor).filter(pk=pk).first() if pk else None


def volunteer_of(user) -> Volunteer | None:
    """The signed-in person's own volunteer record, if they applied."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return None
    return Volunteer.objects.filter(user_id=user.pk).select_related("region").first()


def teams_for(actor) -> QuerySet:
    return scope_queryset(Team.objects.select_related("region"), actor).annotate(
        member_count=Count("memberships")).order_by("-active", "name", "id")


def team_for(actor, team_id) -> Team | None:
    pk = _id(team_id)
    return teams_for(actor).filter(pk=pk).first() if pk else None


def memberships_of(team: Team) -> QuerySet:
    return TeamMembership.objects.filter(team=team).select_related("volunteer").order_by("role", "volunteer__name")


def teams_of_volunteer(volunteer: Volunteer) -> QuerySet:
    return TeamMembership.objects.filter(volunteer=volunteer).select_related("team").order_by("team__name")


# --- activities ---------------------------------------------------------------------------


def _with_counts(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(
        taken=Count("signups", filter=Q(signups__state__in=HOLDS_PLACE)),
        waiting=Count("signups", filter=Q(signups__state=SignUpState.WAITLISTED)),
    )


def activities_for(actor, *, state: str = "", q: str = "", upcoming: bool | None = None) -> QuerySet:
    """The activities of the staff member's area, newest first."""
    queryset = scope_queryset(Activity.objects.select_related("region", "team"), actor)
    if state in ActivityState.values:
        queryset = queryset.filter(state=state)
    if upcoming is not None:
        now = timezone.now()
        queryset = queryset.filter(ends_at__gte=now) if upcoming else queryset.filter(ends_at__lt=now)
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(place__icontains=q) | Q(skills__icontains=q))
    return _with_counts(queryset).order_by("-starts_at", "-id")


def activity_for(actor, activity_id) -> Activity | None:
    pk = _id(activity_id)
    return activities_for(actor).filter(pk=pk).first() if pk else None


def open_activities(*, region_code: str = "", q: str = "", now: dt.datetime | None = None) -> QuerySet:
    """Published activities not yet started: public to every signed-in person (a resident browses them).
    ``region_code`` narrows to a community (or grid) and what lies under it."""
    now = now or timezone.now()
    queryset = Activity.objects.filter(state=ActivityState.PUBLISHED, starts_at__gt=now).select_related("region")
    if region_code:
        queryset = queryset.filter(region__code__startswith=community_code_of(region_code))
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(place__icontains=q) | Q(skills__icontains=q))
    return _with_counts(queryset).order_by("starts_at", "id")


def community_code_of(code: str) -> str:
    return code[:12] if len(code) >= 12 else code


def public_activity(activity_id) -> Activity | None:
    """An activity a resident may look at: published, running or finished (never a draft)."""
    pk = _id(activity_id)
    if not pk:
        return None
    return _with_counts(Activity.objects.filter(
        pk=pk, state__in=(ActivityState.PUBLISHED, ActivityState.FINISHED)).select_related("region")).first()


def signups_of(activity: Activity) -> QuerySet:
    return SignUp.objects.filter(activity=activity).select_related("volunteer").order_by("signed_up_at", "id")


def signup_for(actor, signup_id) -> SignUp | None:
    pk = _id(signup_id)
    if not pk:
        return None
    return scope_queryset(SignUp.objects.select_related("activity", "volunteer"), actor).filter(pk=pk).first()


def signups_of_volunteer(volunteer: Volunteer) -> QuerySet:
    return SignUp.objects.filter(volunteer=volunteer).select_related("activity").order_by("-activity__starts_at")


def signup_of(volunteer: Volunteer | None, activity: Activity) -> SignUp | None:
    if volunteer is None:
        return None
    return SignUp.objects.filter(volunteer=volunteer, activity=activity).first()


# --- the ledger ----------------------------------------------------------------------------


def balances(volunteer: Volunteer) -> dict[str, int]:
    """{currency: balance} of a volunteer (0 where no account yet)."""
    found = dict(Account.objects.filter(volunteer=volunteer).values_list("currency", "balance"))
    return {currency: found.get(currency, 0) for currency in Currency.values}


def lines_of(volunteer: Volunteer, *, currency: str = "") -> QuerySet:
    """The volunteer's ledger lines, newest first, with their transfers."""
    queryset = Line.objects.filter(account__volunteer=volunteer).select_related("transfer", "account",
                                                                                 "transfer__reward")
    if currency in Currency.values:
        queryset = queryset.filter(account__currency=currency)
    return queryset.order_by("-transfer__created_at", "-transfer_id", "-id")


def rewards_for_volunteer(volunteer: Volunteer | None, *, currency: str = "") -> QuerySet:
    """The shop of the volunteer's community: rewards on offer, in stock."""
    if volunteer is None:
        return Reward.objects.none()
    queryset = Reward.objects.filter(active=True, region__code__startswith=volunteer.community_code).filter(
        Q(stock__isnull=True) | Q(stock__gt=0)).select_related("offered_by", "region")
    if currency in Currency.values:
        queryset = queryset.filter(currency=currency)
    return queryset.order_by("currency", "price", "id")


def rewards_for(actor) -> QuerySet:
    return scope_queryset(Reward.objects.select_related("region", "offered_by"), actor).order_by(
        "-active", "currency", "price", "id")


def reward_for(actor, reward_id) -> Reward | None:
    pk = _id(reward_id)
    return rewards_for(actor).filter(pk=pk).first() if pk else None


def family_members(volunteer: Volunteer) -> QuerySet:
    """The verified volunteers of the volunteer's household (whom hours may be given to)."""
    from .ledger import family_of

    ids = family_of(volunteer) - ({volunteer.person_id} if volunteer.person_id else set())
    return Volunteer.objects.filter(person_id__in=ids, status=VolunteerStatus.VERIFIED).order_by("name")


@dataclass
class StatementRow:
    at: dt.datetime
    kind: str
    kind_label: str
    memo: str
    currency: str
    amount: int
    balance: int

    @property
    def amount_text(self) -> str:
        sign = "+" if self.amount > 0 else "−"
        return sign + format_amount(self.currency, abs(self.amount))

    @property
    def balance_text(self) -> str:
        return format_amount(self.currency, self.balance)


@dataclass
class Statement:
    """A volunteer's year: opening and closing balances, every movement, totals by kind."""

    volunteer: Volunteer
    year: int
    opening: dict[str, int]
    closing: dict[str, int]
    rows: dict[str, list[StatementRow]] = field(default_factory=dict)
    totals: dict[str, dict[str, int]] = field(default_factory=dict)
    activities: int = 0

    def text(self, currency: str, which: str) -> str:
        return format_amount(currency, getattr(self, which)[currency])


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz))


def statement(volunteer: Volunteer, year: int) -> Statement:
    """The yearly statement of one volunteer, from the ledger's lines only."""
    start, end = _year_bounds(year)
    lines = Line.objects.filter(account__volunteer=volunteer)
    opening = {c: 0 for c in Currency.values}
    for currency, total in (lines.filter(transfer__created_at__lt=start).values("account__currency")
                            .annotate(t=Sum("amount")).values_list("account__currency", "t")):
        opening[currency] = total
    result = Statement(volunteer=volunteer, year=year, opening=opening, closing=dict(opening),
                       rows={c: [] for c in Currency.values},
                       totals={c: defaultdict(int) for c in Currency.values})
    labels = dict(TransferKind.choices)
    running = dict(opening)
    for line in (lines.filter(transfer__created_at__gte=start, transfer__created_at__lt=end)
                 .select_related("transfer", "account").order_by("transfer__created_at", "transfer_id", "id")):
        currency, transfer = line.account.currency, line.transfer
        running[currency] += line.amount
        result.rows[currency].append(StatementRow(
            at=transfer.created_at, kind=transfer.kind, kind_label=str(labels.get(transfer.kind, transfer.kind)),
            memo=transfer.memo, currency=currency, amount=line.amount, balance=running[currency]))
        result.totals[currency][transfer.kind] += line.amount
    result.closing = running
    result.totals = {c: dict(t) for c, t in result.totals.items()}
    result.activities = SignUp.objects.filter(volunteer=volunteer, state=SignUpState.ATTENDED,
                                              activity__starts_at__gte=start, activity__starts_at__lt=end).count()
    return result


# --- figures ---------------------------------------------------------------------------------


@dataclass
class FigureRow:
    community: str
    community_name: str
    month: dt.date
    hours_earned: int = 0  # minutes
    points_earned: int = 0
    hours_spent: int = 0
    points_spent: int = 0
    activities: int = 0
    attendances: int = 0


def figures(actor, *, start: dt.date, end: dt.date) -> list[FigureRow]:
    """Volunteer hours and points by community and month in [start, end], with activities held and
    attendances: from the ledger's transfers and the sign-ups, in the actor's area."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows: dict[tuple[str, dt.date], FigureRow] = {}

    def row(code: str, month) -> FigureRow:
        key = (code[:12], month.date() if isinstance(month, dt.datetime) else month)
        if key not in rows:
            rows[key] = FigureRow(community=key[0], community_name="", month=key[1])
        return rows[key]

    transfers = scope_queryset(Transfer.objects.filter(created_at__gte=since, created_at__lt=until), actor)
    earned_kinds = (TransferKind.EARN, TransferKind.AWARD, TransferKind.CORRECTION)
    for code, month, kind, currency, total in (
            transfers.annotate(month=TruncMonth("created_at", tzinfo=tz))
            .values_list("region__code", "month", "kind", "currency").annotate(t=Sum("amount"))
            .values_list("region__code", "month", "kind", "currency", "t")):
        target = row(code or "", month)
        if kind == TransferKind.CORRECTION:
            continue  # a correction's direction is in its lines; counted below
        name = ("hours" if currency == Currency.HOURS else "points") + (
            "_earned" if kind in earned_kinds else "_spent" if kind == TransferKind.SPEND else "")
        if hasattr(target, name):
            setattr(target, name, getattr(target, name) + total)
    corrections = scope_queryset(Line.objects.filter(
        transfer__kind=TransferKind.CORRECTION, account__kind=AccountKind.MEMBER,
        transfer__created_at__gte=since, transfer__created_at__lt=until), actor)
    for code, month, currency, total in (
            corrections.annotate(month=TruncMonth("transfer__created_at", tzinfo=tz))
            .values_list("transfer__region__code", "month", "account__currency").annotate(t=Sum("amount"))
            .values_list("transfer__region__code", "month", "account__currency", "t")):
        target = row(code or "", month)
        name = "hours_earned" if currency == Currency.HOURS else "points_earned"
        setattr(target, name, getattr(target, name) + total)
    held = scope_queryset(Activity.objects.filter(starts_at__gte=since, starts_at__lt=until).exclude(
        state__in=(ActivityState.DRAFT, ActivityState.CANCELLED)), actor)
    for code, month, count, attended in (
            held.annotate(month=TruncMonth("starts_at", tzinfo=tz)).values_list("region__code", "month")
            .annotate(n=Count("id", distinct=True),
                      a=Count("signups", filter=Q(signups__state=SignUpState.ATTENDED)))
            .values_list("region__code", "month", "n", "a")):
        target = row(code, month)
        target.activities += count
        target.attendances += attended
    names = dict(Region.objects.filter(code__in={code for code, _m in rows}).values_list("code", "name"))
    for value in rows.values():
        value.community_name = names.get(value.community, value.community)
    return sorted(rows.values(), key=lambda r: (r.month, r.community))
