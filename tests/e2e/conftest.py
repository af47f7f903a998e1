"""Browser tests: real headless Chromium (Debian's package) driven by Playwright."""

import os

import pytest
from django.db import connections

from .helpers import CHROMIUM


@pytest.fixture
def browser():
    if CHROMIUM is None:
        if os.environ.get("CELLFLOW_REQUIRE_SERVICES"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("needs Debian's chromium (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        # ORM calls made while Playwright's loop runs open connections in its context: close them here, or the
        # test database cannot be dropped at the end of the run.
        connections.close_all()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
