"""Sentences the mediation pages show (their views live in ``web``): kept here, in the app's catalogue."""

from django.utils.translation import gettext as _


def saved() -> str:
    return _("Saved.")


def registered(number: str) -> str:
    return _("Dispute %(number)s was registered.") % {"number": number}


def no_such_party() -> str:
    return _("There is no such party to this dispute.")


def no_such_confirmation() -> str:
    return _("There is no such application for judicial confirmation.")


def no_agreement() -> str:
    return _("This dispute has no written agreement.")


def unknown_action() -> str:
    return _("Choose one of the actions shown on the page.")


def not_allowed() -> str:
    return _("You are not allowed to do this.")


def found_in_registry(count: int) -> str:
    if not count:
        return _("Nobody in the registry of your area matches; enter the party instead.")
    return _("Choose the party among the matches of the registry.")


def nothing_to_search() -> str:
    return _("Type a name, an ID number or a phone number to search the registry.")


def search_needs_registry() -> str:
    return _("You may not search the registry: enter the party instead.")
