from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/code/", views.login_code, name="login_code"),
    path("accounts/me/", views.my_account, name="my_account"),
    path("accounts/sessions/", views.my_sessions, name="my_sessions"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/password/new/", views.password_required, name="password_required"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/two-factor/", views.two_factor, name="two_factor"),
    path("accounts/officials/", views.official_list, name="official_list"),
    path("accounts/officials/new/", views.official_create, name="official_create"),
    path("accounts/officials/import/", views.official_import, name="official_import"),
    path("accounts/officials/import/template.csv", views.official_import_template, name="official_import_template"),
    path("accounts/officials/<id:pk>/", views.official_detail, name="official_detail"),
]
