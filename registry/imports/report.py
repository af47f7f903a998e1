"""The error report as an XLSX workbook, in Vietnamese.

Every text cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return)
gets a leading apostrophe, so a malicious value such as ``=HYPERLINK(...)`` in the uploaded file is shown, never
run, when the official opens the report.
"""

from __future__ import annotations

import io
from pathlib import PurePath
from typing import Any

from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from registry.models import ImportJob

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def import_report_filename(*, job: ImportJob) -> str:
    """The report's file name, after the original file: "danh-sach - báo cáo nhập 12.xlsx"."""
    stem = PurePath(job.filename or "").stem[:100] or "import"
    with translation.override("vi"):
        return _("%(name)s - import report %(job)s") % {"name": stem, "job": job.pk} + ".xlsx"


def import_error_report_xlsx(*, job: ImportJob) -> bytes:
    """Sheet "Errors": what file, which import, then one line per error (the row number in the original sheet, the
    row's tax code and enterprise name as written, the column, the value, the message). Sheet "Changes": what
    update mode changed, with the fields' Vietnamese labels."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from .fields import FIELDS

    workbook = Workbook(write_only=True)
    with translation.override("vi"):
        bold = Font(bold=True)

        def header_row(sheet, titles) -> None:
            cells = []
            for title in titles:
                cell = WriteOnlyCell(sheet, value=title)
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)

        sheet = workbook.create_sheet(_("Errors")[:31])
        for letter, width in zip("ABCDEF", (10, 18, 40, 24, 30, 90), strict=True):
            sheet.column_dimensions[letter].width = width
        title = WriteOnlyCell(sheet, value=_("Registry import report"))
        title.font = Font(bold=True, size=14)
        sheet.append([title])
        sheet.append([_("Original file: %(name)s") % {"name": job.filename}])
        when = timezone.localtime(job.created_at).strftime("%d/%m/%Y %H:%M") if job.created_at else ""
        sheet.append(
            [
                _("Import #%(job)s of %(date)s, mode: %(mode)s; %(rows)s rows, %(rejected)s rejected.")
                % {
                    "job": job.pk,
                    "date": when,
                    "mode": job.get_mode_display(),
                    "rows": number_format(job.rows_total, force_grouping=True),
                    "rejected": number_format(job.rows_rejected, force_grouping=True),
                }
            ]
        )
        sheet.append([_("Row numbers are those of the original sheet (title rows counted).")])
        sheet.append([])
        header_row(
            sheet,
            (_("Row in the original file"), _("Tax code"), _("Enterprise name"), _("Column"), _("Value"), _("Error")),
        )
        errors = job.errors.order_by("row", "pk").values_list("row", "tax_code", "name", "column", "value", "message")
        for row, tax_code, name, column, value, message in errors.iterator(chunk_size=5_000):
            sheet.append(
                [
                    row,
                    neutralise(tax_code),
                    neutralise(name),
                    neutralise(column),
                    neutralise(value),
                    neutralise(message),
                ]
            )

        changes = job.changes.order_by("row", "pk").values_list("row", "action", "tax_code", "name", "fields")
        if changes.exists():
            from registry.models import ImportRowChange

            sheet = workbook.create_sheet(_("Changes")[:31])
            header_row(sheet, (_("Row in the original file"), _("Tax code"), _("Name"), _("Action"), _("Details")))
            labels = dict(ImportRowChange.Action.choices)
            for row, action, tax_code, name, fields in changes.iterator(chunk_size=5_000):
                details = "; ".join(
                    f"{FIELDS[k].label if k in FIELDS else k}: {v[0] if v[0] not in (None, '') else '—'!s} → "
                    f"{v[1] if v[1] not in (None, '') else '—'!s}"
                    for k, v in fields.items()
                    if isinstance(v, list)
                )
                if not details and fields.get("reason"):
                    details = str(fields["reason"])
                sheet.append(
                    [row, neutralise(tax_code), neutralise(name), str(labels.get(action, action)), neutralise(details)]
                )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
