from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/new/", views.enterprise_new, name="enterprise_new"),
    path("enterprises/<id:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<id:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("enterprises/<id:pk>/transfer/", views.enterprise_transfer, name="enterprise_transfer"),
    path("enterprises/<id:pk>/open-case/", views.enterprise_open_case, name="enterprise_open_case"),
    path("enterprises/<id:pk>/members/import/", views.enterprise_members_import, name="enterprise_members_import"),
    path("cases/<id:pk>/", views.case_detail, name="case_detail"),
    path("cases/<id:pk>/<slug:action>/", views.case_action, name="case_action"),
]
