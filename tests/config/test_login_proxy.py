"""django-axes behind the reverse proxy: a lockout keys on the real client address (X-Forwarded-For, believed only
from CELLFLOW_TRUSTED_PROXIES) plus the user name, and the lockout page says until when."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from config.proxy import client_ip
from org.models import Role
from tests.factories import OfficialFactory, UnitFactory

LOGIN_URL = "/accounts/login/"
PASSWORD = "pw-secret-123"  # what OfficialFactory sets
PROXY = "10.0.0.2"
ALICE, BOB = "203.0.113.5", "198.51.100.7"


@pytest.fixture
def official(db):
    return OfficialFactory(username="hk.canbo", unit=UnitFactory(code="W-HK"), roles=[Role.WARD_OFFICIAL])


def _log_in(client: Client, password: str, *, forwarded_for: str, remote: str = PROXY):
    return client.post(
        LOGIN_URL,
        {"username": "hk.canbo", "password": password},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def _lock(client: Client, **where) -> None:
    statuses = [_log_in(client, "wrong", **where).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429, statuses


@override_settings(CELLFLOW_TRUSTED_PROXIES=[PROXY])
def test_a_client_locked_out_behind_the_proxy_does_not_lock_another(official):
    attacker, colleague = Client(), Client()
    _lock(attacker, forwarded_for=ALICE)

    assert _log_in(attacker, PASSWORD, forwarded_for=ALICE).status_code == 429  # locked, even with the password
    response = _log_in(colleague, PASSWORD, forwarded_for=BOB)
    assert response.status_code == 302 and colleague.session[SESSION_KEY] == str(official.pk)
    assert set(AccessAttempt.objects.values_list("ip_address", "username")) == {(ALICE, "hk.canbo")}


def test_without_a_trusted_proxy_the_header_is_not_trusted(official):
    """Every request then carries the proxy's address: the header cannot pick a fresh key per attempt."""
    attacker, colleague = Client(), Client()
    _lock(attacker, forwarded_for=ALICE)
    assert _log_in(colleague, PASSWORD, forwarded_for=BOB).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


@override_settings(CELLFLOW_TRUSTED_PROXIES=[PROXY])
def test_a_client_that_bypasses_the_proxy_cannot_choose_its_address(official):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = _log_in(client, "wrong", forwarded_for=f"192.0.2.{n}", remote=ALICE)
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ALICE}


@override_settings(CELLFLOW_TRUSTED_PROXIES=[PROXY])
def test_addresses_a_client_writes_into_the_header_are_not_read(official):
    """nginx appends the address it saw; what the client sent stands to the left and changes nothing."""
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = _log_in(client, "wrong", forwarded_for=f"192.0.2.{n}, {ALICE}")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ALICE}


@pytest.mark.parametrize(
    ("trusted", "remote", "header", "expected"),
    [
        ([], PROXY, ALICE, PROXY),
        ([PROXY], PROXY, ALICE, ALICE),
        ([PROXY], PROXY, "", PROXY),
        ([PROXY], ALICE, BOB, ALICE),
        (["10.0.0.0/24"], PROXY, f"{BOB}, {ALICE}, 10.0.0.9", ALICE),  # two proxies of the trusted network
        ([PROXY], PROXY, f"{ALICE}, not-an-address", PROXY),  # garbage where the proxy writes: believe nothing
        ([PROXY], PROXY, " 2001:db8::1 ", "2001:db8::1"),
        (["fd00::/8"], "fd00::2", "::ffff:203.0.113.5", ALICE),
        ([PROXY], PROXY, "10.0.0.2", PROXY),  # only proxies: the left-most
    ],
)
def test_client_ip(trusted, remote, header, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=header)
    with override_settings(CELLFLOW_TRUSTED_PROXIES=trusted):
        assert client_ip(request) == expected


@override_settings(CELLFLOW_TRUSTED_PROXIES=[PROXY])
def test_the_lockout_page_says_until_when(official):
    client = Client()
    _lock(client, forwarded_for=ALICE)
    response = _log_in(client, PASSWORD, forwarded_for=ALICE)
    assert response.status_code == 429
    last = AccessAttempt.objects.get().attempt_time
    until = timezone.localtime(last + datetime.timedelta(hours=settings.AXES_COOLOFF_TIME))
    html = response.content.decode()
    assert (
        f"tài khoản này không đăng nhập được từ địa chỉ mạng này cho đến {until:%H:%M} ngày {until:%d/%m/%Y}."
    ) in html
    assert "Mỗi lần thử lại trước thời điểm đó sẽ tính lại thời gian chờ từ đầu" in html

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _log_in(client, PASSWORD, forwarded_for=ALICE).content.decode()
    until = timezone.localtime(AccessAttempt.objects.get().attempt_time + datetime.timedelta(hours=0.5))
    assert f"cannot log in from this network address until {until:%H:%M} on {until:%d/%m/%Y}." in html


def test_the_lockout_is_keyed_on_address_and_user_name():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["ip_address", "username"]]
    assert settings.AXES_CLIENT_IP_CALLABLE == "config.proxy.client_ip"
    assert settings.CELLFLOW_TRUSTED_PROXIES == []  # nothing is trusted unless configured


def test_an_invalid_trusted_proxy_stops_the_start():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "CELLFLOW_TRUSTED_PROXIES": "nginx"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0 and "CELLFLOW_TRUSTED_PROXIES" in result.stderr
