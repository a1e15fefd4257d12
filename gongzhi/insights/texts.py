"""Sentences the intelligence pages show (their views live in ``web``): kept here, in the app's catalogue."""

from django.utils.translation import gettext as _


def not_allowed() -> str:
    return _("You are not allowed to do this.")


def bad_period() -> str:
    return _("The period is not valid: the end must come after the start, at most a year later. The last 30 days "
             "are shown.")


def topic_chosen(title: str) -> str:
    return _("“%(title)s” is the topic of the month. Its cases and figures are tracked below.") % {"title": title}


def topic_closed() -> str:
    return _("The topic is closed.")


def alert_handled(step: str) -> str:
    return {"take_on": _("The alert is taken on."), "done": _("The alert is done."),
            "dismiss": _("The alert is dismissed.")}.get(step, _("Saved."))


def router_activated(version: int) -> str:
    return _("Suggestions now come from model v%(version)d.") % {"version": version}


def router_deactivated() -> str:
    return _("No model is active: suggestions come from the routing rules alone.")


def no_such_alert() -> str:
    return _("There is no such alert in your area.")


def bad_month() -> str:
    return _("Give the month as YYYY-MM.")


def point_added() -> str:
    return _("The service point is on the map.")


def point_closed(name: str) -> str:
    return _("“%(name)s” is closed: it no longer counts in the coverage.") % {"name": name}


def gap_label(place: str, kind: str, minutes, households: int) -> str:
    if minutes is None:
        return _("%(place)s: no %(kind)s anywhere (%(n)d households)") % {"place": place, "kind": kind, "n": households}
    return _("%(place)s: %(kind)s %(minutes)s minutes away (%(n)d households)") % {
        "place": place, "kind": kind, "minutes": minutes, "n": households}
