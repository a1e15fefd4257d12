"""System checks of the production path (``manage.py check --deploy --database default``)."""

from django.core import checks
from django.db import connections


@checks.register(checks.Tags.database, deploy=True)
def check_autovacuum(app_configs=None, databases=None, **kwargs):
    """PostgreSQL's autovacuum must be on.

    Its ANALYZE is what keeps the planner's statistics current as cases and
    events accumulate; with it off, the tables that grow every day are planned
    as if they were as small as when last measured, and pages that read a day's
    events turn into full scans (docs/benchmarks.md, load test). Bulk writers
    of Gongzhi refresh the statistics of what they wrote; day-to-day work
    relies on autovacuum.
    """
    found = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            setting = cursor.fetchone()[0]
        if setting != "on":
            found.append(checks.Warning(
                f"PostgreSQL's autovacuum is {setting} on the database '{alias}'.",
                hint="Set autovacuum = on in postgresql.conf (the default) and reload the server; without it the "
                     "planner's statistics go stale as cases accumulate (docs/deploy.md).",
                id="gongzhi.ops.W001"))
    return found


@checks.register(checks.Tags.database, deploy=True)
def check_holiday_schedule(app_configs=None, databases=None, **kwargs):
    """A year whose holidays matter now is unknown (this year, or next year from 1 November).

    Deadlines computed in it count Monday to Friday only (docs/calendar.md, "Next year's schedule").
    """
    if not databases:
        return []
    from django.db import DatabaseError

    from gongzhi.core import workcal

    try:
        years = workcal.missing_schedule_years()
    except DatabaseError:  # not migrated yet: nothing to say about the schedule
        return []
    if not years:
        return []
    listed = ", ".join(map(str, years))
    return [checks.Warning(
        f"No holiday schedule for {listed}: deadlines in it count Monday to Friday only.",
        hint="Load the State Council's schedule: manage.py calendar_year load FILE (docs/calendar.md).",
        id="gongzhi.ops.W002")]
