from django.urls import path

from . import views, views_period

app_name = "reports"
urlpatterns = [
    path("supervision/", views.dashboard, name="dashboard"),
    path("supervision/stalled/", views.stalled, name="stalled"),
    path("supervision/targets/", views.targets, name="targets"),
    path("supervision/stalled/export.xlsx", views.stalled_export, name="stalled_export"),
    path("supervision/stalled/reassign/", views.stalled_reassign, name="stalled_reassign"),
    # Period reports and establishment decisions (views_period).
    path("reports/", views_period.period_report_index, name="period_report_index"),
    path("reports/<str:unit_code>/<slug:period_code>/", views_period.period_report, name="period_report"),
    path(
        "reports/<str:unit_code>/<slug:period_code>/save/", views_period.period_report_save, name="period_report_save"
    ),
    path(
        "reports/<str:unit_code>/<slug:period_code>/reopen/",
        views_period.period_report_reopen,
        name="period_report_reopen",
    ),
    path(
        "reports/<str:unit_code>/<slug:period_code>/export.<str:fmt>",
        views_period.period_report_export,
        name="period_report_export",
    ),
    path("decisions/", views_period.decision_register, name="decision_register"),
    path("decisions/<id:case_id>.docx", views_period.decision_document, name="decision_document"),
]
