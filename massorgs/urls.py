from django.urls import path

from . import views

app_name = "massorgs"
urlpatterns = [
    path("enterprises/<id:pk>/mass-organizations/new/", views.mass_organization_new, name="new"),
    path("mass-organizations/<id:pk>/", views.mass_organization_detail, name="detail"),
    path("mass-organizations/<id:pk>/<slug:action>/", views.mass_organization_action, name="action"),
]
