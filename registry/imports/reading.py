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
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _

from .errors import ImportFileError, ImportTooLarge

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx"})
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1258")
DELIMITERS = (",", ";", "\t", "|")
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


def file_format_for(filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower()
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
    if "\x00" in text:
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
        _("The file has more than %(max)s rows. Split it into several files.") % {"max": f"{max_rows:,}"},
        code="too_many_rows",
    )


def _blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def _collect(
    records, max_rows: int | None, keep: int | None = None
) -> tuple[list[str], list[tuple[int, list[Any]]], int]:
    """(headers, rows, number of rows). ``keep``: clean and return only the first rows (a preview), count the rest."""
    headers: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    count = 0
    for number, record in enumerate(records, start=1):
        if all(_blank(v) for v in record):
            continue
        if headers is None:
            headers = [str(_clean_cell(v)) for v in record]
            while headers and not headers[-1]:
                headers.pop()
            continue
        count += 1
        if keep is None or count <= keep:
            rows.append((number, [_clean_cell(v) for v in record]))
        if max_rows is not None and count > max_rows:
            raise _too_many_rows(max_rows)
    if headers is None:
        raise ImportFileError(_("The file is empty."), code="empty")
    if not rows:
        raise ImportFileError(
            _("The file has a header row but no enterprises below it."),
            code="no_rows",
        )
    return headers, rows, count


def read_csv(data: bytes, *, encoding: str = "", max_rows: int | None = None, keep: int | None = None) -> Table:
    encoding = encoding or detect_encoding(data)
    text = _decode(data, encoding)
    if not text.strip():
        raise ImportFileError(_("The file is empty."), code="empty")
    delimiter = _sniff_delimiter(text)
    try:
        headers, rows, count = _collect(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), max_rows, keep)
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}, code="malformed") from None
    return Table(file_format="csv", encoding=encoding, delimiter=delimiter, headers=headers, rows=rows, row_count=count)


def read_xlsx(data: bytes, *, max_rows: int | None = None, keep: int | None = None) -> Table:
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
        headers, rows, count = _collect(sheet.iter_rows(values_only=True), max_rows, keep)
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
    *, data: bytes, filename: str, encoding: str = "", max_rows: int | None = None, keep: int | None = None
) -> Table:
    """The whole table, or with ``keep`` only its first rows (and ``row_count``): checking an upload needs no more."""
    file_format = file_format_for(filename)
    if not data:
        raise ImportFileError(_("The file is empty."), code="empty")
    if file_format == "xlsx":
        return read_xlsx(data, max_rows=max_rows, keep=keep)
    return read_csv(data, encoding=encoding, max_rows=max_rows, keep=keep)
