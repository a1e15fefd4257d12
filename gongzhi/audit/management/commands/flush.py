"""``flush`` that may empty the audit trail: the one sanctioned way past its triggers.

Django's flush empties every table, which the append-only triggers of
:mod:`gongzhi.audit.triggers` would refuse for the audit table. Emptying the
whole database is an explicit, confirmed operator action (and what the test
runner does between transactional tests), so the triggers are suspended for
its duration and restored afterwards, whatever happens.
"""

from django.core.management.commands import flush
from django.db import connections

from gongzhi.audit import triggers


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        with triggers.suspended(connection):
            return super().handle(**options)
