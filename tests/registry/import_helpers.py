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
