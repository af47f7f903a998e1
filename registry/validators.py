import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TAX_CODE_RE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")


def validate_tax_code(value: str) -> None:
    """Vietnamese tax code: 10 digits, or 10 digits + "-" + 3 digits for a branch."""
    if not TAX_CODE_RE.match(value or ""):
        raise ValidationError(
            _(
                "Tax code “%(value)s” is not valid: it must be 10 digits (e.g. 0101234567), or 10 digits, "
                "a hyphen and 3 digits for a branch (e.g. 0101234567-001)."
            ),
            code="invalid_tax_code",
            params={"value": value},
        )
