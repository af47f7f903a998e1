"""Reading an uploaded registry file into a table: header + rows of raw cell values.

CSV: UTF-8 (with or without BOM), UTF-16 (BOM, or without BOM when the NUL pattern shows it) and Windows-1258
("cp1258", which Vietnamese Excel still writes). Delimiter: comma, semicolon, tab or vertical bar, whichever the
header line uses most. XLSX: the first worksheet, read in streaming mode. Every text cell is NFC-normalised
(Windows-1258 writes tone marks as combining characters) and trimmed.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.text import fold

from .errors import ImportFileError, ImportTooLarge
from .fields import _PUNCT, HEADER_PART_SEPARATOR, as_text

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx"})
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1258")
DELIMITERS = (",", ";", "\t", "|")
# How many known columns a row of headers names (``fields.header_score``): finding the header below title rows.
HeaderScore = Callable[[list[str]], int]
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


@dataclass
class Table:
    file_format: str
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)
    # (row number as a spreadsheet shows it: the header row is 1, values)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    row_count: int = 0


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),  # Excel 97-2003 (.xls), Word 97-2003 (.doc)
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive"),
    (b"\x1f\x8b", "archive"),
    (b"{\\rtf", "document"),
    (b"MZ", "program"),
    (b"\x7fELF", "program"),
)


def _kind_label(kind: str):
    labels = {
        "pdf": _("a PDF document"),
        "ole": _("an old Excel 97–2003 (.xls) or Word file"),
        "image": _("an image"),
        "archive": _("a compressed archive (ZIP, RAR, 7z)"),
        "word": _("a Word document"),
        "powerpoint": _("a PowerPoint presentation"),
        "opendocument": _("an OpenDocument file (LibreOffice)"),
        "document": _("a text document (RTF)"),
        "program": _("a program"),
        "html": _("a web page (HTML)"),
        "excel_xml": _("an Excel 2003 XML spreadsheet"),
        "binary": _("binary data"),
    }
    return labels.get(kind, labels["binary"])


def not_a_table(filename: str, kind: str) -> ImportFileError:
    return ImportFileError(
        _(
            "“%(name)s” is %(kind)s, not a CSV or XLSX file. Open the list in Excel and save it as “Excel Workbook "
            "(.xlsx)” or “CSV UTF-8 (.csv)”, then upload that file."
        )
        % {"name": PurePath(filename or "").name, "kind": _kind_label(kind)},
        code="binary",
    )


def sniff_kind(data: bytes) -> str:
    """What the bytes are, whatever the file is called: "xlsx", "text", or the kind of a file that is not a table
    (a PDF, an old .xls renamed, a ZIP that is not a workbook, an image…). Unreadable ZIPs are "zip_damaged"."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return "zip_damaged"
        if "xl/workbook.xml" in names or any(n.endswith("/workbook.xml") and n.startswith("xl") for n in names):
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            return "word"
        if any(n.startswith("ppt/") for n in names):
            return "powerpoint"
        if "content.xml" in names and "mimetype" in names:
            return "opendocument"
        return "archive"
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        return "html"
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
        return "excel_xml"
    return "text"


def file_format_for(filename: str, data: bytes | None = None) -> str:
    """ "csv" or "xlsx": what the content is when it says so (an XLSX workbook under any name), else the extension.
    A file whose bytes are not a table is refused with what it seems to be ("a PDF document", "an old Excel
    97–2003 (.xls) file"), so the official knows what to do."""
    suffix = PurePath(filename or "").suffix.lower()
    kind = sniff_kind(data) if data else "text"
    if kind == "xlsx":
        return "xlsx"
    if kind == "zip_damaged":
        raise ImportFileError(_("This XLSX file cannot be read; open it in Excel and save it again."), code="xlsx")
    if kind != "text" and (suffix in CSV_EXTENSIONS or suffix in XLSX_EXTENSIONS or suffix in {".xls", ".pdf"}):
        raise not_a_table(filename, kind)
    if suffix in CSV_EXTENSIONS:
        return "csv"
    if suffix in XLSX_EXTENSIONS:
        return "xlsx"
    raise ImportFileError(
        _("“%(name)s” is not a file cellflow can import: upload a CSV (.csv) or Excel (.xlsx) file.")
        % {"name": PurePath(filename or "").name},
        code="wrong_extension",
    )


def detect_encoding(data: bytes) -> str:
    """The text encoding of a CSV file: BOMs first, then the UTF-16 NUL pattern, then UTF-8, else Windows-1258."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:4000]
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) / 2
        if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
            return "utf-16-le"
        if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
            return "utf-16-be"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1258"
    return "utf-8"


def clean_text(value: str) -> str:
    if value.isascii():
        return value.strip()
    value = value.translate(_INVISIBLE).replace("\xa0", " ")
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    return value.strip()


def _clean_cell(value: Any) -> Any:
    if value.__class__ is str:
        return clean_text(value)
    if value is None:
        return ""
    if isinstance(value, bool | int | float | datetime.date):
        return value
    return clean_text(str(value))


def _decode(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise ImportFileError(
            _(
                "The file cannot be read as %(encoding)s text. Save it from Excel as “CSV UTF-8” (or choose "
                "another encoding on the next page)."
            )
            % {"encoding": encoding},
            code="encoding",
        ) from None
    text = text.removeprefix("\ufeff")
    sample = text[:8000]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\x0c")
    if "\x00" in text or controls > max(2, len(sample) // 100):
        raise ImportFileError(
            _("The file contains binary data: it is not a CSV text file. Upload a CSV or XLSX file."),
            code="binary",
        )
    return text


def _sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _too_many_rows(max_rows: int) -> ImportTooLarge:
    return ImportTooLarge(
        _("The file has more than %(max)s rows. Split it into several files.")
        % {"max": number_format(max_rows, force_grouping=True)},
        code="too_many_rows",
    )


def _blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


HEADER_SCAN = 30
_NUMBERING = re.compile(r"^\(?([0-9]{1,3}|[A-Za-z])\)?$")
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}[0-9]+(?::[A-Za-z]{1,3}[0-9]+)?)"')
MAX_MERGES = 50_000


class Merges:
    """The merged cells of a worksheet, (min_row, min_col, max_row, max_col) 1-based, applied while streaming.

    A spreadsheet keeps a merged cell's value in its top-left cell only. In the header rows every cell of a merge
    gets the value (a group cell "Công đoàn" over "Ngày thành lập" and "Số đoàn viên"; "Mã số thuế" merged over the
    two header rows). In the data rows a merge down a column gives each row the value (a ward code merged over its
    enterprises); a merge across columns is a heading ("I. Phường Hoàn Kiếm"), not an enterprise: that row is skipped.
    """

    def __init__(self, ranges: list[tuple[int, int, int, int]]):
        self.starts: dict[int, list[tuple[int, int, int, int]]] = {}
        for merge in ranges:
            self.starts.setdefault(merge[0], []).append(merge)
        self.ranges = ranges
        self._active: list[tuple[tuple[int, int, int, int], Any]] = []

    def fill_down(self, number: int, record: list[Any]) -> list[Any]:
        """Give a row the values of the merges running down into it from the rows above."""
        if self._active:
            self._active = [(m, v) for m, v in self._active if m[2] >= number]
            for merge, value in self._active:
                index = merge[1] - 1
                if index >= len(record):
                    record.extend([None] * (index + 1 - len(record)))
                if _blank(record[index]):
                    record[index] = value
        for merge in self.starts.get(number, ()):
            if merge[2] > merge[0] and merge[1] - 1 < len(record):
                self._active.append((merge, record[merge[1] - 1]))
        return record

    def fill_across(self, rows: dict[int, list[Any]]) -> None:
        """Spread every merge over the header rows ``rows`` (row number: values), across and down."""
        for min_row, min_col, max_row, max_col in self.ranges:
            top = rows.get(min_row)
            if top is None or min_col - 1 >= len(top):
                continue
            value = top[min_col - 1]
            for number in range(min_row, max_row + 1):
                record = rows.get(number)
                if record is None:
                    continue
                if max_col > len(record):
                    record.extend([None] * (max_col - len(record)))
                for index in range(min_col - 1, max_col):
                    if _blank(record[index]):
                        record[index] = value

    def spans_below(self, number: int, below: list[Any]) -> bool:
        """Whether a merge starting on this row runs down into the next one, or groups columns with sub-columns in
        the row ``below`` (values in two of its columns or more): a two-row header. A header cell merged across
        columns only to be wide is not a group."""
        for _min_row, min_col, max_row, max_col in self.starts.get(number, ()):
            if max_row > number:
                return True
            if max_col > min_col:
                under = [v for v in below[min_col - 1 : max_col] if not _blank(v)]
                if len(under) >= 2:
                    return True
        return False

    def is_heading(self, number: int, record: list[Any]) -> bool:
        """A row that is one cell merged across columns, and nothing else: a heading between enterprises."""
        for _min_row, min_col, _max_row, max_col in self.starts.get(number, ()):
            if max_col > min_col and all(_blank(v) for i, v in enumerate(record) if not min_col - 1 <= i < max_col):
                return True
        return False


def xlsx_merges(sheet) -> Merges | None:
    """The merged ranges of a read-only worksheet. Read-only mode (streaming, for 200,000 rows) does not parse them,
    so the worksheet's XML is scanned for its ``<mergeCell ref="A1:H1"/>`` elements."""
    from openpyxl.utils.cell import range_boundaries

    path = getattr(sheet, "_worksheet_path", None)
    archive = getattr(getattr(sheet, "parent", None), "_archive", None)
    if not path or archive is None:
        return None
    refs: set[bytes] = set()
    tail = b""
    with archive.open(path) as source:
        while len(refs) < MAX_MERGES:
            chunk = source.read(1 << 22)
            if not chunk:
                break
            text = tail + chunk
            if b"mergeCell" in text:
                refs.update(_MERGE_REF.findall(text))
            tail = text[-256:]
    ranges = []
    for ref in refs:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref.decode())
        except (ValueError, TypeError):
            continue
        if min_col and min_row and max_col and max_row and (max_row > min_row or max_col > min_col):
            ranges.append((min_row, min_col, max_row, max_col))
    return Merges(sorted(ranges)) if ranges else None


def combine_header_rows(rows: list[list[Any]]) -> list[str]:
    """One header per column from one or two header rows: "Mã số thuế" (the same text, merged down), or
    "Công đoàn / Số đoàn viên" (a group and its sub-column)."""
    width = max(len(r) for r in rows)
    headers = []
    for index in range(width):
        parts: list[str] = []
        for record in rows:
            text = str(_clean_cell(record[index])) if index < len(record) else ""
            if text and text not in parts:
                parts.append(text)
        headers.append(HEADER_PART_SEPARATOR.join(parts))
    while headers and not headers[-1]:
        headers.pop()
    return headers


# The signature block under an official list: "Người lập biểu", "Thủ trưởng đơn vị", "Chủ tịch UBND phường",
# "(Ký, ghi rõ họ tên)", "Hoàn Kiếm, ngày 01 tháng 12 năm 2026".
_SIGNATURE = re.compile(
    r"^(nguoi lap( bieu)?|nguoi kiem tra|thu truong( don vi)?|chu tich\b.*|pho chu tich\b.*|truong phong\b.*|"
    r"ky ghi ro ho ten|ky ten|ky ten dong dau|ky ho ten|xac nhan\b.*|"
    r".*\bngay\b.*\bthang\b.*\bnam\b.*|tm ubnd\b.*|tm ban\b.*)$"
)


def _is_signature(record: list[Any]) -> bool:
    """A row of the signature block under the list (at most three cells, each a signature phrase)."""
    cells: list[str] = []
    for value in record:  # cheap: this runs on every row, and an enterprise's row has more than three cells
        if not _blank(value):
            if len(cells) == 3 or value.__class__ is not str:
                return False
            cells.append(value)
    if not cells:
        return False
    return all(_SIGNATURE.match(" ".join(_PUNCT.sub(" ", fold(v)).split())) for v in cells)


def _is_example(record: list[Any]) -> bool:
    """The template's example row: "Ví dụ" in its first cell (the STT column)."""
    first = record[0] if record else None
    if not isinstance(first, str) or not 2 <= len(first) <= 8:  # cheap: this runs on every row
        return False
    return " ".join(_PUNCT.sub(" ", fold(first)).split()) in ("vi du", "vd")


def _is_numbering(record: list[Any]) -> bool:
    """The row of column numbers official forms put under the header: (1) (2) (3) … or A B C …"""
    cells = [as_text(v) for v in record if not _blank(v)]
    return len(cells) >= 3 and all(_NUMBERING.match(c) for c in cells)


def find_header(
    head: list[tuple[int, list[Any]]], merges: Merges | None, header_score: Callable[[list[str]], int]
) -> tuple[int, int]:
    """(index in ``head`` of the header row, number of header rows: 1 or 2).

    The header is the first row naming at least two known fields (``fields.header_score``, the same names the
    mapping recognises, whatever the case and diacritics), so the national title rows above it ("CỘNG HÒA XÃ HỘI CHỦ
    NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", the list's title, blank rows) are skipped. It takes the row below
    as well when a merge groups columns or runs down from it, or when the two rows together name more fields. With no
    such row, the row naming the most fields, else the first non-empty row (the official maps the columns)."""
    best: tuple[int, int, int] | None = None
    for position, (number, _record) in enumerate(head):
        single = _header_rows(head, position, 1, merges)
        score = header_score(combine_header_rows(single))
        if score == 0:
            continue
        depth = 1
        if position + 1 < len(head):
            double = _header_rows(head, position, 2, merges)
            two = header_score(combine_header_rows(double))
            if two > score or (merges is not None and merges.spans_below(number, head[position + 1][1])):
                depth, score = 2, max(score, two)
        if score >= 2:
            return position, depth
        if best is None or score > best[2]:
            best = (position, depth, score)
    return (best[0], best[1]) if best else (0, 1)


def _header_rows(head: list[tuple[int, list[Any]]], position: int, depth: int, merges: Merges | None) -> list[list]:
    rows = {number: list(record) for number, record in head[position : position + depth]}
    if merges is not None:
        merges.fill_across(rows)
    return list(rows.values())


def _collect(
    records,
    max_rows: int | None,
    keep: int | None = None,
    merges: Merges | None = None,
    header_score: HeaderScore | None = None,
) -> tuple[list[str], list[tuple[int, list[Any]]], int]:
    """(headers, rows, number of rows). ``keep``: clean and return only the first rows (a preview), count the rest.

    With ``header_score`` (how many known columns a row of headers names), the official layout: the header is looked
    for below title rows, and the rows of column numbers, headings and signatures are skipped. Without it the first
    non-empty row is the header. Row numbers are the file's own (the spreadsheet's, title rows included)."""
    numbered: Iterator[tuple[int, Any]] = enumerate(records, start=1)
    if merges is not None:
        numbered = ((n, merges.fill_down(n, list(r))) for n, r in numbered)
    head: list[tuple[int, list[Any]]] = []
    for number, record in numbered:
        if all(_blank(v) for v in record):
            continue
        head.append((number, list(record)))
        if len(head) >= HEADER_SCAN:
            break
    if not head:
        raise ImportFileError(_("The file is empty."), code="empty")
    official = header_score is not None
    position, depth = find_header(head, merges, header_score) if header_score is not None else (0, 1)
    headers = combine_header_rows(_header_rows(head, position, depth, merges))
    below = head[position + depth :]
    if official and below and _is_numbering(below[0][1]):
        below = below[1:]
    rows: list[tuple[int, list[Any]]] = []
    count = 0
    for number, record in itertools.chain(below, numbered):
        if all(_blank(v) for v in record):
            continue
        if official and merges is not None and merges.is_heading(number, record):
            continue
        if official and (_is_signature(record) or _is_example(record)):
            continue
        count += 1
        if keep is None or count <= keep:
            rows.append((number, [_clean_cell(v) for v in record]))
        if max_rows is not None and count > max_rows:
            raise _too_many_rows(max_rows)
    if not rows:
        raise ImportFileError(
            _("The file has a header row but no enterprises below it."),
            code="no_rows",
        )
    return headers, rows, count


def read_csv(
    data: bytes,
    *,
    encoding: str = "",
    max_rows: int | None = None,
    keep: int | None = None,
    header_score: HeaderScore | None = None,
) -> Table:
    encoding = encoding or detect_encoding(data)
    text = _decode(data, encoding)
    if not text.strip():
        raise ImportFileError(_("The file is empty."), code="empty")
    delimiter = _sniff_delimiter(text)
    try:
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        headers, rows, count = _collect(records, max_rows, keep, header_score=header_score)
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}, code="malformed") from None
    return Table(file_format="csv", encoding=encoding, delimiter=delimiter, headers=headers, rows=rows, row_count=count)


def read_xlsx(
    data: bytes, *, max_rows: int | None = None, keep: int | None = None, header_score: HeaderScore | None = None
) -> Table:
    import openpyxl  # imported here: only XLSX uploads need it

    if not data.startswith(b"PK"):
        raise ImportFileError(
            _("This is not a valid XLSX file (it may be an old .xls: save it as .xlsx)."), code="xlsx"
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, Exception):  # openpyxl raises many kinds of error on damaged files
        raise ImportFileError(
            _("This XLSX file cannot be read; open it in Excel and save it again."), code="xlsx"
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(_("The file is empty."), code="empty")
        merges = xlsx_merges(sheet)
        headers, rows, count = _collect(sheet.iter_rows(values_only=True), max_rows, keep, merges, header_score)
    except (ImportFileError, ImportTooLarge):
        raise
    except Exception:
        raise ImportFileError(
            _("This XLSX file cannot be read; open it in Excel and save it again."), code="xlsx"
        ) from None
    finally:
        workbook.close()
    return Table(file_format="xlsx", headers=headers, rows=rows, row_count=count)


def read_table(
    *,
    data: bytes,
    filename: str,
    encoding: str = "",
    max_rows: int | None = None,
    keep: int | None = None,
    header_score: HeaderScore | None = None,
) -> Table:
    """The whole table, or with ``keep`` only its first rows (and ``row_count``): checking an upload needs no more.
    ``header_score``: find the header below title rows (the official layout, see ``_collect``)."""
    file_format = file_format_for(filename, data)
    if not data:
        raise ImportFileError(_("The file is empty."), code="empty")
    if file_format == "xlsx":
        return read_xlsx(data, max_rows=max_rows, keep=keep, header_score=header_score)
    return read_csv(data, encoding=encoding, max_rows=max_rows, keep=keep, header_score=header_score)
