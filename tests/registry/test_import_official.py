"""Registry files in the official layout: national title rows, merged two-row headers, leading zeros, partial updates,
binaries, and the report and template that go with them (issue 19)."""

from __future__ import annotations

import datetime

import pytest

from massorgs.models import MassOrganization
from registry.imports.fields import guess_mapping, header_score
from registry.imports.reading import read_table
from registry.models import Enterprise, ImportJob

from .import_helpers import csv_bytes, official_xlsx, run_import

pytestmark = pytest.mark.django_db


def test_the_header_is_found_below_the_title_rows_and_merged_headers_are_unmerged():
    table = read_table(data=official_xlsx(), filename="danh-sach.xlsx", header_score=header_score)
    assert table.headers[:8] == [
        "STT",
        "Tên doanh nghiệp",
        "MÃ SỐ THUẾ",
        "Loại hình",
        "Địa chỉ trụ sở",
        "Mã đơn vị",
        "Người liên hệ",
        "Số điện thoại",
    ]
    assert table.headers[8:] == [
        "Công đoàn cơ sở / Ngày thành lập",
        "Công đoàn cơ sở / Số đoàn viên",
        "Đoàn Thanh niên / Ngày thành lập",
        "Đoàn Thanh niên / Số đoàn viên",
    ]
    # The column numbers (1)…(12), the heading row merged across and the signature block are not enterprises; the
    # row numbers are the sheet's own.
    assert [number for number, _values in table.rows] == [9, 11]
    # The unit code merged down over the enterprises reaches every row.
    assert [values[5] for _number, values in table.rows] == ["W01", "W01"]
    assert guess_mapping(table.headers) == {
        "1": "name",
        "2": "tax_code",
        "3": "enterprise_type",
        "4": "address",
        "5": "unit",
        "6": "contact_name",
        "7": "contact_phone",
        "8": "trade_union_established_on",
        "9": "trade_union_member_count",
        "10": "youth_union_established_on",
        "11": "youth_union_member_count",
    }


def test_an_official_layout_file_imports_every_row_and_column(ward_official, ward):
    job = run_import(ward_official, official_xlsx(), filename="danh-sach.xlsx")
    assert (job.status, job.rows_total, job.created_count, job.rows_rejected) == (ImportJob.Status.DONE, 2, 2, 0)
    first = Enterprise.objects.get(tax_code="0101234567")  # a number cell: its leading zero is back
    assert (first.name, first.enterprise_type, first.address, first.unit) == (
        "Công ty TNHH Hoàn Kiếm",
        "limited_liability",
        "1 Hàng Bạc",
        ward,
    )
    assert (first.contact_name, first.contact_phone) == ("Nguyễn Văn A", "0912345678")
    organizations = {o.kind.code: o for o in MassOrganization.objects.filter(enterprise=first)}
    assert organizations["trade_union"].established_on == datetime.date(2020, 1, 2)
    assert organizations["youth_union"].established_on == datetime.date(2021, 3, 4)
    second = Enterprise.objects.get(tax_code="0101234568")
    assert (second.enterprise_type, second.unit, second.contact_phone) == ("joint_stock", ward, "0912345679")


def test_title_rows_above_a_csv_header_are_skipped(ward_official, ward):
    data = csv_bytes(
        [
            ["Độc lập - Tự do - Hạnh phúc", "", ""],
            ["", "", ""],
            ["Tên doanh nghiệp", "Mã số thuế", "Mã đơn vị"],
            ["Công ty TNHH Một", "0101234567", "W01"],
        ],
        headers=["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", ""],
    )
    job = run_import(ward_official, data)
    assert job.headers == ["Tên doanh nghiệp", "Mã số thuế", "Mã đơn vị"]
    assert job.created_count == 1 and not job.errors.exists()


def test_a_file_without_known_headers_keeps_its_first_row_as_the_header(ward_official, ward):
    table = read_table(data=b"cot 1,cot 2\r\nx,y\r\n", filename="r.csv", header_score=header_score)
    assert table.headers == ["cot 1", "cot 2"] and table.rows == [(2, ["x", "y"])]


# --- leading zeros ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (101234567, "0101234567"),  # an XLSX number cell
        (101234567.0, "0101234567"),
        ("101234567", "0101234567"),  # a CSV saved by Excel from such a column
        (101234567001, "0101234567-001"),  # a branch's 13 digits as a number
        ("101234567-001", "0101234567-001"),
        ("0101234567001", "0101234567-001"),
        ("0101 234 567", "0101234567"),
        (3101234567, "3101234567"),  # nothing lost
    ],
)
def test_tax_codes_that_lost_their_leading_zero_get_it_back(cell, expected):
    from registry.imports.fields import parse_tax_code

    assert parse_tax_code(cell) == expected


@pytest.mark.parametrize("cell", ["1.01235E+12", "1,01235E+12", "12345", "01012345678"])
def test_tax_codes_that_cannot_be_restored_are_errors(cell):
    from registry.imports.fields import RowValueError, parse_tax_code

    with pytest.raises(RowValueError):
        parse_tax_code(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (912345678, "0912345678"),  # a mobile number stored as a number
        ("912345678", "0912345678"),
        (2438251234, "02438251234"),  # a Hà Nội landline
        ("0912345678", "0912345678"),
        ("84912345678", "84912345678"),  # the country code: as written
        ("+84 912 345 678", "+84 912 345 678"),
        ("024.3825.1234", "024.3825.1234"),
    ],
)
def test_phone_numbers_keep_their_leading_zero(cell, expected):
    from registry.imports.fields import FIELDS, parse_value

    assert parse_value(FIELDS["contact_phone"], cell) == expected


def test_a_csv_with_codes_excel_stripped_imports_them_whole(ward_official, ward):
    data = csv_bytes(
        [["Công ty TNHH Một", "101234567", "912345678"]], headers=["Tên doanh nghiệp", "Mã số thuế", "Điện thoại"]
    )
    job = run_import(ward_official, data, default_unit=ward)
    assert job.created_count == 1
    assert Enterprise.objects.values_list("tax_code", "contact_phone").get() == ("0101234567", "0912345678")


# --- update mode with some columns ------------------------------------------------------------------------


FULL = {
    "name": "Công ty TNHH Samsung Việt Nam",
    "enterprise_type": "foreign_invested",
    "address": "1 Hàng Bạc",
    "owner_name": "Kim A",
    "worker_count": 900,
    "operating_status": "active",
    "contact_name": "Lê C",
    "contact_phone": "0912000000",
    "contact_email": "c@example.vn",
}


def _snapshot(tax_code):
    values = Enterprise.objects.filter(tax_code=tax_code).values(*FULL, "unit_id").get()
    return values


def test_update_with_a_partial_file_changes_only_its_columns(ward_official, ward, sibling_ward):
    from tests.factories import EnterpriseFactory

    EnterpriseFactory(unit=ward, tax_code="0101234567", **FULL)
    EnterpriseFactory(unit=ward, tax_code="0101234568", **{**FULL, "contact_phone": "0913000000"})
    before = {code: _snapshot(code) for code in ("0101234567", "0101234568")}
    data = csv_bytes(
        [
            ["0101234567", "0987654321", "950"],
            ["101234568", "", "12"],  # an empty cell keeps the phone; the code lost its zero
            ["0101234569", "0911111111", "1"],  # not registered: a new enterprise needs a name
        ],
        headers=["Mã số thuế", "Số điện thoại", "Số lao động"],
    )
    # No name, type or unit column and no default unit: update mode needs the tax code only.
    job = run_import(ward_official, data, mode="update")
    assert (job.updated_count, job.created_count, job.rows_rejected) == (2, 0, 1)
    assert {(e.row, e.code) for e in job.errors.all()} == {(4, "name_missing")}
    after = {code: _snapshot(code) for code in ("0101234567", "0101234568")}
    assert after["0101234567"] == {**before["0101234567"], "contact_phone": "0987654321", "worker_count": 950}
    assert after["0101234568"] == {**before["0101234568"], "worker_count": 12}
    assert not Enterprise.objects.filter(tax_code="0101234569").exists()
    changed = {frozenset(c.fields) for c in job.changes.all()}
    assert changed == {frozenset({"contact_phone", "worker_count"}), frozenset({"worker_count"})}


def test_insert_mode_still_needs_the_name_column(ward_official, ward):
    from registry.imports.services import import_job_create, import_job_set_mapping

    data = csv_bytes([["0101234567", "0987654321"]], headers=["Mã số thuế", "Số điện thoại"])
    job = import_job_create(actor=ward_official, filename="r.csv", data=data, default_unit=ward)
    _job, problems = import_job_set_mapping(actor=ward_official, job_id=job.pk, mapping=job.mapping)
    assert problems and "Tên doanh nghiệp" in problems[0]


# --- files that are not tables -------------------------------------------------------------------------------


def _zip(names):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >>", "danh-sach.csv", "PDF"),
        (b"%PDF-1.7\n1 0 obj", "danh-sach.xlsx", "PDF"),
        (OLE, "danh-sach.xlsx", ".xls"),  # an old .xls renamed
        (OLE, "danh-sach.csv", ".xls"),
        (OLE, "danh-sach.xls", ".xls"),
        (_zip(["a.txt", "b/c.csv"]), "danh-sach.xlsx", "ZIP"),  # a zip that is not a workbook
        (_zip(["word/document.xml", "[Content_Types].xml"]), "danh-sach.xlsx", "Word"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "danh-sach.csv", None),
        (b"<html><body><table><tr><td>MST</td></tr></table></body></html>", "danh-sach.xls", "HTML"),
        (b"<html><body><table><tr><td>MST</td></tr></table></body></html>", "danh-sach.csv", "HTML"),
        (bytes(range(1, 32)) * 50, "danh-sach.csv", None),  # control characters, no NUL
    ],
)
def test_a_file_that_is_not_a_table_is_refused_in_vietnamese(data, filename, kind, ward_official, ward):
    from registry.imports.errors import ImportFileError
    from registry.imports.services import import_job_create

    with pytest.raises(ImportFileError) as info:
        import_job_create(actor=ward_official, filename=filename, data=data, default_unit=ward)
    assert info.value.status == 400 and info.value.code == "binary"
    message = str(info.value.message)
    assert "CSV" in message and "XLSX" in message
    if kind:
        assert kind in message
    assert not ImportJob.objects.exists()


def test_the_page_answers_400_with_the_message_and_stores_nothing(client, ward_official, ward):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(ward_official)
    upload = SimpleUploadedFile("danh-sach.xlsx", OLE)
    response = client.post(reverse("registry:import_new"), {"file": upload, "mode": "insert", "default_unit": ward.pk})
    assert response.status_code == 400
    assert "không phải tệp CSV hay XLSX" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_xlsx_workbook_under_another_name_is_read_as_xlsx(ward_official, ward):
    job = run_import(ward_official, official_xlsx(), filename="danh-sach.xls")
    assert job.file_format == "xlsx" and job.created_count == 2


# --- the error file ---------------------------------------------------------------------------------------


def test_the_error_file_names_the_original_file_the_sheet_row_and_the_enterprise(client, ward_official, ward):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    rows = [
        [1, "Công ty TNHH Hoàn Kiếm", 101234567, "TNHH", "1 Hàng Bạc", "W01", "", "", None, None, None, None],
        [2, "Công ty cổ phần Sai Mã", "12345", "CTCP", "2 Hàng Bạc", None, "", "", None, None, None, None],
    ]
    job = run_import(ward_official, official_xlsx(rows), filename="Danh sách DN phường.xlsx")
    assert job.created_count == 1
    error = job.errors.get()
    assert (error.row, error.tax_code, error.name) == (11, "12345", "Công ty cổ phần Sai Mã")  # the sheet's row 11

    client.force_login(ward_official)
    response = client.get(reverse("registry:import_report", args=[job.pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "attachment" in disposition and "filename*=utf-8''" in disposition
    assert "Danh%20s%C3%A1ch%20DN%20ph%C6%B0%E1%BB%9Dng%20-%20b%C3%A1o%20c%C3%A1o%20nh%E1%BA%ADp" in disposition
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert any(v[0] == "Tệp gốc: Danh sách DN phường.xlsx" for v in values)
    header = next(i for i, v in enumerate(values) if v[0] == "Dòng trong tệp gốc")
    assert values[header + 1][:5] == [11, "12345", "Công ty cổ phần Sai Mã", "MÃ SỐ THUẾ", "12345"]
    assert values[header + 1][5].startswith("Mã số thuế “12345” không hợp lệ")
    # And the page shows the enterprise on its error row.
    page = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "Công ty cổ phần Sai Mã" in page


# --- the template ----------------------------------------------------------------------------------------


def test_the_template_downloads_from_the_import_page_and_imports_as_it_is(client, ward_official, ward):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    from registry.imports.fields import FIELDS
    from registry.imports.template import EXAMPLE_MARK

    client.force_login(ward_official)
    page = client.get(reverse("registry:import_new")).content.decode()
    url = reverse("registry:import_template")
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Danh sách"]
    assert sheet["A1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and "Hướng dẫn" in workbook.sheetnames
    assert sheet["A9"].value == EXAMPLE_MARK and sheet["C9"].number_format == "@"

    # Left untouched, the template has no enterprise (the example row is not one).
    from registry.imports.errors import ImportFileError

    with pytest.raises(ImportFileError) as info:
        read_table(data=response.content, filename="mau.xlsx", header_score=header_score)
    assert info.value.code == "no_rows"

    # The official fills it in: the example row made real, and one more enterprise below it.
    sheet["A9"] = 1
    for column, value in enumerate([2, "Hợp tác xã Nông nghiệp An Bình", "0101234568"], start=1):
        sheet.cell(row=10, column=column, value=value)
    filled = io.BytesIO()
    workbook.save(filled)
    job = run_import(ward_official, filled.getvalue(), filename="mau.xlsx", default_unit=ward)
    assert set(job.mapping.values()) == set(FIELDS)  # every column of the template is recognised
    assert (job.created_count, job.rows_rejected) == (2, 0), list(job.errors.values_list("message", flat=True))
    example = Enterprise.objects.get(tax_code="0101234567")
    assert (example.enterprise_type, example.worker_count, example.contact_phone) == (
        "limited_liability",
        45,
        "0912345678",
    )
    union = MassOrganization.objects.get(enterprise=example)
    assert (union.kind.code, union.established_on) == ("trade_union", datetime.date(2019, 3, 15))
    assert Enterprise.objects.get(tax_code="0101234568").enterprise_type == "cooperative"


# --- numbers in Vietnamese format -------------------------------------------------------------------------


def test_sizes_and_row_limits_are_written_the_vietnamese_way(settings):
    from django.utils import translation

    from registry.imports.errors import ImportTooLarge
    from registry.imports.services import import_check_upload_size

    settings.IMPORT_MAX_UPLOAD_BYTES = 30 * 1_048_576
    with translation.override("vi"), pytest.raises(ImportTooLarge) as info:
        import_check_upload_size(size=int(31.24 * 1_048_576))
    assert "31,2 MB" in str(info.value.message) and "30 MB" in str(info.value.message)
    with translation.override("en"), pytest.raises(ImportTooLarge) as info:
        import_check_upload_size(size=int(31.24 * 1_048_576))
    assert "31.2 MB" in str(info.value.message)
    lines = "Tên doanh nghiệp,Mã số thuế\r\n" + "".join(f"A,{i:010d}\r\n" for i in range(1_002))
    with translation.override("vi"), pytest.raises(ImportTooLarge) as info:
        read_table(data=lines.encode(), filename="r.csv", max_rows=1_001)
    assert "1.001 dòng" in str(info.value.message)


def test_row_numbers_in_messages_are_grouped_in_each_language(ward_official, ward):
    from registry.imports.engine import RowIssue

    issue = RowIssue(
        2, "MST", "x", "duplicate_in_file", "Tax code %(tax_code)s (also on row %(rows)s).", {"tax_code": "0101234567"}
    )
    issue.params["rows"] = [1_234, 56_789]
    assert issue.render("vi").endswith("(also on row 1.234, 56.789).")
    assert issue.render("en").endswith("(also on row 1,234, 56,789).")
    case = RowIssue(2, "", "", "case_close", "case #%(case)s: %(error)s", {"case": 12_345, "error": "x"})
    assert case.render("vi") == "case #12345: x"  # an identifier, not a count


# --- "Status" ------------------------------------------------------------------------------------------------


def test_status_is_trang_thai_and_only_a_party_members_status_is_loai_dang_vien(client, ward_official, ward):
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    from cases.forms import MemberForm

    with translation.override("vi"):
        assert gettext("Status") == "Trạng thái"
        assert pgettext("party member", "Status") == "Loại đảng viên"
        assert str(MemberForm().fields["status"].label) == "Loại đảng viên"
    job = run_import(
        ward_official, csv_bytes([["Công ty TNHH Một", "0101234567"]], headers=["Tên", "MST"]), default_unit=ward
    )
    client.force_login(ward_official)
    page = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "<dt>Trạng thái</dt>" in page and "Loại đảng viên" not in page


def test_a_header_cell_merged_across_only_to_be_wide_is_not_a_group(ward_official, ward):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Tên doanh nghiệp", None, "Mã số thuế"])
    sheet.merge_cells("A1:B1")
    sheet.append(["Công ty TNHH Rộng", None, "0101234567"])
    sheet.merge_cells("A2:B2")
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(data=buffer.getvalue(), filename="r.xlsx", header_score=header_score)
    assert table.headers[0] == "Tên doanh nghiệp" and table.headers[2] == "Mã số thuế"
    assert [n for n, _v in table.rows] == [2]
