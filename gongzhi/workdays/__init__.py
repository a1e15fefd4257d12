"""Working days: the audited writes of the working-day calendar (local overrides and each year's holiday
schedule), their admin and commands, and the banner of a missing next-year schedule.

The calendar (:mod:`gongzhi.core.workcal`) and its ``CalendarOverride`` and ``ScheduleDay`` models
belong to ``core``, which imports no app; what needs permissions, the region
tree and the audit trail to change them is here. No models.
"""
