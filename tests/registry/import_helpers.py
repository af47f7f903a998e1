"""Files the import tests generate, and a one-call import through the services."""

from __future__ import annotations

import csv
import io
import unicodedata

from registry.imports.services import import_job_create, import_job_set_mapping, import_job_start

HEADERS_VI = [
    "Tên doanh nghiệp",
    "Mã số thuế",
    "Loại hình",
    "Địa chỉ",
    "Mã đơn vị",
    "Số lao động",
    "Tình trạng hoạt động",
]
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Excel writes it: base letters precomposed, tone marks combining."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
            out += base.encode("cp1258") + "".join(c for c in decomposed if c in _TONES).encode("cp1258")
    return bytes(out)


def csv_bytes(rows: list[list], *, headers: list[str] | None = None, encoding: str = "utf-8", delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADERS_VI if headers is None else headers)
    writer.writerows(rows)
    text = out.getvalue()
    if encoding == "cp1258":
        return to_cp1258(text)
    return text.encode(encoding)


def xlsx_bytes(rows: list[list], *, headers: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS_VI if headers is None else headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(
    name="Công ty TNHH Hoàn Kiếm",
    tax="0101234567",
    kind="Công ty TNHH",
    address="1 Hàng Bạc",
    unit="W01",
    workers="50",
    status="Đang hoạt động",
):
    return [name, tax, kind, address, unit, workers, status]


def run_import(
    actor,
    data: bytes,
    *,
    filename="registry.csv",
    default_unit=None,
    mode="insert",
    dry_run=False,
    mapping=None,
    via_command=False,
):
    job = import_job_create(
        actor=actor,
        filename=filename,
        data=data,
        default_unit=default_unit,
        mode=mode,
        dry_run=dry_run,
        via_command=via_command,
    )
    job, problems = import_job_set_mapping(actor=actor, job_id=job.pk, mapping=mapping or job.mapping)
    assert not problems, problems
    return import_job_start(actor=actor, job_id=job.pk)


def official_xlsx(data_rows: list[list] | None = None, *, merged_unit: bool = True) -> bytes:
    """A registry list in the official layout: national title rows (merged across), the list's title, blank rows, a
    two-row header where merged group cells span their sub-columns (and single columns are merged down both rows),
    the row of column numbers, the enterprises (the unit code merged down over them) and a heading row between."""
    import datetime

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.merge_cells("A1:L1")
    sheet.append(["Độc lập - Tự do - Hạnh phúc"])
    sheet.merge_cells("A2:L2")
    sheet.append([])
    sheet.append(["DANH SÁCH DOANH NGHIỆP TRÊN ĐỊA BÀN PHƯỜNG (Kèm theo Công văn số 12/UBND)"])
    sheet.merge_cells("A4:L4")
    sheet.append([])
    sheet.append(
        [
            "STT",
            "Tên doanh nghiệp",
            "MÃ SỐ THUẾ",
            "Loại hình",
            "Địa chỉ trụ sở",
            "Mã đơn vị",
            "Người liên hệ",
            "Số điện thoại",
            "Công đoàn cơ sở",
            None,
            "Đoàn Thanh niên",
            None,
        ]
    )
    sheet.append([None] * 8 + ["Ngày thành lập", "Số đoàn viên", "Ngày thành lập", "Số đoàn viên"])
    for column in "ABCDEFGH":
        sheet.merge_cells(f"{column}6:{column}7")
    sheet.merge_cells("I6:J6")
    sheet.merge_cells("K6:L6")
    sheet.append([f"({i})" for i in range(1, 13)])  # row 8
    rows = data_rows or [
        [1, "Công ty TNHH Hoàn Kiếm", 101234567, "TNHH", "1 Hàng Bạc", "W01", "Nguyễn Văn A", 912345678]
        + [datetime.datetime(2020, 1, 2), 10, datetime.datetime(2021, 3, 4), 5],
        [2, "Công ty cổ phần Ba Đình", "0101234568", "CTCP", "2 Hàng Bạc", None, "Trần Thị B", "0912345679"]
        + [None, None, None, None],
    ]
    sheet.append(rows[0])  # row 9
    sheet.append(["I. Tổ dân phố số 2"])  # row 10: a heading merged across
    sheet.merge_cells("A10:L10")
    for values in rows[1:]:
        sheet.append(values)  # rows 11…
    if merged_unit and len(rows) > 1:
        sheet.merge_cells(f"F9:F{10 + len(rows) - 1}")
    sheet.append([])
    sheet.append([None, "Người lập biểu", None, None, None, None, None, None, "Chủ tịch UBND phường"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
