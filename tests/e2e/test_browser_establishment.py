"""In real headless Chromium: one enterprise from survey to established, each official through their own inbox,
with the demo logins (ward official hk.canbo, organization officer hk.bantochuc, decision maker hk.bithu)."""

import os

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from org.models import Official
from registry.models import Enterprise
from tests.factories import EnterpriseFactory, add_full_members

from .helpers import OUTPUT, login, logout

pytestmark = pytest.mark.django_db(transaction=True)


def open_task_from_inbox(page, enterprise_name):
    page.get_by_role("row").filter(has_text=enterprise_name).get_by_role("link").first.click()
    page.wait_for_selector("section.actions form")


def submit_task(page):
    with page.expect_navigation():
        page.click("section.actions button[type=submit]")
    assert not page.locator("div.error").count(), page.locator("div.error").inner_text()


def test_enterprise_from_survey_to_established_in_chromium(live_server, browser):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    ward_official = Official.objects.get(username="hk.canbo")
    enterprise = EnterpriseFactory(
        unit=ward_official.unit, name="Công ty Cổ phần Trình Duyệt Hoàn Kiếm", tax_code="0109999991"
    )
    add_full_members(enterprise, 3)
    case = case_services.case_open(actor=ward_official, enterprise=enterprise)
    today = timezone.localdate().isoformat()
    base = live_server.url
    page = browser.new_page(locale="vi-VN")

    # 1. The ward official surveys, then meets the owner, who agrees.
    login(page, base, "hk.canbo")
    open_task_from_inbox(page, enterprise.name)
    page.select_option("select[name=kind]", "deep")
    page.fill("input[name=surveyed_on]", today)
    page.fill("input[name=worker_count]", "120")
    submit_task(page)
    open_task_from_inbox(page, enterprise.name)
    page.fill("input[name=contacted_on]", today)
    page.fill("input[name=met_whom]", "Đồng chí An gặp ông Giám đốc")
    page.select_option("select[name=stance]", "agrees")
    submit_task(page)
    logout(page)

    # 2. The organization officer prepares the proposal.
    login(page, base, "hk.bantochuc")
    open_task_from_inbox(page, enterprise.name)
    for box in page.locator("input[name=members]").all():
        box.check()
    page.select_option("select[name=secretary]", index=1)
    page.select_option("select[name=deputy]", index=2)
    submit_task(page)
    logout(page)

    # 3. The decision maker approves.
    login(page, base, "hk.bithu")
    open_task_from_inbox(page, enterprise.name)
    page.fill("input[name=decision_number]", "147-QĐ/ĐU")
    page.fill("input[name=decision_date]", today)
    # The deciding committee defaults to the one the proposal named. "Phê duyệt" asks first: it cannot be undone.
    assert page.locator("#proposal li").count() == 3  # the members ticked in the proposal
    confirmations = []
    page.on("dialog", lambda d: (confirmations.append(d.message), d.accept()))
    with page.expect_navigation():
        page.click("section.actions button[name=outcome][value=approve]")
    assert confirmations and "không thể rút lại" in confirmations[0]

    page.goto(f"{base}/cases/{case.pk}/")
    assert "Đã thành lập" in page.inner_text("main")
    assert "147-QĐ/ĐU" in page.inner_text("main")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "case-established.png"), full_page=True)

    case.refresh_from_db()
    assert case.state == Case.State.ESTABLISHED
    assert list(case.history.values_list("event", flat=True)) == [
        "open",
        "survey",
        "start_outreach",
        "start_proposal",
        "submit_proposal",
        "approve",
        "appoint_secretary",
    ]
    assert Enterprise.objects.get(pk=enterprise.pk).worker_count == 120
    assert case.deciding_committee == ward_official.unit
