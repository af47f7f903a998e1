import pytest
from django.core.exceptions import ValidationError

from core.errors import Invalid
from core.text import fold
from org.models import Role
from registry import services
from registry.models import Enterprise
from registry.validators import validate_tax_code


@pytest.mark.parametrize("value", ["0101234567", "0101234567-001", "3600252847-999"])
def test_valid_tax_codes(value):
    validate_tax_code(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "123",
        "010123456",
        "01012345678",
        "0101234567-01",
        "0101234567-0011",
        "0101234567_001",
        "010123456a",
        " 0101234567",
        "0101234567-",
        "-001",
        "０１０１２３４５６７",
    ],
)
def test_invalid_tax_codes_are_rejected_with_a_clear_message(value):
    with pytest.raises(ValidationError) as exc:
        validate_tax_code(value)
    message = exc.value.messages[0]
    assert "10" in message and "3" in message


@pytest.mark.django_db
def test_enterprise_create_rejects_bad_tax_code_and_writes_nothing(ward, make_official):
    official = make_official(ward, Role.WARD_OFFICIAL)
    with pytest.raises(Invalid) as exc:
        services.enterprise_create(
            actor=official, unit=ward, name="Công ty A", tax_code="12345", enterprise_type="joint_stock"
        )
    assert exc.value.code == "invalid" and "12345" in str(exc.value.message)
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_duplicate_tax_code_is_rejected(ward, make_official):
    official = make_official(ward, Role.WARD_OFFICIAL)
    services.enterprise_create(
        actor=official, unit=ward, name="A", tax_code="0101234567", enterprise_type="joint_stock"
    )
    with pytest.raises(Invalid) as exc:
        services.enterprise_create(
            actor=official, unit=ward, name="B", tax_code="0101234567", enterprise_type="joint_stock"
        )
    assert exc.value.code == "duplicate" and "0101234567" in str(exc.value.message)
    assert Enterprise.objects.count() == 1


@pytest.mark.parametrize(
    "text,folded",
    [
        ("Hoàn Kiếm", "hoan kiem"),
        ("ĐÔNG ĐÔ", "dong do"),
        ("  Cửa   Nam ", "cua nam"),
        ("Hợp tác xã", "hop tac xa"),
        ("Phường Ngọc Hà", "phuong ngoc ha"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded
