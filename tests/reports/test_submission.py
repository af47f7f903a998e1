"""Review and submission of a period report: commentary, frozen snapshot, who may submit and reopen."""

import datetime

import pytest
from django.urls import reverse

from core.errors import Conflict, Forbidden, NotFound
from org.models import Role
from reports import services
from reports.models import Period, PeriodReport
from tests.factories import CaseFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def h1(db):
    return Period.objects.create(
        code="t-2024-h1",
        name="6 tháng đầu năm 2024",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2024, 6, 30),
    )


def establish(unit, day=datetime.date(2024, 3, 1)):
    return CaseFactory(enterprise=EnterpriseFactory(unit=unit), established=True, decision_date=day)


def test_submit_freezes_the_snapshot(h1, ward, org_officer):
    establish(ward)
    report = services.period_report_submit(
        actor=org_officer,
        unit=ward,
        period=h1,
        results="Đạt 1 chi bộ",
        difficulties="Chủ DN vắng",
        proposals="Tăng cán bộ",
    )
    assert report.status == PeriodReport.Status.SUBMITTED and report.submitted_by == org_officer
    snap = report.snapshot
    assert snap["indicators"]["new_party_organizations"]["value"] == 1
    assert snap["commentary"] == {"results": "Đạt 1 chi bộ", "difficulties": "Chủ DN vắng", "proposals": "Tăng cán bộ"}
    # A decision recorded later (backdated into the period) does not change what was submitted.
    establish(ward, datetime.date(2024, 5, 1))
    report.refresh_from_db()
    assert report.snapshot["indicators"]["new_party_organizations"]["value"] == 1
    from reports.period_reports import period_report_data

    assert period_report_data(unit=ward, period=h1, report=report) == report.snapshot
    with pytest.raises(Conflict):
        services.period_report_save_commentary(
            actor=org_officer, unit=ward, period=h1, results="x", difficulties="", proposals=""
        )
    with pytest.raises(Conflict):
        services.period_report_submit(actor=org_officer, unit=ward, period=h1)


def test_only_the_units_organization_officers_submit(h1, ward, make_official, province_supervisor):
    with pytest.raises(Forbidden):
        services.period_report_submit(
            actor=make_official(ward, Role.WARD_OFFICIAL, Role.SUPERVISOR), unit=ward, period=h1
        )
    # The parent unit reviews but does not submit for its child.
    with pytest.raises(Forbidden):
        services.period_report_submit(actor=province_supervisor, unit=ward, period=h1)
    assert not PeriodReport.objects.filter(status="submitted").exists()


def test_only_the_parent_reopens(h1, ward, sibling_ward, org_officer, province_supervisor, make_official):
    services.period_report_submit(actor=org_officer, unit=ward, period=h1, results="Kết quả")
    with pytest.raises(Forbidden):
        services.period_report_reopen(actor=org_officer, unit=ward, period=h1)
    with pytest.raises(Forbidden):
        services.period_report_reopen(actor=make_official(ward, Role.DECISION_MAKER), unit=ward, period=h1)
    with pytest.raises(NotFound):
        services.period_report_reopen(actor=make_official(sibling_ward, Role.SUPERVISOR), unit=ward, period=h1)
    report = services.period_report_reopen(actor=province_supervisor, unit=ward, period=h1)
    assert (report.status, report.snapshot, report.submitted_at) == ("draft", None, None)
    assert report.results == "Kết quả"  # the commentary stays for the next submission
    with pytest.raises(Conflict):
        services.period_report_reopen(actor=province_supervisor, unit=ward, period=h1)
    # After reopening the unit can edit and submit again.
    services.period_report_save_commentary(
        actor=org_officer, unit=ward, period=h1, results="Sửa", difficulties="", proposals=""
    )
    assert (
        services.period_report_submit(actor=org_officer, unit=ward, period=h1).snapshot["commentary"]["results"]
        == "Sửa"
    )


def test_pages_save_submit_and_reopen(h1, ward, org_officer, province_supervisor, client):
    establish(ward)
    url = reverse("reports:period_report", args=[ward.code, h1.code])
    save = reverse("reports:period_report_save", args=[ward.code, h1.code])
    client.force_login(org_officer)
    page = client.get(url)
    assert page.context["may_edit"] and not page.context["submitted"]
    response = client.post(save, {"results": "Kết quả", "difficulties": "Khó khăn", "proposals": "", "save": "1"})
    assert response.status_code == 302
    assert PeriodReport.objects.get(unit=ward, period=h1).difficulties == "Khó khăn"
    response = client.post(
        save, {"results": "Kết quả", "difficulties": "Khó khăn", "proposals": "Đề xuất", "submit": "1"}
    )
    assert response.status_code == 302
    report = PeriodReport.objects.get(unit=ward, period=h1)
    assert report.status == "submitted" and report.snapshot["commentary"]["proposals"] == "Đề xuất"
    # Submitted again: refused with a message and 409, nothing changes.
    response = client.post(save, {"results": "Khác", "submit": "1"})
    assert response.status_code == 409
    assert "đã được gửi" in response.content.decode() or "already been submitted" in response.content.decode()
    assert PeriodReport.objects.get(unit=ward, period=h1).results == "Kết quả"
    # The unit cannot reopen; the parent sees the snapshot and can.
    reopen = reverse("reports:period_report_reopen", args=[ward.code, h1.code])
    assert client.post(reopen).status_code == 403
    client.force_login(province_supervisor)
    page = client.get(url)
    assert page.context["submitted"] and page.context["may_reopen"] and not page.context["may_edit"]
    assert page.context["data"] == report.snapshot
    assert client.post(reopen).status_code == 302
    assert PeriodReport.objects.get(unit=ward, period=h1).status == "draft"


def test_commentary_too_long_is_refused(h1, ward, org_officer, client):
    client.force_login(org_officer)
    save = reverse("reports:period_report_save", args=[ward.code, h1.code])
    response = client.post(save, {"results": "x" * 20001, "save": "1"})
    assert response.status_code == 400
    assert not PeriodReport.objects.filter(results__startswith="x").exists()


def test_submission_stops_reminders_by_status(h1, ward, org_officer):
    """The reminder sweep reads PeriodReport.status: after submission the unit has no report left in draft."""
    services.period_report_save_commentary(
        actor=org_officer, unit=ward, period=h1, results="", difficulties="", proposals=""
    )
    assert PeriodReport.objects.filter(unit=ward, period=h1, status="draft").exists()
    services.period_report_submit(actor=org_officer, unit=ward, period=h1)
    assert not PeriodReport.objects.filter(unit=ward, period=h1).exclude(status="submitted").exists()


def test_index_opens_my_units_latest_ended_report(h1, ward, org_officer, client):
    Period.objects.create(
        code="t-2099", name="2099", starts_on=datetime.date(2099, 1, 1), ends_on=datetime.date(2099, 12, 31)
    )
    client.force_login(org_officer)
    response = client.get(reverse("reports:period_report_index"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:period_report", args=[ward.code, h1.code]
    )
