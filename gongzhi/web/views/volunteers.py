"""Volunteering: the resident's pages (apply, browse and sign up, scan to check in and out, my hours and
points, the shop, gifts to family, the yearly statement) and the staff console (volunteers, teams,
activities with their QR codes and sign-ups, the shop, figures). Thin: the services and selectors of
``gongzhi.volunteers`` do the work; their refusals are shown as messages.

The page's templates live with the app (``volunteers/templates/volunteers/``), their strings in its
catalogue; the messages below come from ``gongzhi.volunteers.texts`` for the same reason.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from gongzhi.accounts.roles import can
from gongzhi.audit.reveal import RevealRefused
from gongzhi.core import documents, exports
from gongzhi.volunteers import checkin, ledger, selectors, texts
from gongzhi.volunteers.models import ActivityState, Currency, SignUpState, TeamRole, VolunteerStatus
from gongzhi.volunteers.services import activities, people, shop

from ..access import page
from ..navigation import sees_volunteers, volunteers_at_all

PAGE_SIZE = 20


def _refused(request, exc) -> None:
    if isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, str(exc) or texts.not_allowed())


def _run(request, action, success: str = "") -> bool:
    """Call ``action()``; show its refusal as a message. True when it went through."""
    try:
        action()
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
        return False
    if success:
        messages.success(request, success)
    return True


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _statement_pdf(volunteer, year: int, actor) -> HttpResponse:
    result = selectors.statement(volunteer, year)
    rows = {c: result.rows[c] for c in Currency.values}
    pdf = documents.render_pdf("documents/volunteer_statement.html", {
        "volunteer": volunteer.name, "community": volunteer.region.name, "year": year,
        "opening_hours": result.text(Currency.HOURS, "opening"), "closing_hours": result.text(Currency.HOURS, "closing"),
        "opening_points": result.text(Currency.POINTS, "opening"),
        "closing_points": result.text(Currency.POINTS, "closing"),
        "hours_rows": rows[Currency.HOURS], "points_rows": rows[Currency.POINTS], "activities": result.activities,
        "issued": timezone.localdate().isoformat(),
    }, number=f"ZY-{year}-{volunteer.pk:06d}", title=texts.statement_title(year),
        watermark=exports.Watermark.of(actor, texts.statement_title(year)))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="volunteer-statement-{year}-{volunteer.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the resident ---------------------------------------------------------------------------------------


@page(volunteers_at_all)
def home(request):
    volunteer = selectors.volunteer_of(request.user)
    if request.method == "POST" and volunteer is None:
        values = {k: request.POST.get(k, "") for k in ("region", "name", "phone", "id_number", "skills")}
        if _run(request, lambda: people.apply(actor=request.user, **values), texts.applied()):
            return redirect("volunteer_home")
        return render(request, "volunteers/home.html", {"volunteer": None, "values": values,
                                                        "communities": _communities(request.user)}, status=400)
    context = {"volunteer": volunteer, "values": {}, "communities": _communities(request.user) if volunteer is None else []}
    if volunteer is not None:
        context.update(balances=selectors.balances(volunteer),
                       signups=selectors.signups_of_volunteer(volunteer)[:10],
                       teams=selectors.teams_of_volunteer(volunteer),
                       hours=ledger.format_amount(Currency.HOURS, selectors.balances(volunteer)[Currency.HOURS]))
    return render(request, "volunteers/home.html", context)


def _communities(user):
    """The communities one may apply in: those of one's area (all, for someone placed nowhere)."""
    from gongzhi.regions.models import Level, Region

    communities = Region.objects.filter(level=Level.COMMUNITY)
    region = getattr(user, "region", None)
    if region is not None:
        prefix = region.code[:12] if region.level in (Level.COMMUNITY, Level.GRID) else region.prefix
        communities = communities.filter(code__startswith=prefix)
    return communities.order_by("code").values("code", "name")[:500]


@page(volunteers_at_all)
def browse(request):
    q = request.GET.get("q", "")[:100]
    volunteer = selectors.volunteer_of(request.user)
    region = volunteer.community_code if volunteer is not None else ""
    found = Paginator(selectors.open_activities(region_code=region, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/browse.html", {"page": found, "q": q, "volunteer": volunteer,
                                                      "query": f"q={q}" if q else ""})


@page(volunteers_at_all)
def activity(request, activity_id):
    found = selectors.public_activity(activity_id)
    if found is None:
        raise Http404
    volunteer = selectors.volunteer_of(request.user)
    signup = selectors.signup_of(volunteer, found)
    if request.method == "POST":
        if request.POST.get("action") == "cancel" and signup is not None:
            _run(request, lambda: activities.cancel_sign_up(actor=request.user, signup=signup), texts.cancelled())
        else:
            def act():
                made = activities.sign_up(actor=request.user, activity=found)
                messages.success(request, texts.signed_up(made.state == SignUpState.WAITLISTED))
            _run(request, act)
        return redirect("volunteer_activity", activity_id=found.pk)
    return render(request, "volunteers/activity.html", {"activity": found, "volunteer": volunteer, "signup": signup})


@page(volunteers_at_all)
def scan(request):
    token = (request.POST.get("c") or request.GET.get("c") or "")[:checkin.TOKEN_MAX]
    result, code_activity = None, None
    if not token:  # opened without a code: how to check in
        return render(request, "volunteers/scan.html", {"token": "", "activity": None})
    try:
        code = checkin.read_token(token)
        code_activity = selectors.public_activity(code.activity_id)
    except ValidationError as exc:
        _refused(request, exc)
        return render(request, "volunteers/scan.html", {"token": "", "activity": None}, status=400)
    if request.method == "POST":
        try:
            result = activities.scan(actor=request.user, token=token)
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, exc)
        else:
            (messages.success if result.changed else messages.info)(request, result.message)
            return redirect("volunteer_home")
    return render(request, "volunteers/scan.html", {"token": token, "activity": code_activity,
                                                    "direction": code.direction})


@page(volunteers_at_all)
def my_ledger(request):
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        return redirect("volunteer_home")
    currency = request.GET.get("currency", "")
    lines = Paginator(selectors.lines_of(volunteer, currency=currency), PAGE_SIZE).get_page(request.GET.get("page"))
    this_year = timezone.localdate().year
    return render(request, "volunteers/ledger.html", {
        "volunteer": volunteer, "page": lines, "balances": selectors.balances(volunteer),
        "hours": ledger.format_amount(Currency.HOURS, selectors.balances(volunteer)[Currency.HOURS]),
        "years": list(range(this_year, this_year - 3, -1)), "query": f"currency={currency}" if currency else ""})


@page(volunteers_at_all)
def my_statement(request, year):
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        raise Http404
    return _statement_pdf(volunteer, _year(year), request.user)


@page(volunteers_at_all)
def my_shop(request):
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        return redirect("volunteer_home")
    if request.method == "POST":
        reward = selectors.rewards_for_volunteer(volunteer).filter(pk=request.POST.get("reward") or 0).first()
        if reward is None:
            messages.error(request, texts.reward_gone())
        else:
            def act():
                posted = ledger.redeem(actor=request.user, volunteer=volunteer, reward=reward,
                                       key=request.POST.get("key", ""))
                messages.success(request, texts.redeemed(reward.title, posted.created))
            _run(request, act)
        return redirect("volunteer_shop")
    balances = selectors.balances(volunteer)
    return render(request, "volunteers/shop.html", {
        "volunteer": volunteer, "rewards": selectors.rewards_for_volunteer(volunteer)[:200], "balances": balances,
        "hours": ledger.format_amount(Currency.HOURS, balances[Currency.HOURS]), "key": uuid.uuid4().hex})


@page(volunteers_at_all)
def gift(request):
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        return redirect("volunteer_home")
    family = selectors.family_members(volunteer)
    if request.method == "POST":
        receiver = family.filter(pk=request.POST.get("receiver") or 0).first()
        if receiver is None:
            messages.error(request, texts.no_such_family_member())
        else:
            def act():
                minutes = ledger.parse_hours(request.POST.get("hours", ""))
                posted = ledger.gift(actor=request.user, giver=volunteer, receiver=receiver,
                                     currency=Currency.HOURS, amount=minutes, key=request.POST.get("key", ""),
                                     memo=request.POST.get("memo", ""))
                messages.success(request, texts.given(receiver.name, ledger.format_amount(Currency.HOURS, minutes),
                                                      posted.created))
            if _run(request, act):
                return redirect("volunteer_ledger")
        return redirect("volunteer_gift")
    balances = selectors.balances(volunteer)
    from django.conf import settings

    return render(request, "volunteers/gift.html", {
        "volunteer": volunteer, "family": family, "key": uuid.uuid4().hex,
        "allowed": Currency.HOURS in settings.VOLUNTEERS_FAMILY_GIFT_CURRENCIES,
        "hours": ledger.format_amount(Currency.HOURS, balances[Currency.HOURS])})


# --- staff ----------------------------------------------------------------------------------------------


def _staff_volunteer(request, volunteer_id):
    found = selectors.volunteer_for(request.user, volunteer_id)
    if found is None:
        raise Http404
    return found


@page(sees_volunteers)
def staff_volunteers(request):
    q, status = request.GET.get("q", "")[:100], request.GET.get("status", "")
    found = Paginator(selectors.volunteers_for(request.user, q=q, status=status), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "volunteers/staff_volunteers.html", {
        "page": found, "q": q, "status": status, "statuses": VolunteerStatus.choices,
        "query": "&".join(f"{k}={v}" for k, v in (("q", q), ("status", status)) if v)})


@page(sees_volunteers)
def staff_volunteer(request, volunteer_id):
    volunteer = _staff_volunteer(request, volunteer_id)
    revealed = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        if action == "reveal":
            try:
                revealed = (request.POST.get("field"), people.reveal_personal_field(
                    actor=request.user, volunteer=volunteer, field=request.POST.get("field", ""), reason=reason))
            except (ValidationError, PermissionDenied, RevealRefused) as exc:
                _refused(request, exc)
        else:
            if action == "verify":
                done = _run(request, lambda: people.verify(actor=request.user, volunteer=volunteer), texts.saved())
            elif action in ("reject", "suspend", "reinstate"):
                done = _run(request, lambda: people.change_status(actor=request.user, volunteer=volunteer,
                                                                   action=action, reason=reason), texts.saved())
            elif action == "award":
                done = _run(request, lambda: ledger.award_points(
                    actor=request.user, volunteer=volunteer, points=request.POST.get("points", ""), reason=reason,
                    key=request.POST.get("key", "")), texts.saved())
            else:
                done = False
            if done or action:
                return redirect("volunteers_staff_detail", volunteer_id=volunteer.pk)
    balances = selectors.balances(volunteer)
    this_year = timezone.localdate().year
    return render(request, "volunteers/staff_volunteer.html", {
        "volunteer": volunteer, "revealed": revealed, "balances": balances,
        "hours": ledger.format_amount(Currency.HOURS, balances[Currency.HOURS]),
        "lines": selectors.lines_of(volunteer)[:20], "teams": selectors.teams_of_volunteer(volunteer),
        "candidates": people.candidates_for(volunteer)[:5] if volunteer.status == VolunteerStatus.APPLIED else [],
        "manage": can(request.user, "volunteers.manage"), "reveal": can(request.user, "volunteers.reveal"),
        "years": list(range(this_year, this_year - 3, -1)), "key": uuid.uuid4().hex})


@page(sees_volunteers)
def staff_statement(request, volunteer_id, year):
    return _statement_pdf(_staff_volunteer(request, volunteer_id), _year(year), request.user)


@page(sees_volunteers)
def staff_teams(request):
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("region", "name", "description")}
        _run(request, lambda: people.create_team(actor=request.user, **values), texts.saved())
        return redirect("volunteers_teams")
    return render(request, "volunteers/staff_teams.html", {
        "teams": selectors.teams_for(request.user)[:500], "manage": can(request.user, "volunteers.manage"),
        "places": _places(request.user)})


def _places(user):
    """Communities and grids of the user's area, for the pickers."""
    from gongzhi.core.scoping import scope_queryset
    from gongzhi.regions.models import Level, Region

    return scope_queryset(Region.objects.filter(level__in=(Level.COMMUNITY, Level.GRID)), user).order_by(
        "code").values("code", "name", "level")[:500]


@page(sees_volunteers)
def staff_team(request, team_id):
    team = selectors.team_for(request.user, team_id)
    if team is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            membership = selectors.memberships_of(team).filter(pk=request.POST.get("membership") or 0).first()
            if membership is not None:
                _run(request, lambda: people.remove_member(actor=request.user, membership=membership), texts.saved())
        else:
            member = selectors.volunteer_for(request.user, request.POST.get("volunteer"))
            if member is None:
                messages.error(request, texts.no_such_volunteer())
            else:
                role = request.POST.get("role", TeamRole.MEMBER)
                _run(request, lambda: people.add_member(actor=request.user, team=team, volunteer=member, role=role),
                     texts.saved())
        return redirect("volunteers_team", team_id=team.pk)
    members = selectors.memberships_of(team)
    member_ids = set(members.values_list("volunteer_id", flat=True))
    candidates = [v for v in selectors.volunteers_for(request.user, status=VolunteerStatus.VERIFIED)[:300]
                  if v.pk not in member_ids and v.community_code == team.community_code]
    return render(request, "volunteers/staff_team.html", {
        "team": team, "members": members, "candidates": candidates, "roles": TeamRole.choices,
        "activities": team.activities.order_by("-starts_at")[:20], "manage": can(request.user, "volunteers.manage")})


@page(sees_volunteers)
def staff_activities(request):
    q, state = request.GET.get("q", "")[:100], request.GET.get("state", "")
    found = Paginator(selectors.activities_for(request.user, q=q, state=state), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "volunteers/staff_activities.html", {
        "page": found, "q": q, "state": state, "states": ActivityState.choices,
        "manage": can(request.user, "volunteers.manage"),
        "query": "&".join(f"{k}={v}" for k, v in (("q", q), ("state", state)) if v)})


def _when(value: str):
    parsed = parse_datetime(value.strip()) if value else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _party_rows(user) -> dict:
    """The party's needs, projects and service posts of the user's area an activity may serve."""
    from gongzhi.core.scoping import scope_queryset
    from gongzhi.party.models import Need, Project, ServicePost

    return {"need": scope_queryset(Need.objects.order_by("-id"), user),
            "project": scope_queryset(Project.objects.order_by("-id"), user),
            "service_post": scope_queryset(ServicePost.objects.order_by("name"), user)}


@page(sees_volunteers)
def staff_activity_new(request):
    values = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in (
            "region", "title", "description", "place", "starts_at", "ends_at", "slots", "skills",
            "hours_cap_minutes", "points", "team", "need", "project", "service_post")}
        team = selectors.team_for(request.user, values["team"]) if values["team"] else None
        links = {name: _party_rows(request.user)[name].filter(pk=values[name]).first() if values[name].isdigit()
                 else None for name in ("need", "project", "service_post")}

        def act():
            made = activities.create_activity(
                actor=request.user, region=values["region"], title=values["title"],
                description=values["description"], place=values["place"], starts_at=_when(values["starts_at"]),
                ends_at=_when(values["ends_at"]), slots=values["slots"] or 0, skills=values["skills"],
                hours_cap_minutes=values["hours_cap_minutes"] or None, points=values["points"] or 0, team=team,
                publish=request.POST.get("publish") == "1", **links)
            request.made = made
        if _run(request, act, texts.saved()):
            return redirect("volunteers_activity", activity_id=request.made.pk)
    return render(request, "volunteers/staff_activity_new.html", {
        "values": values, "places": _places(request.user), "teams": selectors.teams_for(request.user)[:200],
        **{f"{name}s": rows[:200] for name, rows in _party_rows(request.user).items()}},
        status=400 if request.method == "POST" else 200)


def _local_input(value) -> str:
    """A time as a ``datetime-local`` input shows it, in the local time zone."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


@page(sees_volunteers)
def staff_activity_edit(request, activity_id):
    """Change an activity that is not over (the same form as a new one; more places move the waiting list up)."""
    found = selectors.activity_for(request.user, activity_id)
    if found is None:
        raise Http404
    if not can(request.user, "volunteers.manage"):
        raise PermissionDenied(texts.not_allowed())
    names = ("region", "title", "description", "place", "starts_at", "ends_at", "slots", "skills",
             "hours_cap_minutes", "points", "team", "need", "project", "service_post")
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in names}
        team = selectors.team_for(request.user, values["team"]) if values["team"] else None
        rows = _party_rows(request.user)
        links = {name: rows[name].filter(pk=values[name]).first() if values[name].isdigit() else None
                 for name in ("need", "project", "service_post")}

        def act():
            activities.change_activity(
                actor=request.user, activity=found, region=values["region"], title=values["title"],
                description=values["description"], place=values["place"], starts_at=_when(values["starts_at"]),
                ends_at=_when(values["ends_at"]), slots=values["slots"] or 0, skills=values["skills"],
                hours_cap_minutes=values["hours_cap_minutes"] or None, points=values["points"] or 0, team=team,
                **links)
        if _run(request, act, texts.saved()):
            return redirect("volunteers_activity", activity_id=found.pk)
        status = 400
    else:
        values = {"region": found.region.code, "title": found.title, "description": found.description,
                  "place": found.place, "starts_at": _local_input(found.starts_at),
                  "ends_at": _local_input(found.ends_at), "slots": str(found.slots), "skills": found.skills,
                  "hours_cap_minutes": str(found.hours_cap_minutes), "points": str(found.points),
                  **{name: str(getattr(found, f"{name}_id") or "") for name in ("team", "need", "project",
                                                                                "service_post")}}
        status = 200
    return render(request, "volunteers/staff_activity_new.html", {
        "activity": found, "values": values, "places": _places(request.user),
        "teams": selectors.teams_for(request.user)[:200],
        **{f"{name}s": rows[:200] for name, rows in _party_rows(request.user).items()}}, status=status)


@page(sees_volunteers)
def staff_activity(request, activity_id):
    found = selectors.activity_for(request.user, activity_id)
    if found is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        if action == "publish":
            _run(request, lambda: activities.publish_activity(actor=request.user, activity=found), texts.saved())
        elif action == "cancel":
            _run(request, lambda: activities.cancel_activity(actor=request.user, activity=found, reason=reason),
                 texts.saved())
        elif action == "finish":
            _run(request, lambda: activities.finish_activity(actor=request.user, activity=found), texts.saved())
        elif action == "correct":
            signup = selectors.signup_for(request.user, request.POST.get("signup"))
            if signup is None or signup.activity_id != found.pk:
                messages.error(request, texts.no_such_signup())
            else:
                def act():
                    minutes = ledger.parse_hours(request.POST.get("hours", ""))
                    activities.correct_attendance(actor=request.user, signup=signup, minutes=minutes, reason=reason)
                _run(request, act, texts.saved())
        elif action == "signup":
            member = selectors.volunteer_for(request.user, request.POST.get("volunteer"))
            if member is None:
                messages.error(request, texts.no_such_volunteer())
            else:
                _run(request, lambda: activities.sign_up(actor=request.user, activity=found, volunteer=member),
                     texts.saved())
        return redirect("volunteers_activity", activity_id=found.pk)
    return render(request, "volunteers/staff_activity.html", {
        "activity": found, "signups": selectors.signups_of(found),
        "manage": can(request.user, "volunteers.manage"),
        "hours_cap": ledger.format_amount(Currency.HOURS, found.hours_cap_minutes),
        "open": found.state == ActivityState.PUBLISHED, "ended": found.ends_at <= timezone.now()})


@page(sees_volunteers)
def staff_activity_code(request, activity_id, direction):
    """The QR code the organiser shows; the page reloads itself before the code expires."""
    from django.conf import settings

    found = selectors.activity_for(request.user, activity_id)
    if found is None or direction not in (checkin.IN, checkin.OUT):
        raise Http404
    if not can(request.user, "volunteers.manage"):
        raise PermissionDenied(texts.not_allowed())
    token = checkin.make_token(found.pk, direction)
    url = request.build_absolute_uri(reverse("volunteer_scan")) + "?c=" + token
    return render(request, "volunteers/staff_code.html", {
        "activity": found, "direction": direction, "qr": checkin.qr_data_uri(url), "url": url,
        "refresh": max(settings.VOLUNTEERS_QR_SECONDS // 2, 5)})


@page(sees_volunteers)
def staff_shop(request):
    if request.method == "POST":
        if request.POST.get("action") == "toggle":
            reward = selectors.reward_for(request.user, request.POST.get("reward"))
            if reward is not None:
                _run(request, lambda: shop.change_reward(actor=request.user, reward=reward, active=not reward.active),
                     texts.saved())
        else:
            values = {k: request.POST.get(k, "") for k in ("region", "title", "description", "kind", "currency")}

            def act():
                price = request.POST.get("price", "")
                if values["currency"] == Currency.HOURS:
                    price = ledger.parse_hours(price) or 0
                shop.create_reward(actor=request.user, price=price, stock=request.POST.get("stock") or None,
                                   **values)
            _run(request, act, texts.saved())
        return redirect("volunteers_shop")
    return render(request, "volunteers/staff_shop.html", {
        "rewards": selectors.rewards_for(request.user)[:500], "places": _places(request.user),
        "manage": can(request.user, "volunteers.manage")})


def _period(request):
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today.replace(month=1, day=1)
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    if start > end or (end - start).days > 731:
        start, end = today.replace(month=1, day=1), today
    return start, end


def _figure_rows(request):
    start, end = _period(request)
    rows = selectors.figures(request.user, start=start, end=end)
    return start, end, rows


@page(sees_volunteers)
def staff_figures(request):
    start, end, rows = _figure_rows(request)
    return render(request, "volunteers/staff_figures.html", {
        "start": start, "end": end, "rows": [
            {"row": r, "hours_earned": ledger.format_amount(Currency.HOURS, r.hours_earned),
             "hours_spent": ledger.format_amount(Currency.HOURS, r.hours_spent)} for r in rows],
        "query": f"start={start.isoformat()}&end={end.isoformat()}"})


@page(sees_volunteers)
def staff_figures_export(request):
    start, end, rows = _figure_rows(request)
    content = exports.xlsx(texts.figures_sheet(), texts.figures_headers(), [
        [r.community_name, r.community, r.month.strftime("%Y-%m"),
         float(ledger.format_amount(Currency.HOURS, r.hours_earned)),
         float(ledger.format_amount(Currency.HOURS, r.hours_spent)), r.points_earned, r.points_spent,
         r.activities, r.attendances] for r in rows], watermark=exports.Watermark.of(request.user, texts.figures_sheet()))
    return exports.attachment(content, f"volunteer-figures-{start.isoformat()}-{end.isoformat()}.xlsx")
