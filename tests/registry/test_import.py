"""Registry import through the services and the command: files the tests generate, checked against the database."""

from __future__ import annotations

import datetime
import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from cases.models import Case, CaseHistory
from core.errors import Forbidden
from massorgs.models import MassOrganization
from org.models import Role
from registry.imports.errors import ImportFileError, ImportTooLarge
from registry.imports.fields import guess_mapping
from registry.imports.reading import detect_encoding
from registry.imports.report import import_error_report_xlsx
from registry.imports.services import import_job_create, import_job_reopen_cases, import_job_run
from registry.models import Enterprise, ImportJob, ImportRowChange
from tests.factories import CaseFactory, EnterpriseFactory, UnitFactory

from .import_helpers import csv_bytes, row, run_import, xlsx_bytes

pytestmark = pytest.mark.django_db

NAME = "Công ty TNHH Du lịch Hoàn Kiếm Đông Đô"


def _errors(job):
    return {(e.row, e.code) for e in job.errors.all()}


def test_mixed_valid_and_invalid_rows(ward_official, ward, sibling_ward):
    data = csv_bytes(
        [
            row(name=NAME, tax="0101234567"),  # 2 ok
            row(tax="12345"),  # 3 bad tax code
            row(name="", tax="0101234568"),  # 4 empty name
            row(tax="0101234569", unit="NOPE"),  # 5 unknown unit
            row(tax="0101234570", unit="W02"),  # 6 sibling unit: outside the jurisdiction
            row(tax="0101234571", workers="nhiều"),  # 7 not a number
            row(name="X" * 300, tax="0101234572"),  # 8 oversized
            row(tax="0101234573-001", kind="Công ty cổ phần", workers="1.234", status="tạm ngừng hoạt động"),  # 9 ok
            row(tax="0101234574", status="mất tích"),  # 10 unknown status
            row(tax="0101234575", kind="", name="Hợp tác xã Nông nghiệp An Bình"),  # 11 ok, type from the name
        ]
    )
    job = run_import(ward_official, data)
    assert job.status == ImportJob.Status.DONE
    assert (job.rows_total, job.created_count, job.rows_rejected) == (10, 3, 7)
    assert _errors(job) == {
        (3, "tax_code"),
        (4, "required"),
        (5, "unit_unknown"),
        (6, "unit_outside"),
        (7, "number"),
        (8, "too_long"),
        (10, "status"),
    }
    assert set(Enterprise.objects.values_list("tax_code", flat=True)) == {"0101234567", "0101234573-001", "0101234575"}
    e = Enterprise.objects.get(tax_code="0101234567")
    assert (e.name, e.unit, e.enterprise_type, e.worker_count) == (NAME, ward, "limited_liability", 50)
    assert e.search_text == "cong ty tnhh du lich hoan kiem dong do 0101234567"
    branch = Enterprise.objects.get(tax_code="0101234573-001")
    assert (branch.enterprise_type, branch.worker_count, branch.operating_status) == ("joint_stock", 1234, "suspended")
    assert Enterprise.objects.get(tax_code="0101234575").enterprise_type == "cooperative"
    tax_error = job.errors.get(code="tax_code")
    assert tax_error.column == "Mã số thuế" and tax_error.value == "12345"
    assert tax_error.message.startswith("Mã số thuế “12345” không hợp lệ")  # Vietnamese in the report
    assert tax_error.message_en.startswith("Tax code “12345” is not valid")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1258"])
def test_each_encoding_is_detected(encoding, ward_official):
    data = csv_bytes([row(name=NAME)], encoding=encoding)
    job = run_import(ward_official, data)
    assert job.created_count == 1, list(job.errors.values_list("message", flat=True))
    # Windows-1258 writes tone marks as combining characters: the name is stored composed (NFC), searchable.
    assert Enterprise.objects.get().name == NAME
    assert detect_encoding(data) == {"utf-16": "utf-16"}.get(
        encoding, encoding if encoding != "utf-8-sig" else "utf-8-sig"
    )


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimited_files(delimiter, ward_official):
    job = run_import(ward_official, csv_bytes([row()], delimiter=delimiter))
    assert job.created_count == 1 and job.delimiter == delimiter


def test_headers_match_whatever_the_case_diacritics_and_language():
    headers = [
        "TEN DOANH NGHIEP",
        "mã_số_thuế",
        "Loai Hinh",
        "address",
        "unit_code",
        "Số người lao động",
        "Trạng thái",
        "Ghi chú",
    ]
    assert guess_mapping(headers) == {
        "0": "name",
        "1": "tax_code",
        "2": "enterprise_type",
        "3": "address",
        "4": "unit",
        "5": "worker_count",
        "6": "operating_status",
    }
    assert guess_mapping(["name", "tax_code", "type"]) == {"0": "name", "1": "tax_code", "2": "enterprise_type"}


def test_duplicate_tax_codes_in_the_file_reject_every_occurrence(ward_official):
    data = csv_bytes([row(tax="0101234567"), row(tax="0101234568"), row(tax="0101234567", name="Khác")])
    job = run_import(ward_official, data)
    assert _errors(job) == {(2, "duplicate_in_file"), (4, "duplicate_in_file")}
    assert list(Enterprise.objects.values_list("tax_code", flat=True)) == ["0101234568"]
    assert "row 4" in job.errors.get(row=2).message_en


def test_duplicate_against_the_database_is_an_error_when_adding(ward_official, ward):
    EnterpriseFactory(unit=ward, tax_code="0101234567", name="Đã có")
    job = run_import(ward_official, csv_bytes([row(tax="0101234567"), row(tax="0101234568")]))
    assert _errors(job) == {(2, "duplicate_in_db")}
    assert Enterprise.objects.get(tax_code="0101234567").name == "Đã có"
    assert job.created_count == 1


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "r.csv", "empty"),
        (b"\r\n\r\n  \r\n", "r.csv", "empty"),
        ("\ufeffTên doanh nghiệp,Mã số thuế\r\n".encode(), "r.csv", "no_rows"),
        (b"a,b\r\n1,2", "r.xls", "wrong_extension"),
        (b"%PDF-1.4", "registry.pdf", "binary"),
        (b"not a zip", "r.xlsx", "xlsx"),
        (b"PK\x03\x04 broken", "r.xlsx", "xlsx"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "r.csv", None),
    ],
)
def test_unusable_files_are_refused_with_a_message(data, filename, code, ward_official, ward):
    with pytest.raises(ImportFileError) as info:
        import_job_create(actor=ward_official, filename=filename, data=data, default_unit=ward)
    assert info.value.status == 400 and str(info.value.message)
    if code:
        assert info.value.code == code
    assert not ImportJob.objects.exists()


def test_xlsx_with_number_and_date_cells(ward_official, ward):
    headers = [
        "Tên doanh nghiệp",
        "Mã số thuế",
        "Loại hình",
        "Số lao động",
        "Ngày thành lập công đoàn",
        "Số đoàn viên công đoàn",
    ]
    data = xlsx_bytes(
        [
            [NAME, 101234567, "TNHH", 120, datetime.datetime(2020, 5, 1), 80],  # the number lost its leading 0
            ["Công ty cổ phần Ba Đình", "0101234568", "CTCP", 12.0, "31/02/2020", None],  # no 31 February
            ["Công ty cổ phần Tương Lai", "0101234569", "CTCP", 5, datetime.datetime(2999, 1, 1), None],
        ],
        headers=headers,
    )
    job = run_import(ward_official, data, filename="registry.xlsx", default_unit=ward)
    assert job.file_format == "xlsx"
    assert _errors(job) == {(3, "date"), (4, "date")}
    e = Enterprise.objects.get()
    assert (e.tax_code, e.worker_count, e.unit) == ("0101234567", 120, ward)
    # The union's columns became a mass organization record, its members an entry dated the establishment day.
    union = MassOrganization.objects.get(enterprise=e)
    assert (union.kind.code, union.established_on) == ("trade_union", datetime.date(2020, 5, 1))
    assert list(union.entries.values_list("counted_on", "admitted", "departed", "source")) == [
        (datetime.date(2020, 5, 1), 80, 0, "import")
    ]
    assert union.history.get().event == "imported"


def test_default_unit_and_unit_column_both_work(ward_official, ward, province):
    child = UnitFactory(code="00070", parent=ward)
    data = csv_bytes(
        [["A Công ty TNHH", "0101234567", ""], ["B Công ty TNHH", "0101234568", "70"]],
        headers=["Tên doanh nghiệp", "Mã số thuế", "Mã đơn vị"],
    )
    run_import(ward_official, data, default_unit=ward)
    # A number cell read as "70" still finds ward "00070".
    assert dict(Enterprise.objects.values_list("tax_code", "unit__code")) == {
        "0101234567": "W01",
        "0101234568": child.code,
    }


def test_strict_mode_writes_nothing_when_any_row_fails(ward_official):
    data = csv_bytes([row(tax="0101234567"), row(tax="0101234568"), row(tax="bad")])
    job = run_import(ward_official, data, mode="strict")
    assert job.status == ImportJob.Status.REJECTED
    assert job.created_count == 0 and job.rows_rejected == 1
    assert not Enterprise.objects.exists()
    ok = run_import(ward_official, csv_bytes([row(tax="0101234567"), row(tax="0101234568")]), mode="strict")
    assert ok.status == ImportJob.Status.DONE and Enterprise.objects.count() == 2


def test_a_case_that_cannot_be_closed_is_reported_on_its_row(ward_official, ward, monkeypatch):
    from cases.closures import CaseClosures
    from core.errors import Conflict

    e = EnterpriseFactory(unit=ward, tax_code="0101234567", name="Cũ")
    case = CaseFactory(enterprise=e)

    def refuse(self, **kwargs):
        raise Conflict("no")

    monkeypatch.setattr(CaseClosures, "close", refuse)
    data = csv_bytes([row(tax="0101234567", status="Giải thể"), row(tax="0101234599")])
    job = run_import(ward_official, data, mode="update")
    assert _errors(job) == {(2, "case_close")}
    case.refresh_from_db()
    assert case.state == Case.State.SURVEYING


def test_dry_run_writes_nothing(ward_official, ward):
    e = EnterpriseFactory(unit=ward, tax_code="0101234567", name="Cũ", worker_count=5)
    case = CaseFactory(enterprise=e)
    data = csv_bytes([row(tax="0101234567", workers="9", status="Giải thể"), row(tax="0101234568")])
    before = (Enterprise.objects.count(), CaseHistory.objects.count())
    job = run_import(ward_official, data, mode="update", dry_run=True)
    assert (job.status, job.created_count, job.updated_count, job.closed_count) == ("done", 1, 1, 1)
    assert (Enterprise.objects.count(), CaseHistory.objects.count()) == before
    e.refresh_from_db()
    case.refresh_from_db()
    assert (e.worker_count, e.operating_status, case.state) == (5, "active", "surveying")
    assert set(job.changes.values_list("action", flat=True)) == {"updated", "case_closed"}


def test_update_mode_changes_existing_enterprises_and_lists_the_changes(ward_official, ward):
    child = UnitFactory(code="00070", parent=ward)
    EnterpriseFactory(unit=ward, tax_code="0101234567", name="Tên cũ", address="Cũ", worker_count=5)
    EnterpriseFactory(
        unit=ward,
        tax_code="0101234568",
        name="Giữ nguyên",
        address="1 Hàng Bạc",
        worker_count=50,
        enterprise_type="limited_liability",
    )
    data = csv_bytes(
        [
            row(name="Tên mới", tax="0101234567", address="", unit="00070", workers="7"),  # empty address: kept
            row(name="Giữ nguyên", tax="0101234568", unit="", workers="50"),
            row(tax="0101234569"),
        ]
    )
    job = run_import(ward_official, data, mode="update", default_unit=ward)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 1, 1)
    e = Enterprise.objects.get(tax_code="0101234567")
    assert (e.name, e.address, e.worker_count, e.unit) == ("Tên mới", "Cũ", 7, child)
    assert e.search_text.startswith("ten moi")
    change = job.changes.get()
    assert change.action == "updated" and change.row == 2
    assert change.fields == {"name": ["Tên cũ", "Tên mới"], "unit": ["W01", "00070"], "worker_count": [5, 7]}


def test_update_mode_refuses_enterprises_outside_the_jurisdiction(ward_official, sibling_ward):
    EnterpriseFactory(unit=sibling_ward, tax_code="0101234567", name="Bên cạnh")
    job = run_import(
        ward_official, csv_bytes([row(tax="0101234567", unit="")]), mode="update", default_unit=ward_official.unit
    )
    assert _errors(job) == {(2, "duplicate_outside")}
    assert Enterprise.objects.get().name == "Bên cạnh"


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("Đã giải thể", "dissolved"),
        ("Tạm ngừng hoạt động", "suspended"),
        ("Bỏ địa chỉ kinh doanh", "left_address"),
        ("NNT không hoạt động tại địa chỉ đã đăng ký", "left_address"),
    ],
)
def test_closing_status_closes_the_open_case_with_history(status, reason, ward_official, ward):
    e = EnterpriseFactory(unit=ward, tax_code="0101234567")
    case = CaseFactory(enterprise=e, outreach=True)
    job = run_import(ward_official, csv_bytes([row(tax="0101234567", status=status)]), mode="update")
    case.refresh_from_db()
    assert (case.state, case.closed_reason) == ("closed", reason)
    entry = case.history.get()
    assert (entry.event, entry.from_state, entry.to_state, entry.actor) == (
        "close",
        "outreach",
        "closed",
        ward_official,
    )
    assert entry.data == {"reason": reason} and f"#{job.pk}" in entry.note
    assert job.closed_count == 1
    assert job.changes.get(action="case_closed").case_id == case.pk


def test_resumed_enterprise_is_offered_for_reopening(ward_official, ward):
    e = EnterpriseFactory(unit=ward, tax_code="0101234567", operating_status="suspended")
    case = CaseFactory(enterprise=e, closed=True)  # closed because suspended
    other = EnterpriseFactory(unit=ward, tax_code="0101234568", operating_status="suspended")
    refused = CaseFactory(enterprise=other, state="closed", closed_reason="owner_refused")
    data = csv_bytes([row(tax="0101234567", status="Đang hoạt động"), row(tax="0101234568", status="hoạt động")])
    job = run_import(ward_official, data, mode="update")
    case.refresh_from_db()
    assert case.state == "closed"  # offered, not automatic
    assert job.reopen_count == 1
    assert job.changes.get(action="reopen_offered").case_id == case.pk
    reopened, problems = import_job_reopen_cases(actor=ward_official, job_id=job.pk)
    assert (reopened, problems) == (1, [])
    case.refresh_from_db()
    refused.refresh_from_db()
    assert (case.state, refused.state) == ("surveying", "closed")
    assert case.history.get().event == "reopen"
    assert import_job_reopen_cases(actor=ward_official, job_id=job.pk) == (0, [])


def test_jurisdiction_default_unit_of_a_sibling_is_refused(ward_official, sibling_ward):
    with pytest.raises(ImportFileError):
        import_job_create(actor=ward_official, filename="r.csv", data=csv_bytes([row()]), default_unit=sibling_ward)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.DECISION_MAKER])
def test_roles_that_may_not_import(role, make_official, ward):
    with pytest.raises(Forbidden):
        import_job_create(actor=make_official(ward, role), filename="r.csv", data=csv_bytes([row()]), default_unit=ward)


def test_upload_limits(ward_official, ward):
    with override_settings(IMPORT_MAX_UPLOAD_BYTES=100), pytest.raises(ImportTooLarge) as info:
        import_job_create(actor=ward_official, filename="r.csv", data=csv_bytes([row()] * 5), default_unit=ward)
    assert info.value.status == 413
    rows = [row(tax=f"01012345{i:02d}") for i in range(4)]
    with override_settings(IMPORT_MAX_ROWS=3), pytest.raises(ImportTooLarge) as info:
        import_job_create(actor=ward_official, filename="r.csv", data=csv_bytes(rows), default_unit=ward)
    assert info.value.code == "too_many_rows" and "3" in str(info.value.message)


def test_error_report_is_readable_and_neutralises_formulas(ward_official):
    from openpyxl import load_workbook

    data = csv_bytes([row(tax="=1+2"), row(tax="0101234568", unit="@SUM(A1)"), row(tax="0101234569", workers="-2+3")])
    job = run_import(ward_official, data)
    sheet = load_workbook(io.BytesIO(import_error_report_xlsx(job=job))).worksheets[0]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(i for i, v in enumerate(values) if v[0] == "Dòng trong tệp gốc")
    assert values[header] == ["Dòng trong tệp gốc", "Mã số thuế", "Tên doanh nghiệp", "Cột", "Giá trị", "Lỗi"]
    assert [v[0] for v in values[header + 1 :]] == [2, 3, 4]
    cells = [v for r in values[header + 1 :] for v in r if isinstance(v, str)]
    assert "'=1+2" in cells and "'@SUM(A1)" in cells and "'-2+3" in cells
    assert not any(isinstance(v, str) and v[:1] in "=+-@\t\r" for v in cells)
    assert all(c.data_type == "s" for r in sheet.iter_rows(min_row=header + 2) for c in r[1:] if c.value is not None)


def test_running_a_job_twice_imports_once(ward_official, ward):
    job = run_import(ward_official, csv_bytes([row()]))
    assert import_job_run(job_id=job.pk).created_count == 1
    assert Enterprise.objects.count() == 1
    job.refresh_from_db()
    assert bytes(job.source) == b""  # the upload is not kept once imported


def test_a_failure_during_the_run_is_reported_not_raised(ward_official, monkeypatch):
    from registry.imports import engine

    def boom(rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine, "insert_enterprises", boom)
    job = run_import(ward_official, csv_bytes([row()]))
    assert job.status == ImportJob.Status.FAILED
    assert job.message and "disk full" not in job.message and "Traceback" not in job.message
    assert not Enterprise.objects.exists()


@pytest.mark.slow
def test_twenty_five_thousand_rows_in_chunks(ward_official, ward):
    """Five lookup and progress chunks of 5,000 rows through the command's path. The 100,000-row figures are the bench's
    (bench/scenario_import.py) and the web import's on SQLite (tests/e2e/test_make_run.py)."""
    n = 25_000
    lines = ["Tên doanh nghiệp,Mã số thuế,Loại hình,Số lao động"]
    lines += [f"Công ty TNHH Số {i},{9_000_000_000 + i:010d},TNHH,{i % 500}" for i in range(n)]
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    started = time.perf_counter()
    job = run_import(ward_official, data, default_unit=ward, via_command=True)
    if job.status == ImportJob.Status.QUEUED:
        job = import_job_run(job_id=job.pk)
    elapsed = time.perf_counter() - started
    assert (job.status, job.created_count, job.rows_rejected) == ("done", n, 0), job.message
    assert Enterprise.objects.filter(unit=ward).count() == n
    print(f"{n:,} rows imported in {elapsed:.1f} s")


# --- the command -------------------------------------------------------------------------------------


@pytest.fixture
def admin_user(make_official, province):
    return make_official(province, Role.ADMINISTRATOR, username="quantri")


def _command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_enterprises", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_command_imports_and_exits_0(tmp_path, admin_user, ward):
    path = tmp_path / "registry.csv"
    path.write_bytes(csv_bytes([row(unit="")]))
    status, out, _ = _command(str(path), "--unit", "W01", "--user", "quantri")
    assert status == 0 and "added" in out
    assert Enterprise.objects.get().unit == ward


def test_command_exits_1_when_rows_are_rejected(tmp_path, admin_user, ward):
    path = tmp_path / "registry.csv"
    path.write_bytes(csv_bytes([row(tax="0101234567"), row(tax="bad")]))
    report = tmp_path / "report.xlsx"
    status, _, err = _command(str(path), "--unit", "W01", "--user", "quantri", "--report", str(report))
    assert status == 1 and "row 3" in err
    assert Enterprise.objects.count() == 1 and report.stat().st_size > 0


def test_command_strict_and_dry_run(tmp_path, admin_user, ward):
    path = tmp_path / "registry.csv"
    path.write_bytes(csv_bytes([row(tax="0101234567"), row(tax="bad")]))
    assert _command(str(path), "--unit", "W01", "--user", "quantri", "--mode", "strict")[0] == 1
    assert not Enterprise.objects.exists()
    path.write_bytes(csv_bytes([row(tax="0101234567")]))
    assert _command(str(path), "--unit", "W01", "--user", "quantri", "--dry-run")[0] == 0
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["missing.csv", "--unit", "W01"],
        ["{path}", "--unit", "NOPE"],
        ["{bad}", "--unit", "W01"],
        ["{path}", "--user", "nobody"],
    ],
)
def test_command_exits_2_when_the_file_cannot_be_imported(args, tmp_path, admin_user, ward):
    path, bad = tmp_path / "registry.csv", tmp_path / "registry.xls"
    path.write_bytes(csv_bytes([row()]))
    bad.write_bytes(b"x")
    status, _, _ = _command(*(a.format(path=path, bad=bad) for a in args))
    assert status == 2
    assert not Enterprise.objects.exists()


def test_command_reopens_resumed_cases_on_request(tmp_path, admin_user, ward):
    e = EnterpriseFactory(unit=ward, tax_code="0101234567", operating_status="dissolved")
    case = CaseFactory(enterprise=e, state="closed", closed_reason="dissolved")
    path = tmp_path / "registry.csv"
    path.write_bytes(csv_bytes([row(tax="0101234567", status="Đang hoạt động")]))
    status, out, _ = _command(str(path), "--user", "quantri", "--mode", "update", "--reopen-resumed")
    assert status == 0 and "reopened: 1" in out
    case.refresh_from_db()
    assert case.state == "surveying"
    assert ImportRowChange.objects.filter(action="case_reopened").count() == 1


def test_update_never_overwrites_the_type_from_a_guess_on_the_name(ward_official, ward):
    EnterpriseFactory(unit=ward, tax_code="0101234567", name="Công ty TNHH Cũ", enterprise_type="foreign_invested")
    data = csv_bytes(
        [["Công ty TNHH Samsung Việt Nam", "0101234567", "9"]],
        headers=["Tên doanh nghiệp", "Mã số thuế", "Số lao động"],
    )
    job = run_import(ward_official, data, mode="update", default_unit=ward)
    e = Enterprise.objects.get()
    assert (e.name, e.worker_count, e.enterprise_type) == ("Công ty TNHH Samsung Việt Nam", 9, "foreign_invested")
    assert "enterprise_type" not in job.changes.get().fields
