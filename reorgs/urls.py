from django.urls import path

from . import views

app_name = "reorgs"
urlpatterns = [path("administration/reorganization/", views.reorganize, name="reorganize")]
