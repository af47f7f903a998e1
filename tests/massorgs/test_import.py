"""The registry import's mass organization columns (per kind: date established, members) go through the massorgs
services: new records, corrections of the date, member counts entered as dated admissions or departures."""

from __future__ import annotations

import datetime

from django.utils import timezone

from massorgs import services
from massorgs.models import MassOrganization, MassOrganizationKind
from registry.models import ImportRowChange
from tests.factories import EnterpriseFactory
from tests.registry.import_helpers import csv_bytes, run_import

D = datetime.date
HEADERS = [
    "Tên doanh nghiệp",
    "Mã số thuế",
    "Loại hình",
    "Ngày thành lập công đoàn",
    "Số đoàn viên công đoàn",
    "Ngày thành lập chi đoàn",
    "Số đoàn viên thanh niên",
    "Ngày thành lập hội Liên hiệp thanh niên",
    "Số hội viên hội Liên hiệp thanh niên",
]


def test_update_mode_corrects_the_date_and_enters_the_member_difference_today(ward_official, ward):
    enterprise = EnterpriseFactory(unit=ward, tax_code="0101234567", name="Công ty TNHH An Bình")
    union = services.mass_organization_record(
        actor=ward_official,
        enterprise_id=enterprise.pk,
        kind=MassOrganizationKind.objects.get(code="trade_union"),
        established_on=D(2013, 5, 1),
        members=80,
    )
    data = csv_bytes(
        [["Công ty TNHH An Bình", "0101234567", "TNHH", "02/05/2013", "95", "", "", "01/03/2020", "30"]],
        headers=HEADERS,
    )
    job = run_import(ward_official, data, default_unit=ward, mode="update")
    assert job.status == "done", job.message
    union.refresh_from_db()
    assert union.established_on == D(2013, 5, 2)
    today = timezone.localdate()
    assert list(union.entries.order_by("pk").values_list("counted_on", "admitted", "departed", "source")) == [
        (D(2013, 5, 1), 80, 0, "establishment"),
        (today, 15, 0, "import"),
    ]
    assert union.history.order_by("pk").last().changes == {
        "established_on": ["2013-05-01", "2013-05-02"],
        "members": [80, 95],
    }
    federation = MassOrganization.objects.get(enterprise=enterprise, kind__code="youth_federation")
    assert federation.established_on == D(2020, 3, 1) and federation.entries.get().admitted == 30
    assert not MassOrganization.objects.filter(kind__code="youth_union").exists()
    change = ImportRowChange.objects.get(job=job)
    assert change.fields["trade_union_member_count"] == [80, 95]

    # The same file again: nothing changes.
    again = run_import(ward_official, data, default_unit=ward, mode="update")
    assert again.unchanged_count == 1 and union.entries.count() == 2

    # Fewer members: entered as members who left, on the day of the import.
    data = csv_bytes([["Công ty TNHH An Bình", "0101234567", "TNHH", "", "90", "", "", "", ""]], headers=HEADERS)
    run_import(ward_official, data, default_unit=ward, mode="update")
    assert union.entries.order_by("pk").last().departed == 5
    assert services.members_on(organization_id=union.pk, day=today) == 90
    assert services.members_on(organization_id=union.pk, day=D(2024, 1, 1)) == 80


def test_a_dry_run_writes_no_mass_organization(ward_official, ward):
    data = csv_bytes([["Công ty TNHH Mới", "0101234999", "TNHH", "02/05/2013", "95", "", "", "", ""]], headers=HEADERS)
    job = run_import(ward_official, data, default_unit=ward, dry_run=True)
    assert job.status == "done" and job.created_count == 1
    assert not MassOrganization.objects.exists()
