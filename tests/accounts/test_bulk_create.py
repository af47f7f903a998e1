"""Bulk creation of officials from a file by a unit's administrator: only within the jurisdiction, roles held in a
unit within reach, every row checked with its row, column, value and a Vietnamese message, all or nothing, each
account made by the single-create service (history, forced first-login change)."""

import base64
import re
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import bulk
from accounts.models import AccountEvent, PasswordState
from core.errors import Forbidden, Invalid, ServiceError
from org.models import Official, Role
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

HEADER = "Tên đăng nhập,Họ và tên đệm,Tên,Mã đơn vị,Vai trò,Email,Chức vụ,Điện thoại\r\n"


@pytest.fixture
def bloc(ward):
    return UnitFactory(code="B01", name="Đảng ủy Khối doanh nghiệp", parent=ward, level="bloc")


@pytest.fixture
def admin(ward, make_official):
    return make_official(ward, Role.ADMINISTRATOR, username="w.admin")


def csv_bytes(*rows: str, bom: bool = False) -> bytes:
    text = HEADER + "".join(r + "\r\n" for r in rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def run(actor, data, *, create=True, filename="can-bo.csv"):
    return bulk.officials_import(actor=actor, data=data, filename=filename, create=create)


@pytest.mark.parametrize("bom", [False, True])
def test_the_file_creates_every_account_through_the_single_create_service(admin, ward, bloc, bom):
    data = csv_bytes(
        "hk.an,Nguyễn Văn,An,W01,ward_official,an@example.vn,Chuyên viên,0901",
        'hk.binh,Trần Thị,Bình,B01,"Cán bộ phụ trách (phường/xã); committee_member",,,',
        bom=bom,
    )
    result = run(admin, data)

    assert result.created and not result.errors
    an, binh = Official.objects.get(username="hk.an"), Official.objects.get(username="hk.binh")
    assert (an.unit, an.last_name, an.first_name, an.email, an.title, an.phone) == (
        ward,
        "Nguyễn Văn",
        "An",
        "an@example.vn",
        "Chuyên viên",
        "0901",
    )
    assert binh.unit == bloc and binh.has_role(Role.WARD_OFFICIAL) and binh.has_role(Role.COMMITTEE_MEMBER)
    for official, row in ((an, result.rows[0]), (binh, result.rows[1])):
        assert official.check_password(row.password)  # the temporary password shown to the administrator
        assert PasswordState.objects.get(official=official).must_change
        (created,) = AccountEvent.objects.filter(official=official)
        assert created.event == "created" and created.actor == admin and created.details["file"] == "can-bo.csv"
    assert result.rows[0].password != result.rows[1].password


@pytest.mark.parametrize(
    ("unit", "allowed"),
    [("W01", True), ("B01", True), ("W02", False), ("P01", False), ("XX9", False)],
    ids=["own", "child", "sibling", "above", "unknown"],
)
def test_rows_only_within_the_jurisdiction(admin, bloc, sibling_ward, unit, allowed):
    result = run(admin, csv_bytes(f"moi,Lê,Hoa,{unit},supervisor,,,"))
    if allowed:
        assert result.created and Official.objects.get(username="moi").has_role(Role.SUPERVISOR)
    else:
        assert not result.created and not Official.objects.filter(username="moi").exists()
        (error,) = result.errors
        assert (error.row, error.column, error.value) == (2, "Mã đơn vị", unit)
        # A sibling's unit and one that does not exist get the same answer.
        assert error.message == "Không có đơn vị mã này trong phạm vi của bạn."


def test_a_role_beyond_reach_is_refused(admin, province):
    """Roles are held in the official's unit: a supervisor placed above the administrator would see more than
    they do, so the unit is refused; a role that does not exist (no "superuser" role) is refused too."""
    result = run(admin, csv_bytes("cap.tren,Phạm,Tú,P01,supervisor,,,", "sieu,Đỗ,Hà,W01,superuser;administrator,,,"))
    assert not result.created and not Official.objects.filter(username__in=["cap.tren", "sieu"]).exists()
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (2, "Mã đơn vị", "P01"),
        (3, "Vai trò", "superuser;administrator"),
    ]
    assert result.errors[1].message == "Không có vai trò “superuser”."


def test_every_bad_row_is_reported_and_nothing_is_written(admin, ward, make_official):
    make_official(ward, Role.WARD_OFFICIAL, username="da.co")
    data = csv_bytes(
        "tot,Nguyễn,Tốt,W01,ward_official,,,",  # good, but the file has bad rows: not created either
        "DA.CO,Lê,Trùng,W01,,,,",  # taken (case does not matter)
        "tot,Võ,Lặp,W01,,,,",  # the same user name twice in the file
        ",Thiếu,Tên,W01,,,,",  # no user name
        "thu,Mai,Thư,W01,,khong-phai-email,,",
    )
    before = (Official.objects.count(), AccountEvent.objects.count(), PasswordState.objects.count())

    result = run(admin, data)

    assert not result.created
    assert (Official.objects.count(), AccountEvent.objects.count(), PasswordState.objects.count()) == before
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (3, "Tên đăng nhập", "DA.CO"),
        (4, "Tên đăng nhập", "tot"),
        (5, "Tên đăng nhập", ""),
        (6, "E-mail", "khong-phai-email"),
    ]
    assert result.errors[0].message == "Tên đăng nhập này đã có người dùng."
    assert result.errors[1].message == "Tên đăng nhập này đã có ở dòng 2."


def test_a_refusal_during_creation_rolls_back_the_rows_before_it(admin, ward, monkeypatch):
    """The check passed, then a user name was taken meanwhile: the whole file is rolled back."""
    real = bulk.services.official_create

    def taken_meanwhile(**kwargs):
        if kwargs["username"] == "hai":
            Official.objects.create(username="hai")  # inside the savepoint: rolled back with it
            return real(**kwargs)
        return real(**kwargs)

    monkeypatch.setattr(bulk.services, "official_create", taken_meanwhile)
    result = run(admin, csv_bytes("mot,A,Một,W01,,,,", "hai,B,Hai,W01,,,,", "ba,C,Ba,W01,,,,"))

    assert not result.created
    assert [(e.row, e.column) for e in result.errors] == [(3, "Tên đăng nhập")]
    assert not Official.objects.filter(username__in=["mot", "hai", "ba"]).exists()
    assert not AccountEvent.objects.exists()


def test_the_preview_writes_nothing(admin, django_assert_max_num_queries):
    rows = [f"can.bo.{i},Nguyễn,Số {i},W01,ward_official,,," for i in range(40)]
    with django_assert_max_num_queries(3):  # the units, the user names: not one query per row
        result = run(admin, csv_bytes(*rows), create=False)
    assert result.ok and not result.created and len(result.rows) == 40
    assert not Official.objects.filter(username__startswith="can.bo.").exists()


def test_files_that_cannot_be_read(admin, settings):
    with pytest.raises(Invalid, match="Tên đăng nhập"):  # a column missing
        run(admin, "Họ,Tên\r\nA,B\r\n".encode())
    with pytest.raises(Invalid, match="không có cán bộ"):
        run(admin, csv_bytes())
    with pytest.raises(Invalid):
        run(admin, b"\x00\x01binary", filename="x.csv")
    with pytest.raises(Invalid):
        run(admin, csv_bytes("a,B,C,W01,,,,"), filename="can-bo.pdf")
    settings.CELLFLOW_ACCOUNT_IMPORT_MAX_ROWS = 2
    with pytest.raises(ServiceError) as too_many:
        run(admin, csv_bytes(*[f"u{i},A,B,W01,,,," for i in range(3)]))
    assert too_many.value.status == 400
    settings.CELLFLOW_ACCOUNT_IMPORT_MAX_BYTES = 100
    with pytest.raises(ServiceError) as too_large:
        run(admin, csv_bytes("a" * 200 + ",B,C,W01,,,,"))
    assert too_large.value.status == 413


def test_only_administrators(ward, make_official):
    with pytest.raises(Forbidden):
        run(make_official(ward, Role.SUPERVISOR), csv_bytes("a,B,C,W01,,,,"))


def cp1258(text: str) -> bytes:
    """As old Vietnamese Excel writes it: a letter with its vowel mark, the tone as a combining mark."""
    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for i, mark in enumerate(marks):
            composed = unicodedata.normalize("NFC", base + mark)
            if len(composed) == 1:
                try:
                    out.append((composed + "".join(marks[:i] + marks[i + 1 :])).encode("cp1258"))
                    break
                except UnicodeEncodeError:
                    continue
        else:
            out.append((base + "".join(marks)).encode("cp1258"))
    return b"".join(out)


def test_a_windows_1258_file_from_old_excel(admin):
    data = cp1258(HEADER + "cp.an,Nguyễn,An,W01,,,,\r\n")
    result = run(admin, data)
    assert result.created and Official.objects.get(username="cp.an").last_name == "Nguyễn"


# --- The pages ---------------------------------------------------------------------------------------------


def upload(client, data, name="can-bo.csv"):
    return client.post(reverse("accounts:official_import"), {"file": SimpleUploadedFile(name, data)})


def test_preview_then_create_on_the_pages(client, admin, ward):
    client.force_login(admin)
    assert client.get(reverse("accounts:official_import")).status_code == 200

    preview = upload(client, csv_bytes("trang.moi,Hồ,Trang,W01,ward_official,,,", bom=True))

    assert preview.status_code == 200 and not Official.objects.filter(username="trang.moi").exists()
    html = preview.content.decode()
    assert "trang.moi" in html and "Tạo 1 tài khoản" in html
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)

    done = client.post(reverse("accounts:official_import"), {"action": "create", "payload": payload})

    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    official = Official.objects.get(username="trang.moi")
    password = re.search(r'class="mono temporary-password">([^<]+)<', done.content.decode()).group(1)
    assert official.check_password(password)
    listing = re.search(r"base64,([A-Za-z0-9+/=]+)", done.content.decode()).group(1)
    assert f"trang.moi,Hồ Trang,W01,{password}" in base64.b64decode(listing).decode("utf-8-sig")
    # The confirmation again: the user name is taken now, nothing more is created.
    again = client.post(reverse("accounts:official_import"), {"action": "create", "payload": payload})
    assert again.status_code == 400 and Official.objects.filter(username="trang.moi").count() == 1


def test_the_pages_refuse_bad_input(client, admin, settings):
    client.force_login(admin)
    errors = upload(client, csv_bytes("x,A,B,W02,,,,"))
    assert errors.status_code == 400
    assert "Không có đơn vị mã này trong phạm vi của bạn." in errors.content.decode()
    forged = client.post(reverse("accounts:official_import"), {"action": "create", "payload": "abc:def"})
    assert forged.status_code == 400
    # Someone else's payload does not verify for this administrator either.
    assert upload(client, b"").status_code == 400
    settings.CELLFLOW_ACCOUNT_IMPORT_MAX_BYTES = 1024
    assert upload(client, csv_bytes("a" * 2000 + ",B,C,W01,,,,")).status_code == 413
    too_big = client.post(
        reverse("accounts:official_import"),
        {"file": SimpleUploadedFile("x.csv", b"a" * 200_000)},
    )
    assert too_big.status_code == 413  # refused from the declared length, before the body is read
    assert not Official.objects.filter(username="x").exists()


def test_a_payload_signed_for_another_administrator_is_refused(client, admin, ward, make_official):
    client.force_login(admin)
    html = upload(client, csv_bytes("khac,A,B,W01,,,,")).content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    client.force_login(make_official(ward, Role.ADMINISTRATOR))
    assert client.post(reverse("accounts:official_import"), {"action": "create", "payload": payload}).status_code == 400
    assert not Official.objects.filter(username="khac").exists()


def test_the_template_file(client, admin):
    client.force_login(admin)
    response = client.get(reverse("accounts:official_import_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffTên đăng nhập,Họ và tên đệm,Tên,Mã đơn vị,Vai trò")
    # The template, filled in, is a file the page accepts.
    result = run(admin, response.content)
    assert result.created and Official.objects.get(username="nguyen.van.an").unit == admin.unit


def test_the_pages_are_for_administrators(client, ward, make_official):
    client.force_login(make_official(ward, Role.SUPERVISOR))
    assert client.get(reverse("accounts:official_import")).status_code == 403
    assert client.get(reverse("accounts:official_import_template")).status_code == 403
