"""Shared by the browser tests."""

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Screenshots the browser tests save (not committed).
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
PASSWORD = "cellflow-demo"


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/inbox/")


def logout(page):
    page.click("header form button.link")
