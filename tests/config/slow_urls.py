"""The app's URLs plus a page and an API address whose query runs longer than the statement timeout."""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as app_urlpatterns


def slow(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    return HttpResponse("done")


urlpatterns = [path("slow/", slow), path("api/v1/slow/", slow), path("", include(app_urlpatterns))]
