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


def command_actor(command: str) -> SystemActor:
    try:
        who = getpass.getuser()
    except Exception:  # no passwd entry (containers): the command name is still a trace
        who = "?"
    return SystemActor(username=f"system:{command} ({who})")
