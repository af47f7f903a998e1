"""manage.py import_enterprises FILE --unit CODE [--dry-run] [--mode insert|strict|update]

The same import as the web page (same checks, same report, one transaction), run in this process. Exit status:
0 every row imported; 1 some rows were rejected (or, in strict mode, the whole file); 2 the file could not be
imported at all (unreadable, empty, wrong type, unknown unit or user).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.formats import number_format

from core.errors import ServiceError
from org.models import Official, Unit
from registry.imports.fields import FIELDS
from registry.imports.reading import ENCODINGS
from registry.imports.report import import_error_report_xlsx
from registry.imports.services import import_job_reopen_cases, import_job_run, import_job_set_mapping, import_job_start
from registry.models import ImportJob

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Import enterprises from a registry file (CSV or XLSX). See docs/import.md."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (.csv, .txt, .tsv) or Excel (.xlsx) file")
        parser.add_argument("--unit", help="code of the unit for rows without a unit column (e.g. 00070)")
        parser.add_argument(
            "--mode",
            choices=ImportJob.Mode.values,
            default=ImportJob.Mode.INSERT,
            help="insert: add new, skip bad rows (default); strict: all or nothing; update: add new and update "
            "existing tax codes",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
        parser.add_argument(
            "--user",
            help="username the import (and any case closure) is recorded under; default: the first active superuser",
        )
        parser.add_argument("--encoding", choices=ENCODINGS, help="CSV encoding (default: detected)")
        parser.add_argument("--report", help="write the error/change report to this .xlsx file")
        parser.add_argument(
            "--reopen-resumed",
            action="store_true",
            help="reopen the cases of enterprises that are active again (default: only list them)",
        )

    def handle(self, *args, **options):
        translation.activate("vi")
        actor = self._actor(options["user"])
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"unknown unit code {options['unit']!r}", returncode=2)
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}", returncode=2)
        from registry.imports.services import import_job_create

        try:
            job = import_job_create(
                actor=actor,
                filename=path.name,
                data=path.read_bytes(),
                default_unit=unit,
                mode=options["mode"],
                dry_run=options["dry_run"],
                encoding=options["encoding"] or "",
                via_command=True,
            )
            job, problems = import_job_set_mapping(actor=actor, job_id=job.pk, mapping=job.mapping)
            if problems:
                headers = ", ".join(job.headers)
                raise CommandError(
                    "; ".join(problems) + f"\ncolumns found: {headers}\nknown fields: {', '.join(FIELDS)}",
                    returncode=2,
                )
            job = import_job_start(actor=actor, job_id=job.pk)
            if job.status == ImportJob.Status.QUEUED:  # large files are queued on the web; here we run them now
                job = import_job_run(job_id=job.pk)
        except ServiceError as exc:
            raise CommandError(str(exc.message), returncode=2) from None

        self._print(job)
        if options["reopen_resumed"] and job.reopen_count and not job.dry_run:
            reopened, problems = import_job_reopen_cases(actor=actor, job_id=job.pk)
            self.stdout.write(f"cases reopened: {reopened}")
            for problem in problems:
                self.stderr.write(problem)
        if options["report"]:
            Path(options["report"]).write_bytes(import_error_report_xlsx(job=job))
            self.stdout.write(f"report: {options['report']}")
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.message, returncode=2)
        if job.rows_rejected or job.status == ImportJob.Status.REJECTED:
            raise CommandError(f"{number_format(job.rows_rejected, force_grouping=True)} row(s) rejected", returncode=1)

    def _actor(self, username: str | None) -> Official:
        if username:
            actor = Official.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {username!r}", returncode=2)
            return actor
        actor = Official.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError("no superuser exists: pass --user USERNAME", returncode=2)
        return actor

    def _print(self, job: ImportJob) -> None:
        write = self.stdout.write

        def n(value: int) -> str:
            return number_format(value, force_grouping=True)  # the active language's format: 200.000 in Vietnamese

        write(
            f"import #{job.pk}: {job.filename} ({n(job.rows_total)} rows, mode {job.mode}"
            f"{', dry run' if job.dry_run else ''}) — {job.get_status_display()}"
        )
        verb = "would be " if job.dry_run else ""
        write(
            f"added {verb}: {n(job.created_count)}; updated {verb}: {n(job.updated_count)}; unchanged: "
            f"{n(job.unchanged_count)}; cases closed {verb}: {n(job.closed_count)}; may be reopened: "
            f"{n(job.reopen_count)}; rows rejected: {n(job.rows_rejected)}"
        )
        for change in job.changes.order_by("row", "pk")[:SHOWN_ERRORS]:
            details = ", ".join(f"{k}: {v[0]} -> {v[1]}" for k, v in change.fields.items() if isinstance(v, list))
            write(f"  row {change.row}: {change.action} {change.tax_code} {details or change.fields.get('reason', '')}")
        for error in job.errors.order_by("row", "pk")[:SHOWN_ERRORS]:
            self.stderr.write(f"  row {error.row} [{error.column}] {error.value!r}: {error.message}")
        if job.error_count > SHOWN_ERRORS:
            more = number_format(job.error_count - SHOWN_ERRORS, force_grouping=True)
            self.stderr.write(f"  … and {more} more (use --report FILE.xlsx)")
