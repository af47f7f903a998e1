"""Import pages with Django's test client: upload -> mapping -> result, refusals with 400/403/404/413, the Celery
path, the progress fragment, the report download and the list page's query count."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from org.models import Role
from registry.models import Enterprise, ImportJob

from .import_helpers import csv_bytes, row, run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(client, ward_official):
    client.force_login(ward_official)
    return client


def _upload(client, data, name="registry.csv", **fields):
    payload = {"file": SimpleUploadedFile(name, data), "mode": "insert", **fields}
    return client.post(reverse("registry:import_new"), payload)


def test_upload_mapping_result(client_in, ward):
    # An unknown header ("Cột 3") the official maps by hand on the mapping page.
    data = csv_bytes(
        [["Công ty TNHH Hoàn Kiếm", "0101234567", "42"], ["Công ty cổ phần X", "bad", "1"]],
        headers=["Tên doanh nghiệp", "Mã số thuế", "Cột 3"],
    )
    response = _upload(client_in, data, default_unit=ward.pk)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    mapping_url = reverse("registry:import_mapping", args=[job.pk])
    assert response.url == mapping_url
    page = client_in.get(mapping_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cột 3" in html and "Công ty TNHH Hoàn Kiếm" in html  # columns with the first rows
    response = client_in.post(mapping_url, {"col_0": "name", "col_1": "tax_code", "col_2": "worker_count"})
    assert response.status_code == 302 and response.url == reverse("registry:import_detail", args=[job.pk])
    result = client_in.get(response.url)
    html = result.content.decode()
    assert result.status_code == 200
    errors = html.split("<h2>")[1]
    assert "<td>Mã số thuế</td>" in errors and ">bad<" in errors  # the rejected row, its column and value
    e = Enterprise.objects.get()
    assert (e.tax_code, e.worker_count, e.unit) == ("0101234567", 42, ward)
    report = client_in.get(reverse("registry:import_report", args=[job.pk]))
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    rows = [r[0] for r in sheet.iter_rows(values_only=True)]
    assert rows[rows.index("Dòng trong tệp gốc") + 1 :] == [3]  # one error, on row 3


def test_mapping_without_required_columns_is_400(client_in, ward):
    data = csv_bytes([["a", "b"]], headers=["Cột A", "Cột B"])
    _upload(client_in, data, default_unit=ward.pk)
    job = ImportJob.objects.get()
    response = client_in.post(reverse("registry:import_mapping", args=[job.pk]), {"col_0": "name"})
    assert response.status_code == 400
    assert ImportJob.objects.get().status == ImportJob.Status.UPLOADED
    response = client_in.post(reverse("registry:import_mapping", args=[job.pk]), {"col_0": "name", "col_1": "name"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("data", "name", "status"),
    [
        (b"a,b\r\n1,2", "registry.xls", 400),
        (b"", "registry.csv", 400),
        (b"garbage", "registry.xlsx", 400),
        (b"\xff\xfe\x00\x00\x00", "registry.csv", 400),
    ],
)
def test_bad_uploads_answer_400_with_a_message(data, name, status, client_in, ward):
    response = _upload(client_in, data, name=name, default_unit=ward.pk)
    assert response.status_code == status
    assert 'class="error"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_too_large_answers_413(client_in, ward):
    data = csv_bytes([row(tax=f"01012345{i:02d}") for i in range(20)])
    with override_settings(IMPORT_MAX_UPLOAD_BYTES=200):
        response = _upload(client_in, data, default_unit=ward.pk)
        assert response.status_code == 413
    with override_settings(IMPORT_MAX_ROWS=5):
        response = _upload(client_in, data, default_unit=ward.pk)
        assert response.status_code == 413
        assert "5" in response.content.decode()
    # The declared size alone is enough to refuse, before the body is read.
    with override_settings(IMPORT_MAX_UPLOAD_BYTES=10):
        response = client_in.post(
            reverse("registry:import_new"), data=b"x" * 200_000, content_type="multipart/form-data; boundary=xyz"
        )
        assert response.status_code == 413
    assert not ImportJob.objects.exists()


def test_sibling_unit_cannot_be_chosen(client_in, sibling_ward):
    response = _upload(client_in, csv_bytes([row()]), default_unit=sibling_ward.pk)
    assert response.status_code == 400 and not ImportJob.objects.exists()


def test_rows_for_a_sibling_unit_are_rejected(client_in, ward, sibling_ward):
    _upload(client_in, csv_bytes([row(unit="W02"), row(tax="0101234568", unit="W01")]))
    job = ImportJob.objects.get()
    client_in.post(reverse("registry:import_mapping", args=[job.pk]), {f"col_{i}": k for i, k in job.mapping.items()})
    job.refresh_from_db()
    assert job.rows_rejected == 1 and job.errors.get().code == "unit_outside"
    assert list(Enterprise.objects.values_list("unit__code", flat=True)) == ["W01"]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.DECISION_MAKER])
def test_roles_that_may_not_import_get_403(role, client, make_official, ward):
    client.force_login(make_official(ward, role))
    assert client.get(reverse("registry:import_new")).status_code == 403
    assert _upload(client, csv_bytes([row()]), default_unit=ward.pk).status_code == 403
    assert "Import" not in client.get(reverse("registry:import_list")).content.decode().split("</nav>")[0]


def test_import_link_in_the_menu(client_in):
    nav = client_in.get(reverse("cases:enterprise_list")).content.decode().split("</nav>")[0]
    assert reverse("registry:import_list") in nav


def test_someone_elses_import_is_404(client, make_official, ward, ward_official):
    job = run_import(ward_official, csv_bytes([row()]))
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    for name in ("import_detail", "import_mapping", "import_report"):
        assert client.get(reverse(f"registry:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("registry:import_reopen", args=[job.pk])).status_code == 404


def test_large_file_runs_as_a_celery_task_with_progress(
    client_in, ward, django_capture_on_commit_callbacks, monkeypatch
):
    data = csv_bytes([row(tax=f"01012345{i:02d}") for i in range(5)])
    _upload(client_in, data, default_unit=ward.pk)
    job = ImportJob.objects.get()
    mapping = {f"col_{i}": k for i, k in job.mapping.items()}
    queued = []
    monkeypatch.setattr("registry.tasks.import_job_run_task.delay", lambda job_id: queued.append(job_id))
    with override_settings(IMPORT_SYNC_MAX_ROWS=2), django_capture_on_commit_callbacks(execute=True):
        response = client_in.post(reverse("registry:import_mapping", args=[job.pk]), mapping)
    assert response.status_code == 302 and queued == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and not Enterprise.objects.exists()
    # The official can leave and come back: the page and the list show the progress.
    page = client_in.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "<progress" in page and 'hx-trigger="every 1s"' in page
    assert "<progress" in client_in.get(reverse("registry:import_list")).content.decode()
    fragment = client_in.get(reverse("registry:import_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b"<progress" in fragment.content and b"<html" not in fragment.content
    # The worker runs the task (eagerly here): the task function calls the service.
    from registry.tasks import import_job_run_task

    import_job_run_task.run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Enterprise.objects.count() == 5
    done = client_in.get(reverse("registry:import_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert done.headers.get("HX-Refresh") == "true"


def test_eager_celery_delivery(client_in, ward, django_capture_on_commit_callbacks, monkeypatch):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    _upload(client_in, csv_bytes([row(tax=f"01012345{i:02d}") for i in range(5)]), default_unit=ward.pk)
    job = ImportJob.objects.get()
    with override_settings(IMPORT_SYNC_MAX_ROWS=2), django_capture_on_commit_callbacks(execute=True):
        client_in.post(
            reverse("registry:import_mapping", args=[job.pk]), {f"col_{i}": k for i, k in job.mapping.items()}
        )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created_count == 5


def test_reopen_button(client_in, ward, ward_official):
    from tests.factories import CaseFactory, EnterpriseFactory

    e = EnterpriseFactory(unit=ward, tax_code="0101234567", operating_status="left_address")
    case = CaseFactory(enterprise=e, state="closed", closed_reason="left_address")
    job = run_import(ward_official, csv_bytes([row(tax="0101234567")]), mode="update")
    html = client_in.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert reverse("registry:import_reopen", args=[job.pk]) in html
    response = client_in.post(reverse("registry:import_reopen", args=[job.pk]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "surveying"


@pytest.mark.parametrize("n", [1, 15])
def test_import_list_runs_a_constant_number_of_queries(n, client_in, ward_official, django_assert_max_num_queries):
    for i in range(n):
        run_import(ward_official, csv_bytes([row(tax=f"01012{i:05d}")]))
    with django_assert_max_num_queries(8):
        response = client_in.get(reverse("registry:import_list"))
    assert response.status_code == 200
    assert response.content.decode().count("registry.csv") == n


def test_pages_are_vietnamese_by_default(client_in):
    html = client_in.get(reverse("registry:import_new")).content.decode()
    assert 'lang="vi"' in html


def test_upload_checks_the_csrf_token(ward_official, ward):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(ward_official)
    assert _upload(client, csv_bytes([row()]), default_unit=ward.pk).status_code == 403
    assert not ImportJob.objects.exists()


def test_admin_shows_only_imports_of_the_jurisdiction(client, make_official, ward, sibling_ward):
    from django.contrib.auth.models import Permission

    staff = make_official(ward, Role.ADMINISTRATOR, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="registry"))
    mine = run_import(make_official(ward, Role.WARD_OFFICIAL), csv_bytes([row(name="Của tôi")]))
    theirs = run_import(make_official(sibling_ward, Role.WARD_OFFICIAL), csv_bytes([row(tax="0101234599", unit="W02")]))
    client.force_login(staff)
    assert client.get(reverse("admin:registry_importjob_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:registry_importjob_change", args=[theirs.pk])).status_code == 302
    assert client.get(reverse("admin:registry_importjob_changelist")).status_code == 200
