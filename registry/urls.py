from django.urls import path

from .imports import views

app_name = "registry"
urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/template.xlsx", views.import_template, name="import_template"),
    path("imports/<id:pk>/", views.import_detail, name="import_detail"),
    path("imports/<id:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("imports/<id:pk>/report.xlsx", views.import_report, name="import_report"),
    path("imports/<id:pk>/reopen/", views.import_reopen, name="import_reopen"),
]
