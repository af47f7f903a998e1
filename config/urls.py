from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import SignInView

from . import metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The back office signs in through the same form (password, then the second factor).
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True), name="admin_login"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("accounts.urls")),
    path("", include("today.urls")),
    path("", include("notifications.urls")),
    path("", include("reorgs.urls")),
    path("", include("reports.urls")),
    path("", include("workflows.urls")),
    path("", include("cases.urls")),
    path("", include("massorgs.urls")),
    path("", include("registry.urls")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
