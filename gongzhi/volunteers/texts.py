"""Sentences the volunteering pages show (their views live in ``web``): kept here, in the app's catalogue."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def not_allowed() -> str:
    return _("You are not allowed to do this.")


def applied() -> str:
    return _("Thank you: your application was sent to the community, which will verify it.")


def signed_up(waiting: bool) -> str:
    if waiting:
        return _("The activity is full: you are on the waiting list and move up when a place is given back.")
    return _("You have a place. Scan the organiser's code on the day to check in.")


def cancelled() -> str:
    return _("Your place was given back.")


def saved() -> str:
    return _("Saved.")


def reward_gone() -> str:
    return _("This reward is not on offer in your community.")


def redeemed(title: str, created: bool) -> str:
    if not created:
        return _("“%(title)s” was already redeemed with this request; nothing more was taken.") % {"title": title}
    return _("You redeemed “%(title)s”.") % {"title": title}


def no_such_family_member() -> str:
    return _("There is no such volunteer in your household.")


def given(name: str, hours: str, created: bool) -> str:
    if not created:
        return _("This gift was already made; nothing more was given.")
    return _("You gave %(hours)s hours to %(name)s.") % {"hours": hours, "name": name}


def no_such_volunteer() -> str:
    return _("There is no such volunteer in your area.")


def no_such_signup() -> str:
    return _("There is no such sign-up.")


def statement_title(year: int) -> str:
    return _("Volunteer service statement %(year)d") % {"year": year}


def figures_sheet() -> str:
    return _("Volunteer figures")


def figures_headers() -> list[str]:
    return [_("Community"), _("Community code"), _("Month"), _("Hours earned"), _("Hours spent"), _("Points earned"),
            _("Points spent"), _("Activities held"), _("Attendances")]


def places_left(n: int) -> str:
    return ngettext("%(n)d place left", "%(n)d places left", n) % {"n": n}
