"""Every 500 the crawl of issue 20 found is a 400 with a message, on SQLite and PostgreSQL: integers beyond their
column, NUL bytes and other control characters (PostgreSQL refuses NUL in text), admin date lookups out of range,
``?_to_field=+``. Browsers post ordinary forms url-encoded (checked by ``config.middleware.RequestInputGuard``);
the test client's default is multipart (left to the forms, ``core.forms.BoundedForm``): both are tried."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from cases.models import Case, Survey
from org.models import Role
from registry.models import Enterprise
from tests.factories import CaseFactory, EnterpriseFactory, OfficialFactory, add_full_members
from workflows.models import SavedFilter

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()
CONTROL_MESSAGE = "Yêu cầu có ký tự điều khiển (như NUL)"
FIELD_CONTROL_MESSAGE = "Hãy xoá các ký tự điều khiển (như NUL) khỏi nội dung này."
URLENCODED = "application/x-www-form-urlencoded"


def _post(client, url, data, *, encoded):
    """POST as a browser does (url-encoded) or as the test client does by default (multipart)."""
    if encoded:
        return client.post(url, urlencode(data, doseq=True), content_type=URLENCODED)
    return client.post(url, data)


def _open_task(case):
    return Task.objects.get(
        process__caseprocess__case=case, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    )


@pytest.fixture
def field(ward, make_official):
    return make_official(ward, Role.WARD_OFFICIAL)


@pytest.fixture
def started_case(ward, field, make_official):
    make_official(ward, Role.ORGANIZATION_OFFICER)
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    return case_services.case_open(actor=field, enterprise=enterprise)


# --- a worker count of 2^31 on the survey form ----------------------------------------------------------------


@pytest.mark.parametrize("count", [str(2**31), str(2**63), "9" * 40])
def test_a_worker_count_beyond_the_column_is_400_on_the_task_page(count, client, field, started_case):
    task = _open_task(started_case)
    client.force_login(field)
    response = client.post(
        reverse("workflows:task", args=[task.pk]), {"kind": "basic", "surveyed_on": TODAY, "worker_count": count}
    )
    assert response.status_code == 400
    (error,) = response.context["form"].errors["worker_count"]
    assert error.startswith("Đảm bảo giá trị này") and "2147483647" in error
    assert not Survey.objects.exists() and _open_task(started_case).pk == task.pk


def test_a_worker_count_beyond_the_column_is_400_on_the_case_page(client, field, started_case):
    client.force_login(field)
    response = client.post(
        reverse("cases:case_action", args=[started_case.pk, "survey"]),
        {"survey-kind": "basic", "survey-surveyed_on": TODAY, "survey-worker_count": str(2**31)},
    )
    assert response.status_code == 400
    assert "2147483647" in response.content.decode()
    assert not Survey.objects.exists()


def test_the_largest_worker_count_the_column_holds_is_kept(client, field, started_case):
    client.force_login(field)
    response = client.post(
        reverse("workflows:task", args=[_open_task(started_case).pk]),
        {"kind": "basic", "surveyed_on": TODAY, "worker_count": str(2**31 - 1)},
    )
    assert response.status_code == 302
    assert Survey.objects.get().worker_count == 2**31 - 1


def test_the_number_field_tells_the_browser_its_bounds(client, field, started_case):
    client.force_login(field)
    html = client.get(reverse("workflows:task", args=[_open_task(started_case).pk])).content.decode()
    assert 'name="worker_count" min="0" max="2147483647"' in html


# --- a NUL byte in a saved inbox filter ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoded", [True, False], ids=["urlencoded", "multipart"])
@pytest.mark.parametrize(
    "data",
    [
        {"name": "Lọc", "query": "q=a\x00b"},
        {"name": "Lọc", "query": "zz=\x00"},
        {"name": "Lọc\x00", "query": "step=survey"},
    ],
    ids=["nul-in-the-filter", "nul-in-an-unknown-field", "nul-in-the-name"],
)
def test_a_nul_byte_in_a_saved_filter_is_400(data, encoded, client, field):
    client.force_login(field)
    response = _post(client, reverse("workflows:save_filter"), data, encoded=encoded)
    assert response.status_code == 400
    assert (CONTROL_MESSAGE if encoded else FIELD_CONTROL_MESSAGE) in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_a_nul_byte_in_any_posted_value_is_400(client, field):
    client.force_login(field)
    data = {"name": "Lọc", "query": "step=survey", "shared": "\x00"}
    response = _post(client, reverse("workflows:save_filter"), data, encoded=True)
    assert response.status_code == 400 and CONTROL_MESSAGE in response.content.decode()
    assert not SavedFilter.objects.exists()


@pytest.mark.parametrize(
    "query",
    ["q=a%00b", "zz=%00", "zz=1", "step=survey&evil=%01"],
    ids=["escaped-nul", "escaped-nul-unknown", "unknown-field", "escaped-control"],
)
def test_a_filter_that_would_hold_a_nul_or_unknown_fields_is_not_saved(query, client, field):
    client.force_login(field)
    response = _post(client, reverse("workflows:save_filter"), {"name": "Lọc", "query": query}, encoded=True)
    assert response.status_code == 400
    assert "Không lưu được bộ lọc này" in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_a_good_filter_is_saved_without_the_page_number(client, field):
    client.force_login(field)
    response = _post(
        client, reverse("workflows:save_filter"), {"name": "Quá hạn", "query": "due=overdue&page=3"}, encoded=True
    )
    assert response.status_code == 302 and response.url == reverse("workflows:inbox") + "?due=overdue"
    assert SavedFilter.objects.get().query == "due=overdue"
    assert client.get(reverse("workflows:inbox") + "?due=overdue").status_code == 200


def test_a_filter_without_a_name_is_refused_with_the_message(client, field):
    client.force_login(field)
    response = _post(client, reverse("workflows:save_filter"), {"name": " ", "query": "due=overdue"}, encoded=True)
    assert response.status_code == 302
    assert "Đặt tên cho bộ lọc." in client.get(response.url).content.decode()


# --- query strings of the app's pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/inbox/?q=%00",
        "/inbox/?zz=%00",
        "/queue/?step=%1f",
        "/enterprises/?q=a%00",
        "/enterprises/?unit=99999999999999999999999",
        "/inbox/?page=99999999999999999999999",
        "/notifications/?page=%00",
    ],
)
def test_bad_query_strings_on_the_pages_are_400_with_a_message(url, client, field):
    client.force_login(field)
    response = client.get(url)
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_a_long_number_is_still_a_search(client, field):
    client.force_login(field)
    assert client.get("/enterprises/?q=" + "9" * 40).status_code == 200


def test_a_decision_register_year_beyond_the_column_falls_back(client, make_official, ward):
    client.force_login(make_official(ward, Role.SUPERVISOR))
    assert client.get(reverse("reports:decision_register") + "?year=40000").status_code == 200
    assert client.get(reverse("reports:decision_register") + "?year=x").status_code == 200


@pytest.mark.parametrize("encoded", [True, False], ids=["urlencoded", "multipart"])
def test_a_nul_byte_in_a_note_opens_no_case(encoded, client, field, ward):
    enterprise = EnterpriseFactory(unit=ward)
    client.force_login(field)
    response = _post(
        client, reverse("cases:enterprise_open_case", args=[enterprise.pk]), {"note": "a\x00b"}, encoded=encoded
    )
    assert response.status_code == 400
    assert (CONTROL_MESSAGE if encoded else FIELD_CONTROL_MESSAGE) in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("encoded", [True, False], ids=["urlencoded", "multipart"])
def test_a_nul_byte_in_the_login_form_is_refused(encoded, client, field):
    response = _post(client, reverse("login"), {"username": "a\x00b", "password": "x"}, encoded=encoded)
    if encoded:
        assert response.status_code == 400 and CONTROL_MESSAGE in response.content.decode()
    else:  # Django's login form refuses NUL itself
        assert response.status_code == 200 and response.context["form"].errors["username"]


def test_ids_beyond_the_column_are_ignored_in_lists(client, field):
    client.force_login(field)
    huge = str(2**70)
    assert client.post(reverse("notifications:mark_read"), {"ids": [huge, "1"]}).status_code == 302
    assert client.post(reverse("workflows:claim"), {"tasks": huge}).status_code == 302


def test_mark_read_goes_back_only_to_a_page_of_this_site(client, field):
    client.force_login(field)
    for target in ("/\\evil.example/", "//evil.example/", "https://evil.example/"):
        response = client.post(reverse("notifications:mark_read"), {"next": target})
        assert response.url == reverse("notifications:list"), target
    assert client.post(reverse("notifications:mark_read"), {"next": "/inbox/?due=overdue"}).url == "/inbox/?due=overdue"


# --- the admin ----------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, ward):
    """A ward's staff administrator with every permission (the role the project's admin test sets up)."""
    staff = OfficialFactory(unit=ward, roles=[Role.ADMINISTRATOR], is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    EnterpriseFactory(unit=ward)
    CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    client.force_login(staff)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/registry/enterprise/?operating_status__exact=%00",
        "/admin/registry/enterprise/?operating_status=%00",
        "/admin/cases/case/?state=%00",
        "/admin/cases/casehistory/?event=a%00",
        "/admin/org/unit/?level=%00",
        "/admin/axes/accessattempt/?path_info=%00",
        "/admin/viewflow/task/?status=%00",
        "/admin/registry/enterprise/?q=%00",
        "/admin/autocomplete/?term=%00&app_label=registry&model_name=enterprise&field_name=unit",
    ],
)
def test_nul_bytes_in_admin_list_filters_are_400(url, admin_client):
    response = admin_client.get(url)
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/admin/cases/case/?opened_at__year=99999999999", "“opened_at__year” phải là số nguyên từ 1 đến 9999."),
        ("/admin/registry/enterprise/?created_at__year=10000", "“created_at__year” phải là số nguyên từ 1 đến 9999."),
        ("/admin/registry/enterprise/?created_at__year=0", "“created_at__year” phải là số nguyên từ 1 đến 9999."),
        ("/admin/registry/enterprise/?created_at__iso_year=-5", "“created_at__iso_year” phải là số nguyên"),
        ("/admin/registry/enterprise/?created_at__year__gte=99999", "“created_at__year__gte” phải là số nguyên"),
        ("/admin/registry/enterprise/?created_at__month=13", "“created_at__month” phải là số nguyên từ 1 đến 12."),
        ("/admin/registry/enterprise/?id__in=99999999999999999999999", "Số cho “id__in” quá lớn."),
        ("/admin/reports/target/?period=99999999999999999999999", "Số cho “period” quá lớn."),
    ],
)
def test_admin_date_and_number_lookups_out_of_range_are_400(url, message, admin_client):
    response = admin_client.get(url)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_admin_date_lookups_within_range_still_filter(admin_client):
    year = timezone.localdate().year
    for url in (
        f"/admin/cases/case/?opened_at__year={year}",
        f"/admin/cases/case/?opened_at__year={year}&opened_at__month=1",
        "/admin/registry/enterprise/?created_at__year=9999",
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "path",
    [
        "/admin/registry/enterprise/",
        "/admin/registry/enterprise/add/",
        "/admin/org/unit/",
        "/admin/cases/case/",
    ],
)
@pytest.mark.parametrize(
    ("to_field", "message"),
    [
        ("+", "“_to_field” phải là tên một trường."),
        ("%00", CONTROL_MESSAGE),
        ("unit__path", "Hệ thống không xử lý được yêu cầu này."),  # a name, but not one to refer to: Django's 400
    ],
)
def test_admin_to_field_that_may_not_be_referenced_is_400(path, to_field, message, admin_client):
    response = admin_client.get(f"{path}?_to_field={to_field}&_popup=1")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_admin_posts_with_a_nul_byte_are_400(admin_client, ward):
    enterprise = Enterprise.objects.first()
    url = reverse("admin:registry_enterprise_change", args=[enterprise.pk])
    response = admin_client.post(url, urlencode({"name": "x\x00"}), content_type=URLENCODED)
    assert response.status_code == 400
    enterprise.refresh_from_db()
    assert "\x00" not in enterprise.name


def test_the_refusal_is_in_english_on_request(admin_client):
    admin_client.cookies["django_language"] = "en"
    html = admin_client.get("/admin/cases/case/?opened_at__year=99999999999").content.decode()
    assert "“opened_at__year” must be a whole number from 1 to 9999." in html
    html = admin_client.get("/admin/cases/case/?state=%00").content.decode()
    assert "The request contains control characters (such as NUL)" in html


@pytest.mark.parametrize(
    "url", ["/cases/99999999999999999999/", "/enterprises/99999999999999999999/", "/tasks/99999999999999999999/"]
)
def test_an_id_beyond_64_bits_in_the_path_is_not_found(client, ward_official, url):
    client.force_login(ward_official)
    assert client.get(url).status_code == 404
