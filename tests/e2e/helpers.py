"""Shared by the browser tests."""

import shutil
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Screenshots the browser tests save (not committed).
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
PASSWORD = "cellflow-demo"
LANDING = "/today/"


def totp_code(device, offset: int = 0) -> str:
    """The code an authenticator app shows now for this django-otp device (the library's own TOTP)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def second_factor(page, base, username):
    """After the password: the code of the official's device, or (first sign-in of a role that needs one) the
    set-up with the key the page shows, as a phone would. Returns the recovery codes shown, if any."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if page.url.endswith("/accounts/login/code/"):
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.fill("input[name=code]", totp_code(device, offset=30))
        with page.expect_navigation():
            page.click("main button[type=submit]")
    if page.url.endswith("/accounts/two-factor/"):
        device = TOTPDevice.objects.get(user__username=username, confirmed=False)
        page.fill("input[name=code]", totp_code(device))
        with page.expect_navigation():
            page.click("main button[type=submit]")
        page.wait_for_selector("#recovery-codes")
        codes = page.locator("#recovery-codes li").all_inner_texts()
        page.click("main a.button.primary")
        return codes
    return []


def login(page, base, username, password=PASSWORD, then="/inbox/"):
    """Sign in through the form (and the second factor), land on the start page, then open ``then``."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    second_factor(page, base, username)
    page.wait_for_url(f"{base}{LANDING}")
    if then and then != LANDING:
        page.goto(f"{base}{then}")


def logout(page):
    page.click("header form button.link")
