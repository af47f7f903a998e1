"""/api/v1/: the resources, the OpenAPI schema and its docs (Swagger UI served from our own static files)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"
urlpatterns = [
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "v1/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("v1/units/", views.UnitList.as_view(), name="unit_list"),
    path("v1/units/<id:pk>/", views.UnitDetail.as_view(), name="unit_detail"),
    path("v1/enterprises/", views.EnterpriseList.as_view(), name="enterprise_list"),
    path("v1/enterprises/<id:pk>/", views.EnterpriseDetail.as_view(), name="enterprise_detail"),
    path("v1/enterprises/<id:pk>/open-case/", views.EnterpriseOpenCase.as_view(), name="enterprise_open_case"),
    path("v1/enterprises/<id:pk>/members/", views.EnterpriseMembers.as_view(), name="enterprise_members"),
    path("v1/enterprises/<id:pk>/transfers/", views.EnterpriseTransfers.as_view(), name="enterprise_transfers"),
    path("v1/mass-organization-kinds/", views.MassOrganizationKindList.as_view(), name="mass_organization_kind_list"),
    path(
        "v1/enterprises/<id:pk>/mass-organizations/",
        views.EnterpriseMassOrganizations.as_view(),
        name="enterprise_mass_organizations",
    ),
    path("v1/mass-organizations/<id:pk>/", views.MassOrganizationDetail.as_view(), name="mass_organization_detail"),
    *(
        path(
            f"v1/mass-organizations/<id:pk>/{action}/",
            views.mass_organization_action_view(action),
            name=f"mass_organization_{action}",
        )
        for action in ("membership", "change", "dissolve")
    ),
    path("v1/members/<id:pk>/", views.MemberDetail.as_view(), name="member_detail"),
    path("v1/members/<id:pk>/recognize/", views.MemberRecognize.as_view(), name="member_recognize"),
    path("v1/members/<id:pk>/leave/", views.MemberLeave.as_view(), name="member_leave"),
    path("v1/candidates/", views.CandidateList.as_view(), name="candidate_list"),
    path("v1/candidates/<id:pk>/", views.CandidateDetail.as_view(), name="candidate_detail"),
    path("v1/cases/", views.CaseList.as_view(), name="case_list"),
    path("v1/cases/<id:pk>/", views.CaseDetail.as_view(), name="case_detail"),
    *(
        path(f"v1/cases/<id:pk>/{slug}/", views.case_action_view(slug), name=f"case_{slug.replace('-', '_')}")
        for slug in views.CASE_ACTIONS
    ),
    path("v1/tasks/inbox/", views.TaskInbox.as_view(), name="task_inbox"),
    path("v1/tasks/queue/", views.TaskQueue.as_view(), name="task_queue"),
    path("v1/tasks/team/", views.TaskTeam.as_view(), name="task_team"),
    path("v1/tasks/reassign/", views.TaskReassign.as_view(), name="task_reassign"),
    path("v1/tasks/<id:pk>/", views.TaskDetail.as_view(), name="task_detail"),
    path("v1/tasks/<id:pk>/complete/", views.TaskComplete.as_view(), name="task_complete"),
    path("v1/tasks/<id:pk>/follow-up/", views.TaskFollowUp.as_view(), name="task_follow_up"),
    path("v1/tasks/<id:pk>/claim/", views.TaskClaim.as_view(), name="task_claim"),
    path("v1/reports/<str:unit_code>/<slug:period_code>/", views.PeriodReportDetail.as_view(), name="report_detail"),
    path(
        "v1/reports/<str:unit_code>/<slug:period_code>/commentary/",
        views.PeriodReportCommentary.as_view(),
        name="report_commentary",
    ),
    path(
        "v1/reports/<str:unit_code>/<slug:period_code>/submit/",
        views.PeriodReportSubmit.as_view(),
        name="report_submit",
    ),
    path(
        "v1/reports/<str:unit_code>/<slug:period_code>/reopen/",
        views.PeriodReportReopen.as_view(),
        name="report_reopen",
    ),
    path(
        "v1/reports/<str:unit_code>/<slug:period_code>/export.<str:fmt>",
        views.PeriodReportFile.as_view(),
        name="report_file",
    ),
    path("v1/targets/<str:unit_code>/<slug:period_code>/", views.Targets.as_view(), name="targets"),
    path("v1/decisions/", views.DecisionList.as_view(), name="decision_list"),
    path("v1/decisions/<id:case_id>.docx", views.DecisionDocument.as_view(), name="decision_document"),
    path("v1/imports/", views.ImportList.as_view(), name="import_list"),
    path("v1/imports/<id:pk>/", views.ImportDetail.as_view(), name="import_detail"),
    path("v1/imports/<id:pk>/start/", views.ImportStart.as_view(), name="import_start"),
    path("v1/imports/<id:pk>/errors/", views.ImportErrors.as_view(), name="import_errors"),
    path("v1/notifications/", views.NotificationList.as_view(), name="notification_list"),
    path("v1/notifications/read/", views.NotificationReadAll.as_view(), name="notification_read_all"),
    path("v1/notifications/<id:pk>/read/", views.NotificationRead.as_view(), name="notification_read"),
]
