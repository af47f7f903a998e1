from django.urls import path

from . import views

app_name = "reorgs"
urlpatterns = [
    path("administration/reorganization/", views.reorganize, name="reorganize"),
    path("administration/reorganization/rename/", views.rename, name="rename"),
    path("administration/reorganization/abolish/", views.abolish, name="abolish"),
]
