"""The error report as an XLSX workbook, in Vietnamese.

Every text cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return)
gets a leading apostrophe, so a malicious value such as ``=HYPERLINK(...)`` in the uploaded file is shown, never
run, when the official opens the report.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from registry.models import ImportJob

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def import_error_report_xlsx(*, job: ImportJob) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    with translation.override("vi"):
        sheet = workbook.create_sheet(_("Errors")[:31])
        sheet.column_dimensions["A"].width = 8
        sheet.column_dimensions["B"].width = 24
        sheet.column_dimensions["C"].width = 30
        sheet.column_dimensions["D"].width = 90
        bold = Font(bold=True)
        header = []
        for title in (_("Row"), _("Column"), _("Value"), _("Error")):
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row, column, value, message in (
            job.errors.order_by("row", "pk").values_list("row", "column", "value", "message").iterator(chunk_size=5_000)
        ):
            sheet.append([row, neutralise(column), neutralise(value), neutralise(message)])

        changes = job.changes.order_by("row", "pk").values_list("row", "action", "tax_code", "name", "fields")
        if changes.exists():
            from registry.models import ImportRowChange

            sheet = workbook.create_sheet(_("Changes")[:31])
            sheet.append([_("Row"), _("Tax code"), _("Name"), _("Action"), _("Details")])
            labels = dict(ImportRowChange.Action.choices)
            for row, action, tax_code, name, fields in changes.iterator(chunk_size=5_000):
                details = "; ".join(f"{k}: {v[0]!s} → {v[1]!s}" for k, v in fields.items() if isinstance(v, list))
                if not details and fields.get("reason"):
                    details = str(fields["reason"])
                sheet.append(
                    [row, neutralise(tax_code), neutralise(name), str(labels.get(action, action)), neutralise(details)]
                )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
