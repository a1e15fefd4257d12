"""The ``--user`` option shared by the accounts commands."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import command_actor
from gongzhi.accounts.models import User


def add_user_option(parser):
    parser.add_argument("--user", help="act as this user (capability and area are checked); "
                                       "default: the operator at the shell, with full rights")


def actor_for(command: str, username: str | None):
    if not username:
        return command_actor(command)
    user = User.objects.select_related("region", "unit").filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user named %(name)s.") % {"name": username})
    return user
