"""Log-in page and throttling (django-axes): repeated failures lock the account for a while."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.shortcuts import resolve_url

from org.models import Role
from tests.factories import OfficialFactory, UnitFactory

LOGIN_URL = "/accounts/login/"
PASSWORD = "pw-secret-123"  # what OfficialFactory sets


@pytest.fixture
def hk_canbo(db):
    """Like the demo's ward official of Phường Hoàn Kiếm."""
    ward = UnitFactory(code="W-HK", name="Phường Hoàn Kiếm")
    return OfficialFactory(username="hk.canbo", unit=ward, roles=[Role.WARD_OFFICIAL])


def log_in(client, username: str, password: str):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def template_names(response) -> list[str]:
    return [t.name for t in response.templates if t.name]


def fail_until_locked(client, username: str):
    responses = [log_in(client, username, "wrong-password") for _ in range(settings.AXES_FAILURE_LIMIT)]
    return responses[:-1], responses[-1]


def test_login_page_renders(client, db):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert "registration/login.html" in template_names(response)
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html and "csrfmiddlewaretoken" in html


def test_official_logs_in(client, hk_canbo):
    response = log_in(client, "hk.canbo", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)
    assert client.session[SESSION_KEY] == str(hk_canbo.pk)
    # Logged in: the login page sends the official on instead of asking again.
    assert client.get(LOGIN_URL).status_code == 302


def test_wrong_password_is_refused_with_the_form_again(client, hk_canbo):
    response = log_in(client, "hk.canbo", "wrong-password")

    assert response.status_code == 200
    assert "registration/login.html" in template_names(response)
    assert response.context["form"].non_field_errors()
    assert SESSION_KEY not in client.session


def test_account_is_locked_after_the_failure_limit(client, hk_canbo):
    assert settings.AXES_FAILURE_LIMIT >= 2
    before, last = fail_until_locked(client, "hk.canbo")

    assert [r.status_code for r in before] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert last.status_code == 429
    assert "registration/lockout.html" in template_names(last)

    # While locked, even the right password is refused with the lockout page.
    locked = log_in(client, "hk.canbo", PASSWORD)
    assert locked.status_code == 429
    assert "registration/lockout.html" in template_names(locked)
    assert SESSION_KEY not in client.session


def test_lockout_is_per_account(client, hk_canbo):
    """A lockout keys on username + address: a colleague on the same network still logs in."""
    colleague = OfficialFactory(username="hk.capuy", unit=hk_canbo.unit, roles=[Role.COMMITTEE_MEMBER])
    fail_until_locked(client, "hk.canbo")

    response = log_in(client, "hk.capuy", PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(colleague.pk)


def test_a_success_before_the_limit_resets_the_count(client, hk_canbo):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "hk.canbo", "wrong-password").status_code == 200
    assert log_in(client, "hk.canbo", PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "hk.canbo", "wrong-password").status_code == 200
    assert log_in(client, "hk.canbo", PASSWORD).status_code == 302
