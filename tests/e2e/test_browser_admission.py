"""In real headless Chromium: a ward official records an admission candidate, the organization officer and the
decision maker take them through admission in their own inboxes, and the probation shows with its end date
(demo logins hk.canbo, hk.bantochuc, hk.bithu)."""

import os

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.utils import timezone
from django.utils.formats import date_format

from members.models import Candidate
from org.models import Official
from tests.factories import EnterpriseFactory, add_full_members
from workflows.models import AssignmentRule

from .helpers import OUTPUT, login, logout

pytestmark = pytest.mark.django_db(transaction=True)


TAX_CODE = "0109999992"
STEP_OWNERS = {
    "candidate_course": "hk.canbo",
    "candidate_application": "hk.canbo",
    "candidate_check": "hk.bantochuc",
    "candidate_resolution": "hk.bantochuc",
    "candidate_decision": "hk.bithu",
    "candidate_ceremony": "hk.bantochuc",
}


def open_task_from_inbox(page, candidate_name):
    # The demo inbox is long: search it by the enterprise's tax code, as an official would.
    page.goto(f"{page.url.split('/', 3)[0]}//{page.url.split('/', 3)[2]}/inbox/?q={TAX_CODE}")
    page.get_by_role("row").filter(has_text=candidate_name).get_by_role("link").first.click()
    page.wait_for_selector("section.actions form")


def submit(page, selector="section.actions button[type=submit]"):
    with page.expect_navigation():
        page.click(selector)
    assert not page.locator("div.error, .errorlist").count(), page.inner_text("main")


def test_a_candidate_through_admission_in_chromium(live_server, browser):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    ward_official = Official.objects.get(username="hk.canbo")
    enterprise = EnterpriseFactory(unit=ward_official.unit, name="Công ty TNHH Kết Nạp Hoàn Kiếm", tax_code=TAX_CODE)
    add_full_members(enterprise, 2)  # the mentors
    # The ward's assignment rules for the admission steps (the admin's "Assignment rules", as for case steps).
    people = {u: Official.objects.get(username=u) for u in ("hk.canbo", "hk.bantochuc", "hk.bithu")}
    for step, username in STEP_OWNERS.items():
        AssignmentRule.objects.update_or_create(
            unit=ward_official.unit, step=step, defaults={"official": people[username]}
        )
    today = timezone.localdate()
    iso = today.isoformat()
    name = "Phạm Thị Ưu Tú"
    base = live_server.url
    page = browser.new_page(locale="vi-VN")

    # 1. The ward official records the candidate from the enterprise page, then the course and the application.
    login(page, base, "hk.canbo")
    page.goto(f"{base}/enterprises/{enterprise.pk}/")
    page.get_by_role("link", name="Ghi nhận quần chúng ưu tú").click()
    page.fill("input[name=full_name]", name)
    page.fill("input[name=born_on]", (today - relativedelta(years=28)).isoformat())
    page.select_option("select[name=recommended_by]", "youth_union")
    page.fill("input[name=recommended_on]", iso)
    submit(page, "main button[type=submit]")
    assert name in page.inner_text("h1")
    open_task_from_inbox(page, name)
    page.fill("input[name=passed_on]", iso)
    page.fill("input[name=certificate_number]", "GCN-123")
    submit(page)
    open_task_from_inbox(page, name)
    page.fill("input[name=applied_on]", iso)
    mentors = list(enterprise.members.order_by("pk"))
    page.select_option("select[name=mentor_1]", str(mentors[0].pk))
    page.select_option("select[name=mentor_2]", str(mentors[1].pk))
    submit(page)
    logout(page)

    # 2. The organization officer records the background check and the resolution.
    login(page, base, "hk.bantochuc")
    open_task_from_inbox(page, name)
    page.fill("input[name=checked_on]", iso)
    submit(page)
    open_task_from_inbox(page, name)
    page.fill("input[name=resolved_on]", iso)
    page.select_option("select[name=resolved_by]", "committee")
    submit(page)
    logout(page)

    # 3. The decision maker decides the admission.
    login(page, base, "hk.bithu")
    open_task_from_inbox(page, name)
    page.fill("input[name=decision_number]", "35-QĐ/ĐU")
    page.fill("input[name=decided_on]", iso)
    submit(page)
    logout(page)

    # 4. The organization officer holds the ceremony: the member is probationary until the end of the 12 months.
    login(page, base, "hk.bantochuc")
    open_task_from_inbox(page, name)
    page.fill("input[name=held_on]", iso)
    submit(page)
    candidate = Candidate.objects.get(full_name=name)
    page.goto(f"{base}/candidates/{candidate.pk}/")
    text = page.inner_text("main")
    end = date_format(today + relativedelta(months=12), "SHORT_DATE_FORMAT")
    assert "Đang dự bị" in text
    assert end in text
    page.goto(f"{base}/enterprises/{enterprise.pk}/")
    assert name in page.inner_text("#members")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base}/candidates/{candidate.pk}/")
    page.screenshot(path=str(OUTPUT / "admission.png"), full_page=True)
