"""manage.py period_report --unit CODE --period CODE --format json|xlsx|docx [-o FILE]

The same report as the page (the submitted snapshot if the unit has submitted it, else the live figures as of the
period's end), written to a file or to standard output (JSON only: XLSX/DOCX need -o).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from org.models import Unit
from reports import documents
from reports.models import Period


class Command(BaseCommand):
    help = "Write a unit's period report as JSON, XLSX or DOCX."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="unit code, e.g. 01 (Hà Nội)")
        parser.add_argument("--period", required=True, help="period code, e.g. 2024-h1")
        parser.add_argument("--format", dest="fmt", choices=documents.FORMATS, default="json")
        parser.add_argument("-o", "--output", help="file to write (default: standard output, JSON only)")
        parser.add_argument("--language", default="vi", help="language of labels (default vi)")

    def handle(self, *args, unit, period, fmt, output=None, language="vi", **options):
        u = Unit.objects.filter(code=unit).first()
        if u is None:
            raise CommandError(f"Không có đơn vị mã {unit!r} (unknown unit code).")
        p = Period.objects.filter(code=period).first()
        if p is None:
            codes = ", ".join(Period.objects.values_list("code", flat=True))
            raise CommandError(f"Không có kỳ báo cáo mã {period!r} (unknown period; known: {codes}).")
        if fmt != "json" and not output:
            raise CommandError("XLSX và DOCX cần tham số -o FILE (XLSX and DOCX need -o FILE).")
        with translation.override(language):
            body, _name = documents.period_report_file(unit=u, period=p, fmt=fmt)
        if output:
            with open(output, "wb") as fh:
                fh.write(body)
            self.stderr.write(f"{output}: {len(body):,} bytes")
        else:
            sys.stdout.buffer.write(body)
            sys.stdout.buffer.write(b"\n")
