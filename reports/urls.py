from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("supervision/", views.dashboard, name="dashboard"),
    path("supervision/stalled/", views.stalled, name="stalled"),
    path("supervision/stalled/export.xlsx", views.stalled_export, name="stalled_export"),
    path("supervision/stalled/reassign/", views.stalled_reassign, name="stalled_reassign"),
]
