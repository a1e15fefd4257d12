"""The party app in the admin: the same capability, area, checks and audit events as the pages (their services).

Membership is sensitive and is kept on the console's pages only (masked, the one audited reveal): the admin
holds the tree, the service posts, the 大党委's part-time members, and shows the joint meetings, their
decisions and the incubations read-only (their writes are steps with their own checks, on the pages and
the API).
"""

from django.contrib import admin

from gongzhi.audit.admin_base import ScopedAuditedAdmin, adopt_saved

from . import services
from .models import Decision, Incubation, JointMeeting, PartTimeMember, PartyOrganisation, ServicePost


class _ReadOnly(ScopedAuditedAdmin):
    capability_view = "party.view"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PartyOrganisation)
class PartyOrganisationAdmin(ScopedAuditedAdmin):
    capability_view = "party.view"
    capability_change = "party.manage"
    list_display = ["name", "level", "region", "parent", "is_joint_committee", "dissolved_on"]
    list_filter = ["level", "is_joint_committee"]
    search_fields = ["name"]
    raw_id_fields = ["region", "parent", "building"]
    fields = ["name", "level", "region", "parent", "building", "is_joint_committee", "founded_on", "external_id",
              "dissolved_on", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["dissolved_on", "created_at", "updated_at"]
        return fixed + ["level", "region"] if obj is not None else fixed  # a new level or place: a new organisation

    def save_model(self, request, obj, form, change):
        values = {name: getattr(obj, name) for name in ("name", "parent", "building", "is_joint_committee",
                                                         "founded_on", "external_id")}
        if change:
            saved = services.update_organisation(actor=request.user,
                                                 organisation=PartyOrganisation.objects.get(pk=obj.pk), **values)
        else:
            saved = services.create_organisation(actor=request.user, level=obj.level, region=obj.region, **values)
        adopt_saved(obj, saved)

    def has_delete_permission(self, request, obj=None):
        return False  # dissolve instead: the tree keeps its history


@admin.register(ServicePost)
class ServicePostAdmin(ScopedAuditedAdmin):
    capability_view = "party.view"
    capability_change = "party.manage"
    list_display = ["name", "community", "kind", "capacity", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["community"]
    fields = ["community", "name", "kind", "description", "capacity", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        return ["community"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        values = {name: getattr(obj, name) for name in ("name", "kind", "description", "capacity", "is_active")}
        if change:
            saved = services.update_post(actor=request.user, post=ServicePost.objects.get(pk=obj.pk), **values)
        else:
            values.pop("is_active")
            saved = services.create_post(actor=request.user, community=obj.community, **values)
        adopt_saved(obj, saved)

    def has_delete_permission(self, request, obj=None):
        return False  # close the post instead: reports and participation point at it


@admin.register(PartTimeMember)
class PartTimeMemberAdmin(ScopedAuditedAdmin):
    capability_view = "party.view"
    capability_change = "party.manage"
    list_display = ["name", "unit", "committee", "position", "term_start", "term_end"]
    search_fields = ["name"]
    raw_id_fields = ["committee", "unit"]
    fields = ["committee", "name", "unit", "position", "phone", "term_start", "term_end"]

    def get_readonly_fields(self, request, obj=None):
        return ["committee"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        values = {name: getattr(obj, name) for name in ("name", "unit", "position", "phone", "term_start",
                                                         "term_end")}
        if change:
            saved = services.change_part_time_member(actor=request.user,
                                                     member=PartTimeMember.objects.get(pk=obj.pk), **values)
        else:
            saved = services.add_part_time_member(actor=request.user, committee=obj.committee, **values)
        adopt_saved(obj, saved)

    def has_delete_permission(self, request, obj=None):
        return False  # end the term instead


@admin.register(JointMeeting)
class JointMeetingAdmin(_ReadOnly):
    list_display = ["title", "committee", "starts_at", "state"]
    list_filter = ["state"]
    search_fields = ["title"]


@admin.register(Decision)
class DecisionAdmin(_ReadOnly):
    list_display = ["__str__", "meeting", "owner_name", "due_at", "state"]
    list_filter = ["state"]


@admin.register(Incubation)
class IncubationAdmin(_ReadOnly):
    list_display = ["organisation", "stage", "started_on", "ended_on"]
    list_filter = ["stage"]
