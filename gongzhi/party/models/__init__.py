"""The party app's models: tree and members, 双报到, the 大党委 and its meetings, social organisations, the three lists."""

from .committee import (
    Attendance,
    Decision,
    DecisionAlert,
    DecisionAlertKind,
    DecisionState,
    JointMeeting,
    MeetingState,
    PartTimeMember,
)
from .groups import GroupActivity, GroupMember, Incubation, IncubationStage, Support, SupportKind
from .lists import Need, NeedSource, NeedState, Project, ProjectState, Resource, ResourceKind
from .reporting import MemberReport, Participation, ParticipationMinimum, ServicePost, UnitReport
from .tree import MemberRole, MemberStatus, OrgLevel, PartyMember, PartyOrganisation

__all__ = [
    "Attendance", "Decision", "DecisionAlert", "DecisionAlertKind", "DecisionState", "GroupActivity", "GroupMember",
    "Incubation", "IncubationStage", "JointMeeting", "MeetingState", "MemberReport", "MemberRole", "MemberStatus",
    "Need", "NeedSource", "NeedState", "OrgLevel", "PartTimeMember", "Participation", "ParticipationMinimum",
    "PartyMember", "PartyOrganisation", "Project", "ProjectState", "Resource", "ResourceKind", "ServicePost",
    "Support", "SupportKind", "UnitReport",
]
