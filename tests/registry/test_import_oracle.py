"""The import tells nothing about enterprises outside the importer's jurisdiction, and an official's uploads are
rate-limited (issue 20: a dry run was an oracle for the name and ward of any tax code in the country)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from org.models import Role
from registry.imports.errors import ImportRateLimited
from registry.imports.report import import_error_report_xlsx
from registry.models import Enterprise, ImportJob
from tests.factories import EnterpriseFactory

from .import_helpers import csv_bytes, row, run_import

pytestmark = pytest.mark.django_db

FOREIGN_NAME = "Công ty TNHH Bí Mật Cửa Nam"
FOREIGN_TAX = "0109999999"


@pytest.fixture
def foreign(sibling_ward):
    return EnterpriseFactory(unit=sibling_ward, tax_code=FOREIGN_TAX, name=FOREIGN_NAME, worker_count=7)


def _everything_the_importer_sees(client, job) -> str:
    """The result page, the stored row errors and changes (both languages) and the XLSX report, as one text."""
    from openpyxl import load_workbook

    page = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    stored = [
        " ".join(map(str, values)) for values in job.errors.values_list("column", "value", "message", "message_en")
    ] + [" ".join(map(str, values)) for values in job.changes.values_list("tax_code", "name", "fields")]
    workbook = load_workbook(io.BytesIO(import_error_report_xlsx(job=job)))
    cells = [str(c) for sheet in workbook.worksheets for r in sheet.iter_rows(values_only=True) for c in r]
    return "\n".join([page, *stored, *cells, job.message])


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "write"])
@pytest.mark.parametrize("mode", ["insert", "strict", "update"])
def test_a_tax_code_registered_elsewhere_is_reported_without_name_or_ward(
    mode, dry_run, client, ward_official, ward, sibling_ward, foreign
):
    data = csv_bytes([row(tax=FOREIGN_TAX, name="Tên tôi gõ", unit=""), row(tax="0101234567")])
    job = run_import(ward_official, data, mode=mode, dry_run=dry_run, default_unit=ward)

    error = job.errors.get(row=2)
    assert error.code == "duplicate_outside"
    assert error.message == (
        f"Mã số thuế {FOREIGN_TAX} đã được đăng ký ở đơn vị khác; đề nghị đồng chí hỏi đơn vị đó hoặc cấp trên."
    )
    assert error.message_en == f"Tax code {FOREIGN_TAX} is registered in another unit; ask that unit or your superior."
    client.force_login(ward_official)
    seen = _everything_the_importer_sees(client, job)
    for secret in (FOREIGN_NAME, sibling_ward.name, sibling_ward.code, "Bí Mật"):
        assert secret not in seen, (mode, dry_run, secret)
    foreign.refresh_from_db()
    assert (foreign.name, foreign.unit, foreign.worker_count) == (FOREIGN_NAME, sibling_ward, 7)
    # The other row is treated as before: added unless strict (any error) or a dry run.
    assert Enterprise.objects.filter(tax_code="0101234567").exists() == (mode != "strict" and not dry_run)


def test_the_same_answer_whatever_the_row_says_about_the_unit(ward_official, ward, foreign):
    """An explicit unit code of the importer's own ward does not change the answer (update mode would otherwise move
    the enterprise in)."""
    job = run_import(ward_official, csv_bytes([row(tax=FOREIGN_TAX, unit=ward.code)]), mode="update")
    assert {(e.row, e.code) for e in job.errors.all()} == {(2, "duplicate_outside")}
    assert Enterprise.objects.get(tax_code=FOREIGN_TAX).unit == foreign.unit


def test_inside_the_jurisdiction_the_enterprise_is_named(make_official, province, ward, sibling_ward, foreign):
    """A province official's jurisdiction holds both wards: the duplicate is named, with its ward."""
    importer = make_official(province, Role.WARD_OFFICIAL)
    job = run_import(importer, csv_bytes([row(tax=FOREIGN_TAX, unit=ward.code)]), dry_run=True)
    error = job.errors.get()
    assert error.code == "duplicate_in_db"
    assert FOREIGN_NAME in error.message_en and sibling_ward.name in error.message_en
    assert FOREIGN_NAME in error.message and "chế độ cập nhật" in error.message


# --- rate limit ---------------------------------------------------------------------------------------------------


def _upload(client, data=None, **fields):
    payload = {"file": SimpleUploadedFile("registry.csv", data or csv_bytes([row()])), "mode": "insert", **fields}
    return client.post(reverse("registry:import_new"), payload)


@override_settings(CELLFLOW_IMPORT_RATE_PER_HOUR=3)
def test_uploads_beyond_the_hourly_limit_are_refused_with_429(client, ward_official, ward):
    client.force_login(ward_official)
    assert [_upload(client, dry_run="on").status_code for _ in range(3)] == [302, 302, 302]
    first = ImportJob.objects.order_by("created_at").first().created_at

    refused = _upload(client)
    assert refused.status_code == 429
    html = refused.content.decode()
    again = timezone.localtime(first + datetime.timedelta(hours=1)).strftime("%H:%M")
    assert (
        "Đồng chí đã tải lên 3 tệp trong một giờ qua; mỗi giờ chỉ được tải lên tối đa 3 tệp. "
        f"Vui lòng thử lại sau {again}."
    ) in html
    assert ImportJob.objects.count() == 3

    client.cookies["django_language"] = "en"
    html = _upload(client).content.decode()
    assert "You have uploaded 3 files in the last hour; at most 3 an hour are allowed." in html

    # An hour later the oldest upload no longer counts.
    ImportJob.objects.filter(created_at=first).update(created_at=first - datetime.timedelta(hours=1))
    assert _upload(client).status_code == 302


@override_settings(CELLFLOW_IMPORT_RATE_PER_HOUR=1)
def test_the_limit_is_per_official_and_the_command_line_is_exempt(make_official, ward, ward_official):
    run_import(ward_official, csv_bytes([row()]))
    with pytest.raises(ImportRateLimited):
        run_import(ward_official, csv_bytes([row(tax="0101234568")]))
    # The command line (an administrator on the server) is not limited ...
    job = run_import(ward_official, csv_bytes([row(tax="0101234569")]), via_command=True)
    assert job.created_count == 1
    # ... and a colleague has an allowance of their own.
    colleague = make_official(ward, Role.WARD_OFFICIAL)
    assert run_import(colleague, csv_bytes([row(tax="0101234570")])).created_count == 1


@override_settings(CELLFLOW_IMPORT_RATE_PER_HOUR=0)
def test_zero_lifts_the_limit(ward_official):
    for n in range(3):
        run_import(ward_official, csv_bytes([row(tax=f"010123456{n}")]), dry_run=True)
    assert ImportJob.objects.count() == 3


def test_the_default_limit_is_thirty_an_hour(settings):
    assert settings.CELLFLOW_IMPORT_RATE_PER_HOUR == 30
