"""Working days: the audited writes of the working-day calendar (local overrides), their admin and command.

The calendar (:mod:`gongzhi.core.workcal`) and its ``CalendarOverride`` model
belong to ``core``, which imports no app; what needs permissions, the region
tree and the audit trail to change them is here. No models.
"""
