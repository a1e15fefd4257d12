"""Sentences the party pages show (their views live in ``web``): kept here, in the app's catalogue."""

from django.utils.translation import gettext as _


def saved() -> str:
    return _("Saved.")


def not_found(what: str) -> str:
    return _("There is no such %(what)s in your area.") % {"what": what}


def no_such_organisation() -> str:
    return _("There is no such party organisation in your area.")


def no_such_unit() -> str:
    return _("There is no such unit or organisation in your area.")


def no_such_person() -> str:
    return _("There is no such person in your area.")


def no_such_report() -> str:
    return _("There is no such member report in your area.")


def no_such_decision() -> str:
    return _("There is no such decision of this meeting.")


def no_such_incubation() -> str:
    return _("There is no such incubation in your area.")


def bad_date(label: str) -> str:
    return _("%(field)s: enter a date as YYYY-MM-DD.") % {"field": label}


def bad_time(label: str) -> str:
    return _("%(field)s: enter a date and time as YYYY-MM-DD HH:MM.") % {"field": label}


def field(name: str) -> str:
    """The label of a date or time field a page parses before the service sees it."""
    labels = {
        "on": _("Date"), "term_start": _("Term from"), "term_end": _("Term until"), "starts_at": _("Starts at"),
    }
    return str(labels.get(name, name))


def revealed() -> str:
    return _("The name is shown below; the reveal was recorded.")
