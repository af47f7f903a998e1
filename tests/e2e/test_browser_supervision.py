"""In Chromium: a supervisor opens the stalled list, reassigns a case, and the dashboard is saved as a screenshot."""

import io

import pytest
from django.core.management import call_command
from viewflow.workflow.models import Task

from org.models import Official
from reports.models import Period
from workflows.services import workflow_backfill

from .helpers import OUTPUT, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_supervisor_reassigns_a_stalled_case_and_sees_the_dashboard(live_server, browser):
    call_command("seed_demo", stdout=io.StringIO())
    workflow_backfill()
    base = live_server.url
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    login(page, base, "hn.bcd")

    new_owner = Official.objects.get(username="cn.canbo")
    # Only an official who can open the case may receive it: filter the list to the new owner's ward.
    page.goto(f"{base}/supervision/stalled/")
    page.select_option("select[name=unit]", str(new_owner.unit_id))
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    first = page.locator("input[name=cases]").first
    case_id = int(first.get_attribute("value"))
    first.check()
    page.select_option("select[name=new_owner]", str(new_owner.pk))
    with page.expect_navigation():
        page.click("form[action$='reassign/'] button.primary")
    assert "cn.canbo" in page.inner_text("main") or str(new_owner) in page.inner_text("main")
    assert Task.objects.filter(sla__case_id=case_id, owner=new_owner, status="ASSIGNED").exists()

    period = Period.objects.get(code="2024-h1")
    page.goto(f"{base}/supervision/?period={period.pk}")
    text = page.inner_text("main")
    assert "72,2%" in text and "55,5%" in text and "17.313" in text
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "supervision-dashboard.png"), full_page=True)
    assert (OUTPUT / "supervision-dashboard.png").stat().st_size > 10_000
