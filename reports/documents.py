"""A period report as JSON, XLSX (openpyxl) and DOCX (python-docx), from the dict of ``period_reports``.

The documents carry Vietnamese text and formatting ("17.313", "72,2%"): they are what officials file.
"""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

from django.utils import timezone

from org.models import Unit
from org.selectors import unit_ancestors
from registry.models import Enterprise

from .member_development import member_development_rows
from .models import Period, PeriodReport
from .period_reports import indicator_rows, period_report_data

FORMATS = ("json", "xlsx", "docx")
CONTENT_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def vn_int(n: int | None) -> str:
    return "—" if n is None else f"{n:,}".replace(",", ".")


def vn_pct(p: float | None, places: int = 1) -> str:
    if p is None:
        return "—"
    return f"{p:,.{places}f}".replace(",", " ").replace(".", ",").replace(" ", ".") + "%"


def _places(key: str) -> int:
    return 2 if key == "party_organizations_with_coordination_rules" else 1


def _type_labels() -> dict[str, str]:
    return {k: str(v) for k, v in Enterprise.Type.choices}


def filename(report: dict[str, Any], fmt: str) -> str:
    return f"bao-cao-{report['unit']['code']}-{report['period']['code']}.{fmt}"


def report_json(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


def report_xlsx(report: dict[str, Any]) -> bytes:
    """One sheet with the unit's indicators, one per child unit's figures, one by enterprise type."""
    from django.utils.translation import gettext as _
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Report")[:31]
    bold = Font(bold=True)
    ws.append([report["unit"]["committee"]])
    ws.append([_("Report for %(period)s") % {"period": report["period"]["name"]}])
    ws.append([_("Figures as of %(day)s") % {"day": _date(report["as_of"])}])
    ws["A1"].font = ws["A2"].font = bold
    ws.append([])
    ws.append(["#", _("Indicator"), _("Result"), _("Target"), _("Achieved (%)")])
    for c in ws[ws.max_row]:
        c.font = bold
    for i, row in enumerate(indicator_rows(report["indicators"]), start=1):
        ws.append([i, ("   " if row["sub"] else "") + row["label"], row["value"], row["target"], row["percent"]])
        ws.cell(ws.max_row, 3).number_format = "#,##0"
        ws.cell(ws.max_row, 4).number_format = "#,##0"
        ws.cell(ws.max_row, 5).number_format = "0.00" if _places(row["key"]) == 2 else "0.0"
    ws.column_dimensions["B"].width = 60
    for col in "CDE":
        ws.column_dimensions[col].width = 14

    types = _type_labels()
    wt = wb.create_sheet(_("By enterprise type")[:31])
    wt.append([_("Unit"), *[types[t] for t in types]])
    for c in wt[1]:
        c.font = bold
        c.alignment = Alignment(wrap_text=True)
    blocks = [(report["unit"], report["indicators"])] + [(c["unit"], c["indicators"]) for c in report["children"]]
    for unit, ind in blocks:
        by_type = ind["new_party_organizations"].get("by_enterprise_type", {})
        wt.append([unit["name"], *[by_type.get(t, 0) for t in types]])
    wt.column_dimensions["A"].width = 40

    if report["children"]:
        wc = wb.create_sheet(_("By unit")[:31])
        rows = indicator_rows(report["indicators"])
        wc.append([_("Unit"), *[r["label"] for r in rows]])
        for c in wc[1]:
            c.font = bold
            c.alignment = Alignment(wrap_text=True)
        for child in report["children"]:
            crow = indicator_rows(child["indicators"])
            wc.append([child["unit"]["name"], *[r["value"] for r in crow]])
        wc.append([_("Total"), *[r["value"] for r in rows]])
        for c in wc[wc.max_row]:
            c.font = bold
        wc.column_dimensions["A"].width = 40

    development = report.get("member_development")
    if development is not None:  # snapshots submitted before the section have none
        wd = wb.create_sheet(_("Member development")[:31])
        wd.append([_("Member development"), _("Result")])
        for c in wd[1]:
            c.font = bold
        for label, value, sub in member_development_rows(development):
            wd.append([("   " if sub else "") + label, value])
            wd.cell(wd.max_row, 2).number_format = "#,##0"
        wd.column_dimensions["A"].width = 60
        wd.column_dimensions["B"].width = 14

    commentary = report.get("commentary")
    if commentary:
        wm = wb.create_sheet(_("Commentary")[:31])
        for key, label in _commentary_labels():
            wm.append([label, commentary.get(key, "")])
            wm.cell(wm.max_row, 1).font = bold
            wm.cell(wm.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
        wm.column_dimensions["A"].width = 24
        wm.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _commentary_labels() -> list[tuple[str, str]]:
    from django.utils.translation import gettext as _

    return [
        ("results", _("Results")),
        ("difficulties", _("Difficulties and limitations")),
        ("proposals", _("Proposals and recommendations")),
    ]


def _date(iso: str) -> str:
    return datetime.date.fromisoformat(iso).strftime("%d/%m/%Y")


def _place(report: dict[str, Any]) -> str:
    return report.get("place") or report["unit"]["name"]


def vn_date(day: datetime.date) -> str:
    """The date line of a party document: "ngày 05 tháng 07 năm 2024"."""
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def official_document(
    *, committee: str, number: str, place: str, day: datetime.date, parent: str = "", font_size: int = 14
) -> Any:
    """A python-docx Document opened with the party's document header: the issuing committee (under its parent) and
    the number on the left, "ĐẢNG CỘNG SẢN VIỆT NAM" with place and date on the right (Times New Roman)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(font_size)

    left, right = doc.add_table(rows=1, cols=2).rows[0].cells
    lp = left.paragraphs[0]
    lp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if parent:
        lp.add_run(parent + "\n")
    lp.add_run(committee).bold = True
    lp.add_run("\n*\n" + number)
    rp = right.paragraphs[0]
    rp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rp.add_run("ĐẢNG CỘNG SẢN VIỆT NAM").bold = True
    rp.add_run(f"\n\n{place}, {vn_date(day)}").italic = True
    return doc


def report_docx(report: dict[str, Any], *, place: str = "", day: datetime.date | None = None) -> bytes:
    """The report laid out as an official report: committee, number line, place and date, numbered sections."""
    from django.utils.translation import gettext as _
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    day = day or datetime.date.today()
    doc = official_document(
        committee=report["unit"]["committee"].upper(),
        number=_("No. …-BC"),
        place=place or _place(report),
        day=day,
        font_size=13,
    )

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("\n" + _("REPORT")).bold = True
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(
        _("Results of building party organizations and mass organizations in non-state enterprises, %(period)s")
        % {"period": report["period"]["name"]}
    ).bold = True
    doc.add_paragraph(
        _("Figures as of %(day)s (period %(start)s – %(end)s).")
        % {
            "day": _date(report["as_of"]),
            "start": _date(report["period"]["starts_on"]),
            "end": _date(report["period"]["ends_on"]),
        }
    )

    section = 0

    def heading(text: str) -> None:
        nonlocal section
        section += 1
        p = doc.add_paragraph()
        p.add_run(f"{_roman(section)}. {text}").bold = True

    heading(_("Figures"))
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ["TT", _("Indicator"), _("Result"), _("Target"), _("Achieved")], strict=True
    ):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for i, row in enumerate(indicator_rows(report["indicators"]), start=1):
        cells = table.add_row().cells
        cells[0].text = str(i)
        cells[1].text = ("– " if row["sub"] else "") + row["label"]
        cells[2].text = vn_int(row["value"])
        cells[3].text = vn_int(row["target"]) if row["target"] is not None else ""
        cells[4].text = vn_pct(row["percent"], _places(row["key"])) if row["percent"] is not None else ""

    development = report.get("member_development")
    if development is not None:  # snapshots submitted before the section have none
        heading(_("Member development"))
        td = doc.add_table(rows=1, cols=2)
        td.style = "Table Grid"
        for cell, text in zip(td.rows[0].cells, [_("Indicator"), _("Result")], strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        for label, value, sub in member_development_rows(development):
            cells = td.add_row().cells
            cells[0].text = ("– " if sub else "") + label
            cells[1].text = vn_int(value)

    types = _type_labels()
    by_type = report["indicators"]["new_party_organizations"].get("by_enterprise_type", {})
    heading(_("New party organizations by enterprise type"))
    tt = doc.add_table(rows=1, cols=2)
    tt.style = "Table Grid"
    tt.rows[0].cells[0].text, tt.rows[0].cells[1].text = _("Enterprise type"), _("New party organizations")
    for key, label in types.items():
        if by_type.get(key):
            cells = tt.add_row().cells
            cells[0].text, cells[1].text = label, vn_int(by_type[key])

    if report["children"]:
        heading(_("By unit"))
        cols = [
            ("surveyed", _("Surveyed")),
            ("eligible", _("Eligible")),
            ("new_party_organizations", _("New party organizations")),
            ("new_members", _("New members")),
            ("mass_organizations", _("New mass organizations")),
        ]
        tc = doc.add_table(rows=1, cols=len(cols) + 1)
        tc.style = "Table Grid"
        tc.rows[0].cells[0].text = _("Unit")
        for cell, (_k, label) in zip(tc.rows[0].cells[1:], cols, strict=True):
            cell.text = label
        for child in report["children"]:
            cells = tc.add_row().cells
            cells[0].text = child["unit"]["name"]
            for cell, (k, _label) in zip(cells[1:], cols, strict=True):
                cell.text = vn_int(child["indicators"][k]["value"])

    commentary = report.get("commentary") or {}
    for key, label in _commentary_labels():
        heading(label)
        text = commentary.get(key) or ""
        for para in text.split("\n") if text else ["…"]:
            doc.add_paragraph(para)

    sign = doc.add_table(rows=1, cols=2)
    sign.rows[0].cells[0].text = _("Recipients:") + "\n- " + _("The superior committee,") + "\n- " + _("Archive.")
    sp = sign.rows[0].cells[1].paragraphs[0]
    sp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sp.add_run(_("ON BEHALF OF THE STANDING COMMITTEE")).bold = True
    if report.get("submitted_by"):
        sp.add_run("\n\n\n" + report["submitted_by"])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _roman(n: int) -> str:
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out


def report_render(report: dict[str, Any], fmt: str, **kwargs: Any) -> bytes:
    if fmt == "json":
        return report_json(report)
    if fmt == "xlsx":
        return report_xlsx(report)
    if fmt == "docx":
        return report_docx(report, **kwargs)
    raise ValueError(fmt)


def unit_place(unit: Unit) -> str:
    """The place written before the date ("Hà Nội, ngày ..."): the unit's province (one query)."""
    province = unit if unit.level == Unit.Level.PROVINCE else None
    if province is None:
        province = unit_ancestors(unit=unit).filter(level=Unit.Level.PROVINCE).first() or unit
    name = province.name
    for prefix in ("Thành phố ", "Tỉnh ", "TP. "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def period_report_file(*, unit: Unit, period: Period, fmt: str) -> tuple[bytes, str]:
    """A unit's period report as a file (its bytes and name), as the page, the API and the command export it: a
    submitted report reads its snapshot, and its DOCX is dated the day it was submitted."""
    report = PeriodReport.objects.filter(unit=unit, period=period).first()
    data = period_report_data(unit=unit, period=period, report=report)
    kwargs: dict[str, Any] = {"place": unit_place(unit)} if fmt == "docx" else {}
    if fmt == "docx" and report is not None and report.submitted_at:
        kwargs["day"] = timezone.localdate(report.submitted_at)
    return report_render(data, fmt, **kwargs), filename(data, fmt)
