"""In Chromium: a ward's administrator creates an official; the official signs in with the temporary password,
chooses their own, sets up TOTP (the code computed with django-otp's TOTP, as the phone would) and sees the
start page. The administrator's own sign-in asks for their second factor too."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountEvent
from org.models import Official, Role
from tests.factories import OfficialFactory, UnitFactory

from .helpers import OUTPUT, PASSWORD, login, logout, second_factor

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_administrator_creates_an_official_who_signs_in_with_totp(live_server, browser):
    province = UnitFactory(code="P01", name="Hà Nội", level="province")
    ward = UnitFactory(code="W01", name="Phường Hoàn Kiếm", parent=province)
    admin = OfficialFactory(username="hk.quantri", unit=ward, roles=[Role.ADMINISTRATOR])
    admin.set_password(PASSWORD)
    admin.save()
    base = live_server.url
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})

    # The administrator's first sign-in: the role requires a second factor, set up on the way in.
    login(page, base, "hk.quantri", then="/accounts/officials/new/")
    page.fill("input[name=username]", "hk.moi")
    page.fill("input[name=last_name]", "Lê Thị")
    page.fill("input[name=first_name]", "Hoa")
    page.select_option("select[name=unit]", str(ward.pk))
    page.check(f"input[name=roles][value={Role.DECISION_MAKER}]")
    page.fill("input[name=password]", "Tạm-thời-2026!")
    with page.expect_navigation():
        page.click("main button.primary")
    assert "hk.moi" in page.inner_text("main")
    official = Official.objects.get(username="hk.moi")
    assert official.unit == ward and official.has_role(Role.DECISION_MAKER)
    logout(page)

    # The official: temporary password, then their own, then the authenticator app.
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "hk.moi")
    page.fill("input[name=password]", "Tạm-thời-2026!")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/accounts/password/new/")
    page.fill("input[name=new_password1]", "Hoa-của-riêng-2026")
    page.fill("input[name=new_password2]", "Hoa-của-riêng-2026")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/accounts/two-factor/")
    assert page.locator(".qr svg").count() == 1
    codes = second_factor(page, base, "hk.moi")
    assert len(codes) == 10
    page.wait_for_url(f"{base}/today/")
    assert "Hôm nay" in page.inner_text("main h1")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "start-page.png"), full_page=True)
    assert TOTPDevice.objects.filter(user=official, confirmed=True).exists()
    logout(page)

    # The next sign-in asks for the code.
    login(page, base, "hk.moi", password="Hoa-của-riêng-2026", then="/today/")
    assert set(AccountEvent.objects.filter(official=official).values_list("event", flat=True)) == {
        "created",
        "password_changed",
        "two_factor_enrolled",
    }

    # A second browser (a phone) signs in with a recovery code; from the first, "sign out everywhere else" ends it.
    phone_ua = (
        "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/128.0.294 "
        "Chrome/122.0.6261.164 Mobile Safari/537.36"
    )
    phone = browser.new_context(locale="vi-VN", user_agent=phone_ua).new_page()
    phone.goto(f"{base}/accounts/login/")
    phone.fill("input[name=username]", "hk.moi")
    phone.fill("input[name=password]", "Hoa-của-riêng-2026")
    with phone.expect_navigation():
        phone.click("main button[type=submit]")
    phone.wait_for_url(f"{base}/accounts/login/code/")
    phone.fill("input[name=code]", codes[0])
    with phone.expect_navigation():
        phone.click("main button[type=submit]")
    phone.wait_for_url(f"{base}/today/")
    page.goto(f"{base}/accounts/me/")
    with page.expect_navigation():
        page.click("a[href='/accounts/sessions/']")
    sessions = page.inner_text("main")
    assert "Phiên này" in sessions and "Cốc Cốc 128 · Android" in sessions
    page.screenshot(path=str(OUTPUT / "my-sessions.png"), full_page=True)
    with page.expect_navigation():
        page.click("main button.primary")  # "Đăng xuất ở mọi nơi khác (1 phiên)"
    assert "Bạn không đăng nhập ở nơi nào khác." in page.inner_text("main")
    phone.goto(f"{base}/today/")
    assert phone.url.startswith(f"{base}/accounts/login/")
    page.goto(f"{base}/today/")
    assert page.url == f"{base}/today/"
    assert AccountEvent.objects.filter(official=official, event="signed_out_elsewhere").count() == 1
