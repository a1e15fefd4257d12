"""Admin screens of the base data, for community staff.

Scoped and capability-checked through ScopedAuditedAdmin. Personal values are
never rendered in clear: lists and change forms show the masked value; the
form has an empty "new ID number" / "new phone" field that replaces the value
when filled in; "Reveal" asks for a reason and goes through
:func:`gongzhi.registry.services.reveal_personal_field` (audited). Saves are
audited with personal fields masked in the recorded changes.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import can
from gongzhi.audit.admin_base import ScopedAuditedAdmin
from gongzhi.audit.services import record
from gongzhi.core import exports
from gongzhi.core.scoping import ensure_in_scope

from . import selectors, services
from .importing import import_registry
from .models import (
    Building,
    CareTag,
    Compound,
    Dwelling,
    Entrance,
    Household,
    HouseholdMember,
    HouseholdVisit,
    Organisation,
    Patrol,
    PatrolProblem,
    Person,
    PersonCareTag,
    Residence,
    Sensitivity,
)
from .services.common import audit_diff, take_snapshot
from .services.organisations import _prepare as prepare_organisation
from .services.people import _ensure_unique_document, apply_document
from .services.places import _check_parts
from .spreadsheets import template_workbook


class RegistryAdmin(ScopedAuditedAdmin):
    """ScopedAuditedAdmin whose audit records mask personal fields, inlines included."""

    capability_view = "registry.view"
    capability_change = "registry.change"

    def prepare(self, obj) -> None:
        """Derived values and cross-field checks before saving (the services' rules)."""

    def save_model(self, request, obj, form, change):
        before = take_snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
        with transaction.atomic():
            self.prepare(obj)
            obj.save()
            ensure_in_scope(obj, request.user)  # rolls back a move out of the user's area
            record(actor=request.user, action=f"{obj._meta.label_lower}.{'update' if change else 'create'}",
                   obj=obj, changes=audit_diff(obj, before), reason="admin")

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                record(actor=request.user, action=f"{obj._meta.label_lower}.delete", obj=obj, reason="admin")
                obj.delete()
            for obj in instances:
                before = take_snapshot(type(obj)._default_manager.get(pk=obj.pk)) if obj.pk else None
                obj.save()
                ensure_in_scope(obj, request.user)
                record(actor=request.user, action=f"{obj._meta.label_lower}.{'update' if before else 'create'}",
                       obj=obj, changes=audit_diff(obj, before), reason="admin")
            formset.save_m2m()


class ScopedInline(admin.TabularInline):
    """An inline that follows the parent's capabilities."""

    extra = 0
    capability_change = "registry.change"

    def has_view_permission(self, request, obj=None):
        return can(request.user, "registry.view")

    def has_add_permission(self, request, obj=None):
        return can(request.user, self.capability_change)

    def has_change_permission(self, request, obj=None):
        return can(request.user, self.capability_change)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, self.capability_change)


# --- places ---------------------------------------------------------------------


@admin.register(Compound)
class CompoundAdmin(RegistryAdmin):
    list_display = ("name", "kind", "grid", "street_address", "property_company")
    list_filter = ("kind", "grid")
    search_fields = ("name", "street_address", "external_id")
    list_select_related = ("grid", "property_company")


class EntranceInline(ScopedInline):
    model = Entrance
    fields = ("number",)


@admin.register(Building)
class BuildingAdmin(RegistryAdmin):
    list_display = ("__str__", "name", "grid", "floors")
    list_filter = ("grid",)
    search_fields = ("number", "name", "compound__name")
    list_select_related = ("compound", "grid")
    inlines = [EntranceInline]


class DwellingAdminForm(forms.ModelForm):
    class Meta:
        model = Dwelling
        fields = ["grid", "compound", "building", "entrance", "room", "floor", "street_address", "floor_area", "use",
                  "external_id", "note"]

    def _post_clean(self):
        super()._post_clean()
        try:
            _check_parts(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(Dwelling)
class DwellingAdmin(RegistryAdmin):
    form = DwellingAdminForm
    list_display = ("address_text", "grid", "floor_area", "use")
    list_filter = ("use", "grid")
    search_fields = ("address_text", "external_id")
    list_select_related = ("grid",)
    fields = ("grid", "compound", "building", "entrance", "room", "floor", "street_address", "floor_area", "use",
              "external_id", "note", "address_text")
    readonly_fields = ("address_text",)

    def prepare(self, obj):
        obj.refresh_address_text()


# --- persons --------------------------------------------------------------------


class PersonAdminForm(forms.ModelForm):
    """ID number and phone are write-only here: shown masked, replaced when typed."""

    new_id_number = forms.CharField(label=_("ID number"), required=False, max_length=40,
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                    help_text=_("Leave empty to keep the current value."))
    new_phone = forms.CharField(label=_("phone"), required=False, max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                help_text=_("Leave empty to keep the current value."))

    class Meta:
        model = Person
        fields = ["name", "id_type", "gender", "birth_date", "residence_type", "status", "grid", "dwelling",
                  "dwelling_role", "external_id", "note"]

    def clean(self):
        cleaned = super().clean()
        person = self.instance
        for name in ("name", "id_type", "gender", "birth_date"):
            if name in cleaned:
                setattr(person, name, cleaned[name])
        if cleaned.get("new_id_number"):
            person.id_number = cleaned["new_id_number"]
        if cleaned.get("new_phone"):
            person.phone = cleaned["new_phone"]
        try:
            apply_document(person)
            person.refresh_derived()
            _ensure_unique_document(person)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error({"id_number": "new_id_number", "phone": "new_phone"}.get(field), errors)
        cleaned["gender"], cleaned["birth_date"] = person.gender, person.birth_date
        return cleaned


class PersonCareTagInline(ScopedInline):
    model = PersonCareTag
    fields = ("tag", "since", "note")
    autocomplete_fields = ()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not can(request.user, "registry.view_sensitive"):
            queryset = queryset.exclude(tag__sensitivity=Sensitivity.HIGH)
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tag":
            kwargs["queryset"] = selectors.visible_care_tags(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ResidenceInline(ScopedInline):
    model = Residence
    fields = ("dwelling", "role", "start_date", "end_date")
    readonly_fields = fields

    # History is written by the "move" service (API), which keeps it consistent.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ImportForm(forms.Form):
    file = forms.FileField(label=_("file"), help_text=_("XLSX workbook or CSV file, headers as in the template."))
    dry_run = forms.BooleanField(label=_("only check, write nothing"), required=False, initial=True)


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("value"), choices=[("id_number", _("ID number")), ("phone", _("phone"))])
    reason = forms.CharField(label=_("reason"), min_length=2, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Recorded in the audit trail with your name."))


@admin.register(Person)
class PersonAdmin(RegistryAdmin):
    form = PersonAdminForm
    list_display = ("name", "id_number_masked", "phone_masked", "gender", "birth_date", "residence_type", "grid",
                    "dwelling", "status")
    list_filter = ("residence_type", "status", "gender", "grid")
    search_fields = ("name", "name_pinyin", "name_initials")
    list_select_related = ("grid", "dwelling")
    readonly_fields = ("id_number_masked", "phone_masked", "reveal_link", "name_pinyin")
    fieldsets = (
        (None, {"fields": ("name", "name_pinyin", "grid", "dwelling", "dwelling_role", "residence_type", "status")}),
        (_("Identity"), {"fields": ("id_type", "id_number_masked", "new_id_number", "gender", "birth_date",
                                    "phone_masked", "new_phone", "reveal_link")}),
        (_("Other"), {"fields": ("external_id", "note")}),
    )
    inlines = [PersonCareTagInline, ResidenceInline]
    actions = ["export_xlsx"]
    change_list_template = "admin/registry/person/change_list.html"

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj):
        return obj.id_number_masked

    @admin.display(description=_("phone"))
    def phone_masked(self, obj):
        return obj.phone_masked

    @admin.display(description=_("reveal"))
    def reveal_link(self, obj):
        if obj is None or obj.pk is None:
            return ""
        url = reverse("admin:registry_person_reveal", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Reveal (needs a reason, logged)"))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can(request.user, "registry.reveal") or obj is None:
            fields.remove("reveal_link")
        if obj is not None:
            fields += ["dwelling", "dwelling_role"]  # a move keeps history: the "move" service (API)
        return fields

    def prepare(self, obj):
        obj.refresh_derived()

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change and obj.dwelling_id:
                Residence.objects.create(person=obj, dwelling=obj.dwelling, role=obj.dwelling_role or "other")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not can(request.user, "registry.reveal"):
            hidden = {"reveal_link"} | ({"id_number_masked", "phone_masked"} if obj is None else set())
            fieldsets = [(title, {**opts, "fields": tuple(f for f in opts["fields"] if f not in hidden)})
                         for title, opts in fieldsets]
        return fieldsets

    def get_search_results(self, request, queryset, search_term):
        """Names and pinyin only: the search box travels in the URL, which ends up in server logs.

        ID numbers and phone numbers go through the lookup form (a POST).
        """
        if selectors.looks_personal(search_term):
            self.message_user(request, _("Find ID numbers and phone numbers with the lookup form, so that they do "
                                         "not appear in addresses and logs."), messages.WARNING)
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def lookup_view(self, request):
        """Exact lookup by ID number or phone (POST), through the blind index; opens the person found."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:registry_person_changelist"))
        value = request.POST.get("value", "")
        found = list(selectors.search_persons(request.user, id_number=value, include_inactive=True)[:2]) or list(
            selectors.search_persons(request.user, phone=value, include_inactive=True)[:2])
        if len(found) == 1:
            return HttpResponseRedirect(reverse("admin:registry_person_change", args=[found[0].pk]))
        if found:
            self.message_user(request, _("Several persons share this phone number; search by name."),
                              messages.WARNING)
        else:
            self.message_user(request, _("Nobody in your area has this ID number or phone number."), messages.WARNING)
        return HttpResponseRedirect(reverse("admin:registry_person_changelist"))

    def get_urls(self):
        return [
            path("<int:person_id>/reveal/", self.admin_site.admin_view(self.reveal_view),
                 name="registry_person_reveal"),
            path("import/", self.admin_site.admin_view(self.import_view), name="registry_person_import"),
            path("lookup/", self.admin_site.admin_view(self.lookup_view), name="registry_person_lookup"),
            path("import-template/", self.admin_site.admin_view(self.template_view),
                 name="registry_person_import_template"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": can(request.user, "registry.import")}
        return super().changelist_view(request, extra_context)

    def template_view(self, request):
        if not can(request.user, "registry.view"):
            raise PermissionDenied
        return exports.attachment(template_workbook(), "registry.xlsx", private=False)

    def import_view(self, request):
        """Upload a workbook or CSV; the report lists every bad cell; nothing is written unless all is well."""
        if not can(request.user, "registry.import"):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            report = import_registry(actor=request.user, data=upload.read(), filename=upload.name,
                                     dry_run=form.cleaned_data["dry_run"])
            if report.ok and not report.dry_run:
                self.message_user(request, _("Import finished."), messages.SUCCESS)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "report": report, "title": _("Import dwellings, persons, households and organisations")}
        return TemplateResponse(request, "admin/registry/person/import.html", context)

    def reveal_view(self, request, person_id):
        person = get_object_or_404(self.get_queryset(request), pk=person_id)
        if not can(request.user, "registry.reveal"):
            raise PermissionDenied
        value = None
        form = RevealForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            value = services.reveal_personal_field(actor=request.user, person=person, field=form.cleaned_data["field"],
                                                   reason=form.cleaned_data["reason"])
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": person,
                   "form": form, "value": value, "title": _("Reveal personal data")}
        response = TemplateResponse(request, "admin/registry/person/reveal.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Export selected persons to XLSX (masked)"))
    def export_xlsx(self, request, queryset):
        from .exporting import export_persons_response

        if not can(request.user, "registry.export"):
            self.message_user(request, _("You are not allowed to do this."), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return export_persons_response(actor=request.user, queryset=queryset)


# --- households and organisations ------------------------------------------------


class HouseholdMemberInline(ScopedInline):
    model = HouseholdMember
    fields = ("person", "relation")
    raw_id_fields = ("person",)


@admin.register(Household)
class HouseholdAdmin(RegistryAdmin):
    list_display = ("__str__", "grid", "dwelling", "head")
    list_filter = ("grid",)
    search_fields = ("external_id", "head__name", "dwelling__address_text")
    list_select_related = ("grid", "dwelling", "head")
    raw_id_fields = ("head", "dwelling")
    inlines = [HouseholdMemberInline]


class OrganisationAdminForm(forms.ModelForm):
    new_contact_phone = forms.CharField(label=_("contact phone"), required=False, max_length=30,
                                        help_text=_("Leave empty to keep the current value."))

    class Meta:
        model = Organisation
        fields = ["name", "kind", "credit_code", "legal_representative", "contact_name", "address", "longitude",
                  "latitude", "grid", "dwelling", "external_id", "note"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_contact_phone"):
            self.instance.contact_phone = cleaned["new_contact_phone"]
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        try:
            prepare_organisation(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(Organisation)
class OrganisationAdmin(RegistryAdmin):
    form = OrganisationAdminForm
    list_display = ("name", "kind", "credit_code", "contact_name", "contact_phone_masked", "grid")
    list_filter = ("kind", "grid")
    search_fields = ("name", "credit_code", "external_id")
    list_select_related = ("grid",)
    readonly_fields = ("contact_phone_masked",)
    raw_id_fields = ("dwelling",)
    fields = ("name", "kind", "credit_code", "legal_representative", "contact_name", "contact_phone_masked",
              "new_contact_phone", "address", "longitude", "latitude", "grid", "dwelling", "external_id", "note")

    @admin.display(description=_("contact phone"))
    def contact_phone_masked(self, obj):
        return obj.contact_phone_masked


# --- configuration, visits, patrols ----------------------------------------------


@admin.register(CareTag)
class CareTagAdmin(RegistryAdmin):
    capability_change = "registry.configure"
    list_display = ("name", "code", "sensitivity", "visit_interval_days", "is_active", "position")
    list_editable = ("position",)

    def get_queryset(self, request):
        # Configuration is not area data: not scoped, but sensitive tags need the capability.
        queryset = CareTag.objects.all()
        if not can(request.user, "registry.view_sensitive"):
            queryset = queryset.exclude(sensitivity=Sensitivity.HIGH)
        return queryset

    def _in_scope(self, request, obj):
        return True


@admin.register(HouseholdVisit)
class HouseholdVisitAdmin(RegistryAdmin):
    capability_change = "registry.visit"
    list_display = ("visited_at", "grid", "household", "dwelling", "visitor", "follow_up_needed")
    list_filter = ("follow_up_needed", "grid")
    date_hierarchy = "visited_at"
    list_select_related = ("grid", "household__head", "dwelling", "visitor")
    raw_id_fields = ("household", "dwelling", "persons")
    readonly_fields = ("visitor",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.visitor = request.user
        super().save_model(request, obj, form, change)


class PatrolProblemInline(ScopedInline):
    model = PatrolProblem
    capability_change = "registry.visit"
    fields = ("description", "category", "found_at", "longitude", "latitude", "resolved_on_the_spot")


@admin.register(Patrol)
class PatrolAdmin(RegistryAdmin):
    capability_change = "registry.visit"
    list_display = ("started_at", "ended_at", "grid", "patroller")
    list_filter = ("grid",)
    date_hierarchy = "started_at"
    list_select_related = ("grid", "patroller")
    readonly_fields = ("patroller",)
    inlines = [PatrolProblemInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.patroller = request.user
        super().save_model(request, obj, form, change)
