from django.urls import path

from . import views
from .imports import views as import_views

app_name = "cases"
urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/open-case/", views.enterprise_open_case, name="enterprise_open_case"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="case_action"),
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/new/", import_views.import_new, name="import_new"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", import_views.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/report.xlsx", import_views.import_report, name="import_report"),
    path("imports/<int:pk>/reopen/", import_views.import_reopen, name="import_reopen"),
]
