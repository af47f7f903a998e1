"""The establishment decision as a document (DOCX, official layout); the register of numbers is ``cases.decisions``."""

from __future__ import annotations

import io
from typing import Any

from cases.competence import committee_proper_name
from cases.models import Case, OrganizationKind, Proposal
from org.models import Unit

from .documents import official_document, unit_place


def _committee_name(unit: Unit) -> str:
    """The committee that issues the decision, as the document's heading writes it ("ĐẢNG ỦY PHƯỜNG BA ĐÌNH")."""
    return committee_proper_name(unit).upper()


def _superior_name(unit: Unit) -> str:
    """The line above the committee: the party organization it belongs to ("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI")."""
    return (unit.party_committee_name or unit.name).upper()


def _reports_to(case: Case, proposal: Proposal | None, committee: Unit) -> str:
    """What the new organization is under, as Article 1 names it: the proposal's grassroots committee (a cell
    under one) or its committee, else the deciding committee."""
    if proposal is not None and proposal.parent_organization is not None:
        parent = proposal.parent_organization
        return f"Đảng bộ {parent.enterprise.name}"
    if proposal is not None:
        return committee_proper_name(proposal.reports_to)
    return committee_proper_name(committee)


def decision_context(*, case: Case) -> dict[str, Any]:
    committee = case.deciding_committee or case.enterprise.unit
    proposal = (
        Proposal.objects.filter(case=case)
        .select_related("secretary", "reports_to", "parent_organization__enterprise")
        .order_by("-submitted_at")
        .first()
    )
    if proposal is not None:
        members = list(proposal.members.order_by("full_name"))
    else:  # no proposal recorded (imported or demo cases): the register on the decision day
        day = case.decision_date
        members = list(
            case.enterprise.members.filter(admitted_on__lte=day).exclude(left_on__lte=day).order_by("full_name")
        )
    return {
        "case": case,
        "committee": committee,
        "committee_name": _committee_name(committee),
        "parent_name": _superior_name(committee.parent) if committee.parent is not None else "",
        "reports_to": _reports_to(case, proposal, committee),
        "kind": case.organization_kind,
        "place": unit_place(committee),
        "number": case.decision_number,
        "date": case.decision_date,
        "enterprise": case.enterprise,
        "secretary": proposal.secretary.full_name if proposal and proposal.secretary_id else "",
        "members": members,
        "cell_name": proposal.cell_name if proposal and proposal.cell_name else f"Chi bộ {case.enterprise.name}",
    }


_KIND_WORDS = {
    OrganizationKind.GRASSROOTS_CELL: "chi bộ cơ sở",
    OrganizationKind.GRASSROOTS_COMMITTEE: "đảng bộ cơ sở",
    OrganizationKind.SUBORDINATE_CELL: "chi bộ trực thuộc đảng ủy cơ sở",
}


def decision_docx(*, case: Case) -> bytes:
    """The establishment decision as an official document (Quy định 66-QĐ/TW layout, simplified)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    ctx = decision_context(case=case)
    doc = official_document(
        committee=ctx["committee_name"],
        number=f"Số {ctx['number']}",
        place=ctx["place"],
        day=ctx["date"],
        parent=ctx["parent_name"] or "",
    )

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("\nQUYẾT ĐỊNH").bold = True
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(f"về việc thành lập {ctx['cell_name']}").bold = True
    sub.add_run("\n-----")

    who = doc.add_paragraph()
    who.alignment = WD_ALIGN_PARAGRAPH.CENTER
    who.add_run(f"BAN THƯỜNG VỤ {ctx['committee_name']}").bold = True
    doc.add_paragraph("- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;")
    doc.add_paragraph("- Căn cứ Quy chế làm việc của cấp ủy;")
    doc.add_paragraph(
        f"- Xét tờ trình đề nghị thành lập chi bộ {ctx['enterprise'].name} (mã số thuế {ctx['enterprise'].tax_code}),"
    )
    decides = doc.add_paragraph()
    decides.alignment = WD_ALIGN_PARAGRAPH.CENTER
    decides.add_run("QUYẾT ĐỊNH").bold = True

    art1 = doc.add_paragraph()
    art1.add_run("Điều 1. ").bold = True
    art1.add_run(
        f"Thành lập {ctx['cell_name']} ({_KIND_WORDS.get(ctx['kind'], 'chi bộ cơ sở')}), "
        f"trực thuộc {ctx['reports_to']}, "
        f"gồm {len(ctx['members'])} đảng viên (danh sách kèm theo)."
    )
    if ctx["members"]:
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        hdr = table.rows[0].cells
        hdr[0].text, hdr[1].text, hdr[2].text = "TT", "Họ và tên", "Đảng viên"
        for i, m in enumerate(ctx["members"], start=1):
            row = table.add_row().cells
            row[0].text = str(i)
            row[1].text = m.full_name
            row[2].text = "chính thức" if m.status == "full" else "dự bị"
    art2 = doc.add_paragraph()
    art2.add_run("Điều 2. ").bold = True
    art2.add_run(
        "Chi bộ có nhiệm vụ lãnh đạo thực hiện nhiệm vụ chính trị, xây dựng quy chế hoạt động và quy chế phối "
        "hợp với chủ doanh nghiệp theo quy định."
    )
    if ctx["secretary"]:
        doc.add_paragraph(f"Chỉ định đồng chí {ctx['secretary']} giữ chức Bí thư chi bộ (quyết định riêng).")
    art3 = doc.add_paragraph()
    art3.add_run("Điều 3. ").bold = True
    art3.add_run("Ban Tổ chức, các đồng chí có tên tại Điều 1 và chi bộ căn cứ quyết định thi hành.")

    sign = doc.add_table(rows=1, cols=2)
    sign.rows[0].cells[0].text = "Nơi nhận:\n- Như Điều 3,\n- Lưu văn phòng."
    sp = sign.rows[0].cells[1].paragraphs[0]
    sp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sp.add_run("T/M BAN THƯỜNG VỤ\nBÍ THƯ").bold = True
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def decision_filename(case: Case) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in case.decision_number)
    return f"quyet-dinh-{safe}.docx"
