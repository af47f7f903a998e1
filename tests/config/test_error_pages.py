"""The CSRF failure page and the 405 page in the product's layout and language; a Permissions-Policy header on
every response (issue 20)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from org.models import Role

pytestmark = pytest.mark.django_db

POLICY = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"


def _templates(response) -> list[str]:
    return [t.name for t in response.templates if t.name]


def test_a_form_without_its_csrf_token_gets_the_products_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "error.html" in _templates(response) and "base.html" in _templates(response)
    html = response.content.decode()
    assert 'lang="vi"' in html and "Biểu mẫu đã hết hạn" in html and "tải lại trang" in html
    assert "CSRF" not in html and "Forbidden" not in html  # not Django's English default

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(reverse("login"), {"username": "x", "password": "y"}).content.decode()
    assert "The form has expired" in html and "reload the page" in html


def test_a_logged_in_official_gets_the_csrf_page_with_the_menu(make_official, ward):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    response = client.post(reverse("workflows:claim"), {"tasks": "1"})
    assert response.status_code == 403
    assert reverse("workflows:inbox") in response.content.decode()  # the product's header and menu


@pytest.mark.parametrize(
    ("method", "url_name", "allow"),
    [("get", "workflows:claim", "POST"), ("get", "logout", "POST, OPTIONS"), ("delete", "workflows:follow_up", "POST")],
)
def test_a_method_the_page_does_not_take_gets_the_405_page(method, url_name, allow, client, make_official, ward):
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    response = getattr(client, method)(reverse(url_name, args=[1] if url_name == "workflows:follow_up" else []))
    assert response.status_code == 405
    assert response["Allow"] == allow
    html = response.content.decode()
    assert "error.html" in _templates(response)
    assert "405 · Không thực hiện được ở đây" in html and f"({method.upper()})" in html


def test_the_405_page_in_english(client, make_official, ward):
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("workflows:claim")).content.decode()
    assert "This address does not accept this kind of request (GET)." in html


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/healthz",
        "/no-such-page/",
        "/inbox/",  # a redirect to the log-in page
        "/inbox/?q=%00",  # the input guard's 400
        "/static/css/app.css",
        "/admin/login/",
    ],
)
def test_every_response_carries_the_permissions_policy(url, client):
    response = client.get(url)
    assert response["Permissions-Policy"] == POLICY, (url, response.status_code)


def test_the_guards_pages_keep_the_other_security_headers(client, make_official, ward):
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    response = client.get("/inbox/?q=%00")
    assert response.status_code == 400
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Permissions-Policy"] == POLICY
