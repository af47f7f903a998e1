"""Registry imports through the API: upload (400 bad file, 413 too large, 429 too many), the guessed or given column
mapping, start, status and the rows refused; only one's own imports; the same services as the import pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from org.models import Role
from registry.models import Enterprise, ImportJob
from tests.registry.import_helpers import csv_bytes, row

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db


def _upload(api, data, name="registry.csv", **fields):
    return api.post(reverse("api:import_list"), {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def test_upload_then_start_with_the_guessed_mapping(api, ward, ward_official):
    api.force_login(ward_official)
    data = csv_bytes([row(), row(tax="bad"), row(tax="0101234568", name="Công ty cổ phần Hàng Bạc")])
    response = _upload(api, data)
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["status"] == "uploaded" and job["rows_total"] == 3 and job["mode"] == "insert"
    assert job["mapping"]["1"] == "tax_code" and job["columns"][1] == "Mã số thuế"
    assert not Enterprise.objects.exists()  # nothing is imported before start

    started = api.post(reverse("api:import_start", args=[job["id"]]), {}, format="json")
    assert started.status_code == 200
    body = started.json()
    assert (body["status"], body["created_count"], body["rows_rejected"]) == ("done", 2, 1)
    assert set(Enterprise.objects.values_list("tax_code", flat=True)) == {"0101234567", "0101234568"}

    errors = api.get(reverse("api:import_errors", args=[job["id"]])).json()["results"]
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [(3, "Mã số thuế", "bad")]
    assert errors[0]["message"] and errors[0]["message_en"]
    assert api.get(reverse("api:import_list")).json()["results"][0]["id"] == job["id"]

    again = api.post(reverse("api:import_start", args=[job["id"]]), {}, format="json")
    assert again.status_code == 200 and Enterprise.objects.count() == 2  # started once only


def test_a_mapping_given_by_the_caller_and_its_problems(api, ward, ward_official):
    api.force_login(ward_official)
    data = csv_bytes([["Công ty TNHH Hoàn Kiếm", "0101234567", "W01"]], headers=["Tên", "Cột 2", "Cột 3"])
    job = _upload(api, data).json()
    url = reverse("api:import_start", args=[job["id"]])
    incomplete = api.post(url, {"mapping": {"0": "name"}}, format="json")
    assert incomplete.status_code == 400 and incomplete.json()["error"]["fields"]["mapping"]
    unknown = api.post(url, {"mapping": {"0": "flying"}}, format="json")
    assert unknown.status_code == 400
    assert ImportJob.objects.get(pk=job["id"]).status == "uploaded"

    done = api.post(url, {"mapping": {"0": "name", "1": "tax_code", "2": "unit"}}, format="json")
    assert done.status_code == 200 and done.json()["created_count"] == 1
    assert Enterprise.objects.get().unit == ward


def test_bad_files_too_large_and_too_many(api, ward, ward_official):
    api.force_login(ward_official)
    bad = _upload(api, b"\x00\x01 not a table", name="registry.pdf")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "wrong_extension"
    missing = api.post(reverse("api:import_list"), {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()["error"]["fields"]
    json_body = api.post(reverse("api:import_list"), {"file": "x"}, format="json")
    assert json_body.status_code == 415

    data = csv_bytes([row(tax=f"01012345{i:02d}") for i in range(20)])
    with override_settings(IMPORT_MAX_UPLOAD_BYTES=200):
        large = _upload(api, data)
    assert large.status_code == 413 and large.json()["error"]["code"] == "too_large"
    with override_settings(IMPORT_MAX_UPLOAD_BYTES=10):  # refused from the declared size, before the body is read
        declared = api.generic(
            "POST", reverse("api:import_list"), b"x" * 200_000, content_type="multipart/form-data; boundary=xyz"
        )
    assert declared.status_code == 413

    with override_settings(CELLFLOW_IMPORT_RATE_PER_HOUR=1):
        assert _upload(api, data).status_code == 201
        limited = _upload(api, data)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert ImportJob.objects.count() == 1


def test_sibling_default_unit_roles_and_other_peoples_imports(api, ward, sibling_ward, ward_official, make_official):
    api.force_login(ward_official)
    sibling = _upload(api, csv_bytes([row()]), default_unit=sibling_ward.pk)
    assert sibling.status_code == 400 and "default_unit" in sibling.json()["error"]["fields"]
    job = _upload(api, csv_bytes([row()]), default_unit=ward.pk).json()

    api.force_login(make_official(ward, Role.WARD_OFFICIAL))  # a colleague: not their import
    assert api.get(reverse("api:import_detail", args=[job["id"]])).status_code == 404
    assert api.post(reverse("api:import_start", args=[job["id"]]), {}, format="json").status_code == 404
    assert api.get(reverse("api:import_errors", args=[job["id"]])).status_code == 404

    api.force_login(make_official(ward, Role.SUPERVISOR))
    refused = _upload(api, csv_bytes([row()]))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role"
    assert ImportJob.objects.count() == 1


def test_a_token_needs_the_imports_scopes(api, ward, ward_official):
    _token, raw = issue(ward_official, ward, scopes=["imports:read"])
    refused = api.post(
        reverse("api:import_list"), {"file": SimpleUploadedFile("r.csv", csv_bytes([row()]))}, **bearer(raw)
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "scope"
    assert api.get(reverse("api:import_list"), **bearer(raw)).status_code == 200
    assert not ImportJob.objects.exists()
