"""The CSRF failure page and the 405 page in the product's layout and language; a Permissions-Policy header on
every response (issue 20); the database unreachable answers 503 (issue 21)."""

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


def test_the_database_unreachable_is_a_503_to_try_again_rendered_without_a_query(
    client, make_official, ward, monkeypatch, django_assert_num_queries
):
    """A PostgreSQL restart fails every request at its session (read from the database before any view): the official
    gets a page saying to try again in a minute, the API its error shape, both 503 with Retry-After; a bug stays 500."""
    from django.db import OperationalError

    from accounts.sessions import SessionStore

    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    client.raise_request_exception = False

    def down(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(SessionStore, "load", down)
    with django_assert_num_queries(0):
        response = client.get(reverse("workflows:inbox"))
    assert (response.status_code, response["Retry-After"]) == (503, "30")
    html = response.content.decode()
    assert "Hệ thống tạm gián đoạn" in html and "try again in a minute" in html and "Traceback" not in html
    api = client.get("/api/v1/tasks/inbox/")
    error = api.json()["error"]
    assert (api.status_code, error["code"], api["Retry-After"]) == (503, "unavailable", "30")
    assert "tải lại trang" in error["message_vi"] and "try again in a minute" in error["message_en"]

    def bug(self, *args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(SessionStore, "load", bug)
    assert client.get(reverse("workflows:inbox")).status_code == 500
