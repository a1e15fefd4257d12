"""Admin screens of the base data, for community staff.

Scoped and capability-checked through ScopedAuditedAdmin. Personal values are
never rendered in clear: lists and change forms show the masked value; the
form has an empty "new ID number" / "new phone" field that replaces the value
when filled in; "Reveal" asks for a reason and goes through
:func:`gongzhi.registry.services.reveal_personal_field` (audited).

Every save and delete, inlines included, goes through the service of that
action (:mod:`gongzhi.registry.services`): the same validation, capability and
area checks and audit event as the API and the imports; what a service refuses
comes back as the form's errors (see ``ScopedAuditedAdmin``).
"""

import inspect

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import can
from gongzhi.audit.admin_base import ScopedAuditedAdmin, adopt_saved
from gongzhi.audit.admin_base import ScopedInline as BaseScopedInline
from gongzhi.audit.reveal import REASON_MAX, RevealRefused
from gongzhi.core import exports

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
from .spreadsheets import template_workbook


def call(service, **values):
    """Call ``service`` with the values it takes (a form may carry more, e.g. a derived grid)."""
    parameters = inspect.signature(service).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        values = {name: value for name, value in values.items() if name in parameters}
    return service(**values)


def form_values(form, fields, renamed, change) -> dict:
    """Values of a (changed) form by model field name; ``renamed`` maps "new value" fields to the field."""
    values = {}
    for name in fields:
        if name not in form.cleaned_data or (change and name not in form.changed_data):
            continue
        value = form.cleaned_data[name]
        if name in renamed:
            if not value:
                continue  # "leave empty to keep the current value"
            name = renamed[name]
        values[name] = value
    return values


class RegistryAdmin(ScopedAuditedAdmin):
    """Saves and deletes through the registry services; what they refuse shows as form errors."""

    capability_view = "registry.view"
    capability_change = "registry.change"
    create_service = None  # service(actor=, **values) → the new row
    update_service = None  # service(actor=, <update_keyword>=row, reason=, **changes) → the row
    update_keyword = ""
    renamed_fields: dict[str, str] = {}  # form field → model field (write-only "new value" fields)

    @property
    def service_error_fields(self):
        return {model_field: form_field for form_field, model_field in self.renamed_fields.items()}

    def save_model(self, request, obj, form, change):
        values = form_values(form, form.cleaned_data, self.renamed_fields, change)
        if change:
            saved = self.update(request, type(obj)._default_manager.get(pk=obj.pk), values)
        else:
            saved = self.create(request, values)
        adopt_saved(obj, saved)

    def create(self, request, values):
        return call(self.create_service, actor=request.user, **values)

    def update(self, request, current, values):
        if not values:
            return current
        return self.update_service(actor=request.user, **{self.update_keyword: current}, reason="admin", **values)

    def delete_model(self, request, obj):
        services.delete_record(actor=request.user, obj=obj, reason="admin")

    def save_related(self, request, form, formsets, change):
        # Many-to-many values went to the service with the row (no form.save_m2m()); inlines row by row.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        inline = next(i for i in self.inlines if i.model is formset.model)
        fields = [name for name in inline.fields if name not in (inline.readonly_fields or ())]
        for row in formset.deleted_forms:
            if row.instance.pk:
                services.delete_record(actor=request.user, obj=row.instance, reason="admin")
        for row in formset.forms:
            if row in formset.deleted_forms or not row.has_changed():
                continue
            if row.instance.pk:
                current = formset.model._default_manager.get(pk=row.instance.pk)
                inline.update(request, current, form_values(row, fields, {}, change=True))
            else:
                inline.create(request, form.instance, form_values(row, fields, {}, change=False))


class ScopedInline(BaseScopedInline):
    """An inline that follows the parent's capabilities and saves through the services."""

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

    @classmethod
    def create(cls, request, parent, values):
        raise NotImplementedError

    @classmethod
    def update(cls, request, current, values):
        raise NotImplementedError


# --- places ---------------------------------------------------------------------


@admin.register(Compound)
class CompoundAdmin(RegistryAdmin):
    create_service, update_service = staticmethod(services.create_compound), staticmethod(services.update_compound)
    update_keyword = "compound"
    list_display = ("name", "kind", "grid", "street_address", "property_company")
    list_filter = ("kind", "grid")
    search_fields = ("name", "street_address", "external_id")
    list_select_related = ("grid", "property_company")


class EntranceInline(ScopedInline):
    model = Entrance
    fields = ("number",)

    @classmethod
    def create(cls, request, parent, values):
        return services.create_entrance(actor=request.user, building=parent, **values)

    @classmethod
    def update(cls, request, current, values):
        return services.update_entrance(actor=request.user, entrance=current, reason="admin", **values)


@admin.register(Building)
class BuildingAdmin(RegistryAdmin):
    create_service, update_service = staticmethod(services.create_building), staticmethod(services.update_building)
    update_keyword = "building"
    list_display = ("__str__", "name", "grid", "floors")
    list_filter = ("grid",)
    search_fields = ("number", "name", "compound__name")
    list_select_related = ("compound", "grid")
    inlines = [EntranceInline]


class DwellingAdminForm(forms.ModelForm):
    class Meta:
        model = Dwelling
        fields = ["grid", "compound", "building", "entrance", "room", "floor", "street_address", "floor_area", "exclusive_area",
                  "use",
                  "external_id", "note"]


@admin.register(Dwelling)
class DwellingAdmin(RegistryAdmin):
    create_service, update_service = staticmethod(services.create_dwelling), staticmethod(services.update_dwelling)
    update_keyword = "dwelling"
    form = DwellingAdminForm
    list_display = ("address_text", "grid", "floor_area", "use")
    list_filter = ("use", "grid")
    search_fields = ("address_text", "external_id")
    list_select_related = ("grid",)
    fields = ("grid", "compound", "building", "entrance", "room", "floor", "street_address", "floor_area",
              "exclusive_area", "use",
              "external_id", "note", "address_text")
    readonly_fields = ("address_text",)


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

    @classmethod
    def create(cls, request, parent, values):
        return services.tag_person(actor=request.user, person=parent, **values)

    @classmethod
    def update(cls, request, current, values):
        if "tag" in values:  # another tag: this one goes, that one comes
            services.untag_person(actor=request.user, person=current.person, tag=current.tag, reason="admin")
            values = {"since": current.since, "note": current.note, **values}
            return services.tag_person(actor=request.user, person=current.person, **values)
        return services.update_person_tag(actor=request.user, link=current, reason="admin", **values)


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
    # The reason rule is the one of every reveal (gongzhi.audit.reveal), applied by the service.
    reason = forms.CharField(label=_("reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Recorded in the audit trail with your name."))


@admin.register(Person)
class PersonAdmin(RegistryAdmin):
    create_service, update_service = staticmethod(services.create_person), staticmethod(services.update_person)
    update_keyword = "person"
    renamed_fields = {"new_id_number": "id_number", "new_phone": "phone"}
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
            try:
                value = services.reveal_personal_field(actor=request.user, person=person,
                                                       field=form.cleaned_data["field"],
                                                       reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except RevealRefused as exc:
                form.add_error(None, str(exc))
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

    @classmethod
    def create(cls, request, parent, values):
        return services.add_household_member(actor=request.user, household=parent, **values)

    @classmethod
    def update(cls, request, current, values):
        if "person" in values:  # another person in this row: the one named before leaves
            services.remove_household_member(actor=request.user, household=current.household,
                                             person=current.person, reason="admin")
        values = {"person": current.person, "relation": current.relation, **values}
        return services.add_household_member(actor=request.user, household=current.household, **values)


@admin.register(Household)
class HouseholdAdmin(RegistryAdmin):
    create_service, update_service = staticmethod(services.create_household), staticmethod(services.update_household)
    update_keyword = "household"
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


@admin.register(Organisation)
class OrganisationAdmin(RegistryAdmin):
    create_service = staticmethod(services.create_organisation)
    update_service = staticmethod(services.update_organisation)
    update_keyword = "organisation"
    renamed_fields = {"new_contact_phone": "contact_phone"}
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

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()  # the service finds a tag by its code

    def create(self, request, values):
        return services.save_care_tag(actor=request.user, **values)

    def update(self, request, current, values):
        kept = {name: getattr(current, name) for name in ("code", "name", "sensitivity", "visit_interval_days",
                                                          "description", "is_active", "position")}
        return services.save_care_tag(actor=request.user, **{**kept, **values, "code": current.code})


@admin.register(HouseholdVisit)
class HouseholdVisitAdmin(RegistryAdmin):
    capability_change = "registry.visit"
    list_display = ("visited_at", "grid", "household", "dwelling", "visitor", "follow_up_needed")
    list_filter = ("follow_up_needed", "grid")
    date_hierarchy = "visited_at"
    list_select_related = ("grid", "household__head", "dwelling", "visitor")
    raw_id_fields = ("household", "dwelling", "persons")
    readonly_fields = ("grid", "visitor")  # the grid is the household's or the dwelling's

    def get_readonly_fields(self, request, obj=None):
        fixed = ("household", "dwelling") if obj is not None else ()  # where the visit was stays as recorded
        return (*super().get_readonly_fields(request, obj), *fixed)

    def create(self, request, values):
        values["persons"] = list(values.get("persons") or ()) or None  # none named: the household's members
        return call(services.record_visit, actor=request.user, **values)

    def update(self, request, current, values):
        if not values:
            return current
        return services.update_visit(actor=request.user, visit=current, reason="admin", **values)


class PatrolProblemInline(ScopedInline):
    model = PatrolProblem
    capability_change = "registry.visit"
    fields = ("description", "category", "found_at", "longitude", "latitude", "resolved_on_the_spot")

    @classmethod
    def create(cls, request, parent, values):
        return services.report_patrol_problem(actor=request.user, patrol=parent, **values)

    @classmethod
    def update(cls, request, current, values):
        return services.update_patrol_problem(actor=request.user, problem=current, reason="admin", **values)


@admin.register(Patrol)
class PatrolAdmin(RegistryAdmin):
    capability_change = "registry.visit"
    list_display = ("started_at", "ended_at", "grid", "patroller")
    list_filter = ("grid",)
    date_hierarchy = "started_at"
    list_select_related = ("grid", "patroller")
    readonly_fields = ("patroller",)
    inlines = [PatrolProblemInline]
    create_service, update_service = staticmethod(services.record_patrol), staticmethod(services.update_patrol)
    update_keyword = "patrol"

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *(("grid",) if obj is not None else ()))
