"""The actor of work started at the server's shell rather than by a signed-in user.

Management commands are run by whoever operates the server; they are trusted
like a superuser, but their changes still go through the services and leave
a trace. The trace names the command and the operating-system account that
ran it, so ``create_api_key`` run by ``ops`` reads ``system:create_api_key (ops)``.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from gongzhi.core.scoping import Scope


@dataclass(frozen=True)
class SystemActor:
    username: str

    is_authenticated = True
    is_superuser = True
    is_active = True
    pk = None
    role = None
    scope = Scope.everything()

    def __str__(self):
        return self.username


@dataclass(frozen=True)
class PublicVisitor:
    """The anonymous visitor of an area's public pages (居务公开): sees only what is published there.

    ``prefixes`` are the significant prefix of the region code of the area looked at (a community:
    everything under it) and the full codes of the regions above it (rows placed at the street or
    the district themselves, such as a street's notice, and nothing else of theirs). It holds no
    capability and is nobody: every write refuses it, and ``scope_queryset`` gives it the rows of
    models whose ``ScopeSpec`` declares ``public`` that are published, in that area only.
    """

    prefixes: tuple[str, ...]

    is_authenticated = False
    is_superuser = False
    is_active = False
    pk = None
    role = None
    username = "public"

    @classmethod
    def of(cls, region) -> PublicVisitor:
        """The visitor of ``region``'s public pages."""
        above = []
        node = region.parent
        while node is not None:
            above.append(node.code)
            node = node.parent
        return cls(prefixes=(region.prefix, *above))

    @property
    def scope(self) -> Scope:
        return Scope.public(self.prefixes)

    def __str__(self):
        return f"public:{self.prefixes[0] if self.prefixes else ''}"


def command_actor(command: str) -> SystemActor:
    try:
        who = getpass.getuser()
    except Exception:  # no passwd entry (containers): the command name is still a trace
        who = "?"
    return SystemActor(username=f"system:{command} ({who})")


def user_of(actor):
    """The person behind an actor, or None when no person acts.

    Records name the user who did something (``created_by``, ``decided_by``,
    an event's ``actor_id``). Only a signed-in :class:`~gongzhi.accounts.models.User`
    is such a person: an API key acts for its unit and the system actor for the
    operator at the shell; both leave their name in the audit trail's label
    instead. This is the one test of "is this a person"; asking
    ``hasattr(actor, "username")`` would take the system actor for a user.
    """
    from gongzhi.accounts.models import User

    if isinstance(actor, User) and actor.is_authenticated:
        return actor
    return None


def actor_of(request):
    """The acting user or API key of a request (API key first, then the session)."""
    actor = getattr(request, "actor", None) or getattr(request, "auth", None)
    if actor is None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return actor


def add_actor_argument(parser, *aliases: str) -> None:
    """``--as USERNAME`` for a management command (older names kept as aliases).

    Without it a command acts as the named system actor of that command; with
    it, as that user, whose capabilities and area are checked like on a page.
    """
    parser.add_argument(
        "--as", *aliases, dest="as_user", metavar="USERNAME",
        help="act as this user (capabilities and area are checked); default: the system actor "
             "of this command, named in the audit trail with the operator's account")


def command_actor_from(options: dict, command: str):
    """The actor a command runs as: the ``--as`` user, or the command's system actor."""
    from django.core.management.base import CommandError
    from django.utils.translation import gettext as _

    from gongzhi.accounts.models import User

    username = options.get("as_user")
    if not username:
        return command_actor(command)
    user = User.objects.select_related("region", "unit").filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user named %(name)s.") % {"name": username})
    return user
