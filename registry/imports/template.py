"""The registry list template in the official layout, offered for download on the import page.

The national title rows, the list's title, a two-row header (the mass organizations' group cells merged over their
sub-columns, the other columns merged down both rows), the row of column numbers, one example row and a sheet of
notes. The file is a Vietnamese official form: its texts are Vietnamese whatever the page's language, and its
headers are names the importer recognises (``fields.header_keys``), so a filled-in template imports as it is (the
round-trip test). The example row is marked "Ví dụ" in the STT column, and the reader skips such rows
(``reading._is_example``): left in place it adds no enterprise.
"""

from __future__ import annotations

import io

from registry.models import Enterprise

# (field, header, [sub-column under a group], width, example, how to write it)
SINGLE_COLUMNS: tuple[tuple[str, str, int, object, str], ...] = (
    ("name", "Tên doanh nghiệp", 40, "Công ty TNHH Thương mại Hoàn Kiếm", "Bắt buộc. Tối đa 255 ký tự."),
    (
        "tax_code",
        "Mã số thuế",
        16,
        "0101234567",
        "Bắt buộc. 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số cho chi nhánh (0101234567-001). "
        "Cột đã định dạng là văn bản để giữ số 0 ở đầu.",
    ),
    (
        "enterprise_type",
        "Loại hình",
        24,
        "Công ty TNHH",
        "Chọn trong danh sách, hoặc ghi: Công ty TNHH, Công ty cổ phần, Doanh nghiệp tư nhân, Công ty hợp danh, "
        "Hợp tác xã, FDI, ngoài công lập, Hộ kinh doanh. Để trống: đọc từ tên (“Công ty TNHH …”).",
    ),
    ("address", "Địa chỉ trụ sở", 36, "12 Hàng Bạc, phường Hoàn Kiếm", "Tối đa 255 ký tự."),
    (
        "unit",
        "Mã đơn vị",
        12,
        "",
        "Mã phường, xã (ví dụ 00070). Để trống: đơn vị mặc định chọn khi tải tệp lên.",
    ),
    ("owner_name", "Người đại diện theo pháp luật", 28, "Nguyễn Văn An", ""),
    ("worker_count", "Số lao động", 12, 45, "Số nguyên (1.234 hoặc 1234)."),
    (
        "operating_status",
        "Tình trạng hoạt động",
        22,
        "Đang hoạt động",
        "Đang hoạt động, Tạm ngừng hoạt động, Bỏ địa điểm kinh doanh, Đã giải thể. Giải thể, tạm ngừng hoặc bỏ địa "
        "điểm sẽ đóng hồ sơ đang mở của doanh nghiệp (chế độ cập nhật).",
    ),
    ("contact_name", "Người liên hệ", 24, "Trần Thị Bình", ""),
    (
        "contact_phone",
        "Số điện thoại",
        16,
        "0912345678",
        "Cột đã định dạng là văn bản để giữ số 0 ở đầu.",
    ),
    ("contact_email", "Email", 26, "lienhe@hoankiem.vn", "Địa chỉ thư điện tử hợp lệ."),
)
# (group header, [(field, sub-column header, example, how to write it)])
GROUPS: tuple[tuple[str, tuple[tuple[str, str, object, str], ...]], ...] = (
    (
        "Công đoàn cơ sở",
        (
            ("trade_union_established_on", "Ngày thành lập", "15/03/2019", "Ngày dd/mm/yyyy, không sau hôm nay."),
            ("trade_union_member_count", "Số đoàn viên", 30, "Số nguyên."),
        ),
    ),
    (
        "Đoàn Thanh niên",
        (
            ("youth_union_established_on", "Ngày thành lập", "", "Ngày dd/mm/yyyy."),
            ("youth_union_member_count", "Số đoàn viên", "", "Số nguyên."),
        ),
    ),
    (
        "Hội Liên hiệp Thanh niên",
        (
            ("youth_federation_established_on", "Ngày thành lập", "", "Ngày dd/mm/yyyy."),
            ("youth_federation_member_count", "Số hội viên", "", "Số nguyên."),
        ),
    ),
)
HEADER_ROW = 6  # the header's two rows: 6 and 7; column numbers: 8; the example: 9
EXAMPLE_MARK = "Ví dụ"
TEXT_FIELDS = {"tax_code", "contact_phone", "unit"}
TYPE_CHOICES = (
    "Công ty TNHH",
    "Công ty cổ phần",
    "Doanh nghiệp tư nhân",
    "Công ty hợp danh",
    "Hợp tác xã",
    "FDI",
    "Ngoài công lập",
    "Hộ kinh doanh",
)


def _status_choices() -> list[str]:
    from django.utils import translation

    with translation.override("vi"):
        return [str(label) for _value, label in Enterprise.OperatingStatus.choices]


def template_columns() -> list[tuple[str, str, str, object, str]]:
    """(field, group header or "", header, example, notes) per column after STT, in the template's order."""
    columns = [(key, "", header, example, notes) for key, header, _width, example, notes in SINGLE_COLUMNS]
    for group, subs in GROUPS:
        columns += [(key, group, header, example, notes) for key, header, example, notes in subs]
    return columns


def import_template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    columns = template_columns()
    last = get_column_letter(len(columns) + 1)
    bold, center = Font(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="DDEBF7")

    for number, (text, font) in enumerate(
        (
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Font(bold=True, size=12)),
            ("Độc lập - Tự do - Hạnh phúc", Font(bold=True, underline="single", size=12)),
            ("", None),
            ("DANH SÁCH DOANH NGHIỆP TRÊN ĐỊA BÀN", Font(bold=True, size=14)),
            ("", None),
        ),
        start=1,
    ):
        if text:
            cell = sheet.cell(row=number, column=1, value=text)
            cell.font, cell.alignment = font, center
            sheet.merge_cells(f"A{number}:{last}{number}")

    top, sub = HEADER_ROW, HEADER_ROW + 1
    sheet.cell(row=top, column=1, value="STT")
    sheet.merge_cells(start_row=top, start_column=1, end_row=sub, end_column=1)
    sheet.column_dimensions["A"].width = 7
    widths = {key: width for key, _header, width, _example, _notes in SINGLE_COLUMNS}
    column = 2
    for key, header, *_rest in SINGLE_COLUMNS:
        sheet.cell(row=top, column=column, value=header)
        sheet.merge_cells(start_row=top, start_column=column, end_row=sub, end_column=column)
        sheet.column_dimensions[get_column_letter(column)].width = widths[key]
        column += 1
    for group, subs in GROUPS:
        sheet.cell(row=top, column=column, value=group)
        sheet.merge_cells(start_row=top, start_column=column, end_row=top, end_column=column + len(subs) - 1)
        for offset, (_key, header, _example, _notes) in enumerate(subs):
            sheet.cell(row=sub, column=column + offset, value=header)
            sheet.column_dimensions[get_column_letter(column + offset)].width = 15
        column += len(subs)
    for row in (top, sub):
        for index in range(1, len(columns) + 2):
            cell = sheet.cell(row=row, column=index)
            cell.font, cell.alignment, cell.border, cell.fill = bold, center, box, fill
    for index in range(1, len(columns) + 2):
        cell = sheet.cell(row=sub + 1, column=index, value=f"({index})")
        cell.alignment, cell.border = center, box
        cell.font = Font(italic=True, size=9)

    example_row = sub + 2
    sheet.cell(row=example_row, column=1, value=EXAMPLE_MARK).font = Font(italic=True)
    for index, (_key, _group, _header, example, _notes) in enumerate(columns, start=2):
        cell = sheet.cell(row=example_row, column=index, value=example if example != "" else None)
        cell.font = Font(italic=True, color="555555")
    # Tax codes, phone numbers and unit codes are text: their leading zeros stay (Excel drops them from numbers).
    for index, (key, *_rest) in enumerate(columns, start=2):
        if key in TEXT_FIELDS:
            letter = get_column_letter(index)
            for row in range(example_row, example_row + 2000):
                sheet[f"{letter}{row}"].number_format = "@"
    index_of = {key: index for index, (key, *_rest) in enumerate(columns, start=2)}
    for key, choices in (("enterprise_type", TYPE_CHOICES), ("operating_status", _status_choices())):
        letter = get_column_letter(index_of[key])
        validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
        validation.showErrorMessage = False  # a value outside the list is still read (synonyms, codes)
        sheet.add_data_validation(validation)
        validation.add(f"{letter}{example_row}:{letter}{example_row + 5000}")
    sheet.freeze_panes = f"C{example_row}"

    notes = workbook.create_sheet("Hướng dẫn")
    notes.column_dimensions["A"].width = 42
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 100
    notes.append(["HƯỚNG DẪN ĐIỀN DANH SÁCH DOANH NGHIỆP"])
    notes["A1"].font = Font(bold=True, size=13)
    for line in (
        "Mỗi doanh nghiệp một dòng, bắt đầu từ dòng 10 của trang “Danh sách” (dòng 9 là ví dụ, ghi “Ví dụ” ở cột STT: "
        "dòng có chữ “Ví dụ” ở cột STT không được nhập; có thể xóa dòng đó).",
        "Giữ nguyên các dòng tiêu đề và hai dòng tên cột; có thể bỏ những cột không dùng.",
        "Chế độ thêm mới cần tên doanh nghiệp và mã số thuế. Chế độ cập nhật chỉ cần mã số thuế và các cột muốn sửa: "
        "cột không có trong tệp, hoặc ô để trống, giữ nguyên giá trị đã lưu.",
        "Lưu tệp dạng Excel (.xlsx) rồi tải lên ở trang Nhập danh sách.",
    ):
        notes.append([line])
    notes.append([])
    notes.append(["Cột", "Bắt buộc", "Cách ghi"])
    for cell in notes[notes.max_row]:
        cell.font = bold
    for key, group, header, _example, how in columns:
        title = f"{group} / {header}" if group else header
        notes.append([title, "Có" if key in ("name", "tax_code") else "", how])
        notes.cell(row=notes.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
