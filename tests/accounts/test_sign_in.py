"""Signing in through the form: the second factor (required for decision makers, supervisors, administrators),
recovery codes, the first-login password change, reset links, the idle timeout.

These tests post the real sign-in form. ``client.force_login`` (used by the page tests everywhere else) makes a
session as if the whole sign-in, second factor included, had been done: accounts/gate.py.
"""

import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import gate, services
from accounts.models import AccountEvent
from org.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "pw-secret-123"  # what OfficialFactory sets
LOGIN = "/accounts/login/"


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def code_of(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def enrol(official) -> tuple[TOTPDevice, list[str]]:
    device = services.totp_device_pending(official=official)
    return services.totp_confirm(official=official, token=code_of(device))


@pytest.mark.parametrize("role", [Role.DECISION_MAKER, Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_without_the_second_factor_the_sign_in_is_refused(client, ward, make_official, role, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0  # the throttle has its own test
    official = make_official(ward, role, username="can.ma")
    device, _codes = enrol(official)

    response = sign_in(client, "can.ma")

    assert response.status_code == 302 and response["Location"] == reverse("accounts:login_code")
    assert SESSION_KEY not in client.session  # the password alone signs nobody in
    assert client.get(reverse("workflows:inbox")).status_code == 302  # to the sign-in page
    wrong = "000000" if code_of(device, offset=30) != "000000" else "111111"
    refused = client.post(reverse("accounts:login_code"), {"code": wrong})
    assert refused.status_code == 400 and SESSION_KEY not in client.session

    right = client.post(reverse("accounts:login_code"), {"code": code_of(device, offset=30)})

    assert right.status_code == 302 and client.session[SESSION_KEY] == str(official.pk)
    assert client.get(reverse("workflows:inbox")).status_code == 200


@pytest.mark.parametrize("role", [Role.DECISION_MAKER, Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_the_listed_roles_must_set_up_the_second_factor_first(client, ward, make_official, role):
    official = make_official(ward, role, username="chua.co")
    sign_in(client, "chua.co")
    # Signed in with the password, but every page leads to the set-up until it is done.
    response = client.get(reverse("workflows:inbox"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:two_factor")
    assert client.get(reverse("reports:dashboard"))["Location"] == reverse("accounts:two_factor")
    page = client.get(reverse("accounts:two_factor"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=official, confirmed=False)
    assert client.post(reverse("accounts:two_factor"), {"code": "12"}).status_code == 400

    done = client.post(reverse("accounts:two_factor"), {"code": code_of(device)})

    codes = re.findall(r"<li>([a-z2-7]{8})</li>", done.content.decode())
    assert len(codes) == services.RECOVERY_CODES
    assert client.get(reverse("workflows:inbox")).status_code == 200
    assert AccountEvent.objects.filter(official=official, event="two_factor_enrolled").exists()


def test_a_ward_official_may_sign_in_without_a_second_factor(client, ward, make_official):
    make_official(ward, Role.WARD_OFFICIAL, username="hk.canbo")
    sign_in(client, "hk.canbo")
    assert client.get(reverse("workflows:inbox")).status_code == 200


def test_wrong_codes_are_throttled(client, ward, make_official):
    """django-otp makes each device wait longer after every failure: even the right code is refused meanwhile."""
    official = make_official(ward, Role.SUPERVISOR, username="doan")
    device, _codes = enrol(official)
    sign_in(client, "doan")
    wrong = "000000" if code_of(device, offset=30) != "000000" else "111111"
    client.post(reverse("accounts:login_code"), {"code": wrong})
    assert client.post(reverse("accounts:login_code"), {"code": code_of(device, offset=30)}).status_code == 400
    assert SESSION_KEY not in client.session


def test_a_recovery_code_works_once(client, ward, make_official):
    official = make_official(ward, Role.SUPERVISOR, username="mat.may")
    _device, codes = enrol(official)
    sign_in(client, "mat.may")
    assert client.post(reverse("accounts:login_code"), {"code": codes[0].upper()}).status_code == 302
    assert client.session[SESSION_KEY] == str(official.pk)
    client.logout()
    sign_in(client, "mat.may")
    assert client.post(reverse("accounts:login_code"), {"code": codes[0]}).status_code == 400
    assert SESSION_KEY not in client.session


def test_the_code_step_expires(client, ward, make_official, monkeypatch):
    official = make_official(ward, Role.SUPERVISOR, username="cham")
    device, _codes = enrol(official)
    sign_in(client, "cham")
    later = gate.now() + 301
    monkeypatch.setattr(gate, "now", lambda: later)
    response = client.post(reverse("accounts:login_code"), {"code": code_of(device)})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_the_back_office_signs_in_through_the_same_form(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/admin/"


# --- Passwords ------------------------------------------------------------------------------------------------


def test_an_account_made_by_an_administrator_chooses_its_password_first(client, ward, make_official):
    admin = make_official(ward, Role.ADMINISTRATOR)
    services.official_create(
        actor=admin,
        username="moi",
        first_name="Mai",
        last_name="Đỗ",
        unit=ward,
        password="Tam-thoi-2026!",
        roles=[Role.WARD_OFFICIAL],
    )
    sign_in(client, "moi", "Tam-thoi-2026!")
    response = client.get(reverse("workflows:inbox"))
    assert response["Location"] == reverse("accounts:password_required")
    numbers = {"new_password1": "12345678", "new_password2": "12345678"}
    weak = client.post(reverse("accounts:password_required"), numbers)
    assert weak.status_code == 400  # Django's validators
    done = client.post(
        reverse("accounts:password_required"),
        {"new_password1": "Của-tôi-riêng-7", "new_password2": "Của-tôi-riêng-7"},
    )
    assert done.status_code == 302
    assert client.get(reverse("workflows:inbox")).status_code == 200  # still signed in
    assert not services.password_must_change(official=admin.__class__.objects.get(username="moi"))


def test_change_my_password(client, ward, make_official):
    official = make_official(ward, Role.WARD_OFFICIAL)
    client.force_login(official)
    wrong = client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": "Mật-khẩu-mới-9", "new_password2": "Mật-khẩu-mới-9"},
    )
    assert wrong.status_code == 400
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Mật-khẩu-mới-9", "new_password2": "Mật-khẩu-mới-9"},
    )
    assert response.status_code == 302
    official.refresh_from_db()
    assert official.check_password("Mật-khẩu-mới-9")
    assert AccountEvent.objects.filter(official=official, event="password_changed").exists()


def reset_link(client, mailoutbox, email):
    client.post(reverse("accounts:password_reset"), {"email": email})
    assert len(mailoutbox) == 1
    return re.search(r"https?://[^/]+(/accounts/password/reset/[^\s]+/)", mailoutbox[0].body).group(1)


def test_a_reset_link_works_once(client, ward, make_official, mailoutbox):
    official = make_official(ward, Role.WARD_OFFICIAL, email="an@example.vn")
    link = reset_link(client, mailoutbox, "an@example.vn")
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    new = {"new_password1": "Đặt-lại-2026!", "new_password2": "Đặt-lại-2026!"}
    assert client.post(form.redirect_chain[-1][0], new).status_code == 302
    official.refresh_from_db()
    assert official.check_password("Đặt-lại-2026!")
    again = client.get(link, follow=True)
    assert not again.context["validlink"]


def test_a_reset_link_expires(client, ward, make_official, mailoutbox, settings, monkeypatch):
    make_official(ward, Role.WARD_OFFICIAL, email="binh@example.vn")
    link = reset_link(client, mailoutbox, "binh@example.vn")
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(
        PasswordResetTokenGenerator,
        "_now",
        lambda self: real_now(self) + __import__("datetime").timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1),
    )
    assert not client.get(link, follow=True).context["validlink"]


def test_no_mail_for_an_unknown_address(client, mailoutbox, db):
    response = client.post(reverse("accounts:password_reset"), {"email": "ai@example.vn"})
    assert response.status_code == 302 and not mailoutbox  # and the page says the same as for a known one


# --- Idle timeout -------------------------------------------------------------------------------------------


def test_an_idle_session_ends(client, ward, make_official, settings, monkeypatch):
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    assert client.get(reverse("workflows:inbox")).status_code == 200
    start = gate.now()
    # The bell's refresh every minute is not activity.
    monkeypatch.setattr(gate, "now", lambda: start + 25 * 60)
    assert client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true").status_code == 200
    monkeypatch.setattr(gate, "now", lambda: start + settings.CELLFLOW_IDLE_TIMEOUT_MINUTES * 60 + 5)
    response = client.get(reverse("workflows:inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session


def test_activity_keeps_the_session(client, ward, make_official, settings, monkeypatch):
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    start = gate.now()
    monkeypatch.setattr(gate, "now", lambda: start + 20 * 60)
    assert client.get(reverse("workflows:inbox")).status_code == 200
    monkeypatch.setattr(gate, "now", lambda: start + 45 * 60)
    assert client.get(reverse("workflows:inbox")).status_code == 200


def test_the_bell_on_a_gate_page_does_not_reload_it(client, ward, make_official):
    make_official(ward, Role.SUPERVISOR, username="chuong")
    sign_in(client, "chuong")
    response = client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and "HX-Redirect" not in response


def test_a_forged_activity_cookie_does_not_extend_the_session(client, ward, make_official, settings, monkeypatch):
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    start = gate.now()
    client.cookies[gate.SEEN_COOKIE] = str(start + 10**6)  # unsigned
    monkeypatch.setattr(gate, "now", lambda: start + settings.CELLFLOW_IDLE_TIMEOUT_MINUTES * 60 + 5)
    assert client.get(reverse("workflows:inbox")).status_code == 302


def test_pages_do_not_write_the_session(client, ward, make_official, monkeypatch, django_assert_max_num_queries):
    """Activity is kept in a signed cookie: a page opened minutes after sign-in never rewrites the session; at most
    one small update moves the last activity "my sessions" shows on (accounts/sessions.py)."""
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    start = gate.now()
    monkeypatch.setattr(gate, "now", lambda: start + 5 * 60)
    url = reverse("accounts:my_account")
    client.get(url)
    monkeypatch.setattr(gate, "now", lambda: start + 10 * 60)
    with django_assert_max_num_queries(7) as captured:
        client.get(url)
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert all("session_data" not in sql and "expire_date" not in sql for sql in writes)
    assert [sql for sql in writes if "accounts_browsersession" in sql] == writes and len(writes) <= 1
