from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import LoginForm
from .views import assessment, console, hooks, public, dashboard, desk, grid, imports, notices, phone, resident, saved_views
from .views import privacy, security
from .views import volunteers
from .views import deliberation
from .views import mediation
from .views import party
from .views import insights

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", authentication_form=LoginForm,
                                     redirect_authenticated_user=True),
        name="login",
    ),
    path("login/phone/", phone.phone_sign_in, name="phone_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/verify/", security.two_factor_verify, name="two_factor_verify"),
    path("me/two-factor/", security.two_factor_setup, name="two_factor_setup"),
    path("me/sessions/", security.my_sessions, name="my_sessions"),
    path("reset/<str:token>/", security.password_reset_link, name="password_reset_link"),
    path("inbox/", views.inbox, name="inbox"),
    path("me/", views.profile, name="profile"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("cases/<int:case_id>/", views.case_link, name="case_link"),
    # Resident (H5)
    path("r/", resident.my_cases, name="resident_cases"),
    path("r/new/", resident.report, name="resident_new"),
    path("r/support/", resident.support, name="resident_support"),
    path("r/cases/<int:case_id>/", resident.case_detail, name="resident_case"),
    path("r/notices/", notices.resident_list, name="resident_notices"),
    path("r/notices/<int:notice_id>/", notices.resident_detail, name="resident_notice"),
    # Volunteering (the resident's side; any signed-in person may volunteer)
    path("r/volunteer/", volunteers.home, name="volunteer_home"),
    path("r/volunteer/activities/", volunteers.browse, name="volunteer_browse"),
    path("r/volunteer/activities/<int:activity_id>/", volunteers.activity, name="volunteer_activity"),
    path("r/volunteer/scan/", volunteers.scan, name="volunteer_scan"),
    path("r/volunteer/hours/", volunteers.my_ledger, name="volunteer_ledger"),
    path("r/volunteer/statement/<int:year>.pdf", volunteers.my_statement, name="volunteer_statement"),
    path("r/volunteer/shop/", volunteers.my_shop, name="volunteer_shop"),
    path("r/volunteer/gift/", volunteers.gift, name="volunteer_gift"),
    # Volunteers console
    path("console/volunteers/", volunteers.staff_activities, name="volunteers_activities"),
    path("console/volunteers/new/", volunteers.staff_activity_new, name="volunteers_activity_new"),
    path("console/volunteers/activities/<int:activity_id>/", volunteers.staff_activity, name="volunteers_activity"),
    path("console/volunteers/activities/<int:activity_id>/code/<str:direction>/", volunteers.staff_activity_code,
         name="volunteers_activity_code"),
    path("console/volunteers/people/", volunteers.staff_volunteers, name="volunteers_staff_list"),
    path("console/volunteers/people/<int:volunteer_id>/", volunteers.staff_volunteer, name="volunteers_staff_detail"),
    path("console/volunteers/people/<int:volunteer_id>/statement/<int:year>.pdf", volunteers.staff_statement,
         name="volunteers_staff_statement"),
    path("console/volunteers/teams/", volunteers.staff_teams, name="volunteers_teams"),
    path("console/volunteers/teams/<int:team_id>/", volunteers.staff_team, name="volunteers_team"),
    path("console/volunteers/shop/", volunteers.staff_shop, name="volunteers_shop"),
    path("console/volunteers/figures/", volunteers.staff_figures, name="volunteers_figures"),
    path("console/volunteers/figures.xlsx", volunteers.staff_figures_export, name="volunteers_figures_export"),
    # Party-led co-building (党建引领)
    path("console/party/", party.home, name="party_home"),
    path("console/party/organisations/<int:org_id>/", party.organisation, name="party_organisation"),
    path("console/party/members/", party.members, name="party_members"),
    path("console/party/members/new/", party.member_new, name="party_member_new"),
    path("console/party/members/<int:member_id>/", party.member, name="party_member"),
    path("console/party/reports/", party.reports, name="party_reports"),
    path("console/party/participation/", party.participation, name="party_participation"),
    path("console/party/committee/", party.committee, name="party_committee"),
    path("console/party/meetings/<int:meeting_id>/", party.meeting, name="party_meeting"),
    path("console/party/groups/", party.groups, name="party_groups"),
    path("console/party/groups/<int:incubation_id>/", party.group, name="party_group"),

    path("r/deliberation/", deliberation.resident_home, name="deliberation_home"),
    path("r/deliberation/new/", deliberation.resident_new, name="deliberation_new"),
    path("r/deliberation/proposals/<int:proposal_id>/support/", deliberation.resident_support,
         name="deliberation_support"),
    path("r/deliberation/votes/<int:vote_id>/", deliberation.resident_vote, name="deliberation_vote"),
    # Staff console
    path("console/", console.queue, name="console_queue"),
    path("console/cases/", console.case_list, name="console_cases"),
    path("console/cases/<int:case_id>/", console.case_detail, name="console_case"),
    path("console/cases/<int:case_id>/print/", desk.case_print, name="console_case_print"),
    path("console/cases/export.xlsx", desk.case_export, {"fmt": "xlsx"}, name="console_cases_xlsx"),
    path("console/cases/export.csv", desk.case_export, {"fmt": "csv"}, name="console_cases_csv"),
    path("console/desk/", desk.desk, name="console_desk"),
    path("console/reply-templates/", desk.reply_templates, name="console_reply_templates"),
    path("console/bulk-dispatch/", console.bulk_dispatch, name="console_bulk_dispatch"),
    path("console/deadlines/", console.deadlines, name="console_deadlines"),
    path("console/views/", saved_views.manage, name="console_views"),
    path("console/imports/", imports.hotline_import, name="console_imports"),
    path("console/imports/progress/", imports.hotline_import_progress, name="console_imports_progress"),
    path("console/imports/problems.xlsx", imports.hotline_import_problems, name="console_imports_problems"),
    path("console/notices/", notices.staff_list, name="notices_manage"),
    path("console/privacy/retention/", privacy.retention, name="privacy_retention"),
    path("console/assessment/", assessment.board, name="assessment_board"),
    path("p/<str:code>/", public.area, name="public_area"),
    path("hooks/events/<str:code>/", hooks.events, name="hooks_events"),
    path("p/<str:code>/covenant/", public.covenant_history, name="public_covenant"),
    path("console/notices/new/", notices.staff_edit, name="notices_new"),
    path("console/notices/<int:notice_id>/", notices.staff_edit, name="notices_edit"),
    path("console/deliberation/", deliberation.staff_home, name="deliberation_staff"),
    path("console/deliberation/votes/<int:vote_id>/", deliberation.staff_vote, name="deliberation_staff_vote"),
    path("console/mediation/", mediation.disputes, name="mediation_disputes"),
    path("console/mediation/new/", mediation.new, name="mediation_new"),
    path("console/mediation/<int:dispute_id>/", mediation.dispute, name="mediation_dispute"),
    path("console/mediation/<int:dispute_id>/agreement.pdf", mediation.agreement_pdf, name="mediation_agreement_pdf"),
    path("console/mediation/screening/", mediation.screening, name="mediation_screening"),
    path("console/mediation/warnings/", mediation.warnings, name="mediation_warnings"),
    # Intelligence (智能分拨): hotspots and 每月一题, alerts, router models
    path("console/insights/", insights.hotspot_list, name="insights_hotspots"),
    path("console/insights/topics/", insights.topic_list, name="insights_topics"),
    path("console/insights/topics/<int:topic_id>/", insights.topic_detail, name="insights_topic"),
    path("console/insights/alerts/", insights.alert_list, name="insights_alerts"),
    path("console/insights/router/", insights.router_models, name="insights_router"),
    path("lookup/", grid.lookup, name="lookup"),
    # Grid worker (mobile)
    path("grid/", grid.tasks, name="grid_tasks"),
    path("grid/map/", grid.grid_map, name="grid_map"),
    path("grid/patrol/", grid.patrol, name="grid_patrol"),
    path("grid/visit/", grid.visit, name="grid_visit"),
    path("grid/lookup/", grid.grid_lookup, name="grid_lookup"),
    path("grid/cases/<int:case_id>/", grid.case_detail, name="grid_case"),
    # Leader dashboard
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", dashboard.export, name="dashboard_export"),
]
