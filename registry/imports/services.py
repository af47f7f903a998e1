"""Writes for registry imports: create a job from an upload, set its column mapping, run it, reopen cases.

Keyword-only, typed, named ``import_job_<verb>``. The import engine (``engine.Importer``) does the row work; this
module keeps the job row (status, progress, counts, report) in step and never lets an unexpected error escape
as a stack trace: the job ends "failed" with a message and nothing written.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core import audit
from core.errors import Forbidden, NotFound, ServiceError
from org.models import Official, Unit
from org.policy import official_may
from org.selectors import unit_is_within
from registry.closures import closure_handler
from registry.models import ImportJob, ImportRowChange, ImportRowError

from .engine import Importer, Outcome
from .errors import ImportFileError, ImportRateLimited, ImportTooLarge
from .fields import FIELDS, guess_mapping, header_score, required_fields
from .reading import ENCODINGS, file_format_for, read_table

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 100_000
PREVIEW_ROWS = 5
# A running job whose progress has not moved for this long was interrupted (worker lost): it may run again.
STALE_AFTER = datetime.timedelta(minutes=15)
# The window of CELLFLOW_IMPORT_RATE_PER_HOUR.
RATE_WINDOW = datetime.timedelta(hours=1)


def _check_may_import(actor: Official) -> None:
    if not official_may(actor, "open"):
        raise Forbidden(_("Your role does not allow importing enterprises."), code="role")


def _lock_job(*, actor: Official | None, job_id: int) -> ImportJob:
    jobs = ImportJob.objects.select_for_update(of=("self",)).select_related("default_unit", "created_by__unit")
    if actor is not None and not actor.is_superuser:
        jobs = jobs.filter(created_by=actor)
    try:
        return jobs.get(pk=job_id)
    except ImportJob.DoesNotExist:
        raise NotFound(_("Import not found."), code="not_found") from None


def import_check_upload_size(*, size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportTooLarge(
            _("The file is %(size)s MB; at most %(max)s MB can be imported at once. Split it into several files.")
            % {
                # In the official's language: "30,2 MB" in Vietnamese.
                "size": number_format(size / 1_048_576, decimal_pos=1, force_grouping=True),
                "max": number_format(limit // 1_048_576, force_grouping=True),
            },
            code="too_large",
        )


def import_check_rate(*, actor: Official) -> None:
    """An official uploads at most ``CELLFLOW_IMPORT_RATE_PER_HOUR`` files in any hour on the pages (dry runs
    included; the command line is exempt; 0 lifts the limit). Every upload tells the importer which tax codes exist,
    so the limit bounds how fast anyone can probe the registry."""
    limit = settings.CELLFLOW_IMPORT_RATE_PER_HOUR
    if limit <= 0:
        return
    recent = ImportJob.objects.filter(
        created_by=actor, via_command=False, created_at__gte=timezone.now() - RATE_WINDOW
    ).order_by("created_at")
    times = list(recent.values_list("created_at", flat=True)[: limit + 1])
    if len(times) < limit:
        return
    # The next upload is allowed when enough of those in the window have aged out of it.
    allowed_at = times[len(times) - limit] + RATE_WINDOW
    raise ImportRateLimited(
        _(
            "You have uploaded %(count)s files in the last hour; at most %(max)s an hour are allowed. "
            "Try again after %(time)s."
        )
        % {
            "count": number_format(len(times), force_grouping=True),
            "max": number_format(limit, force_grouping=True),
            "time": timezone.localtime(allowed_at).strftime("%H:%M"),
        },
        code="rate_limited",
    )


def import_job_create(
    *,
    actor: Official,
    filename: str,
    data: bytes,
    default_unit: Unit | None,
    mode: str = ImportJob.Mode.INSERT,
    dry_run: bool = False,
    encoding: str = "",
    via_command: bool = False,
) -> ImportJob:
    """Check the upload (type, size, readable, rows, the official's hourly limit) and keep it with a guessed column
    mapping."""
    _check_may_import(actor)
    if not via_command:
        import_check_rate(actor=actor)
    if mode not in ImportJob.Mode.values:
        raise ImportFileError(_("Unknown import mode."), code="invalid")
    if encoding and encoding not in ENCODINGS:
        raise ImportFileError(_("Unknown encoding."), code="invalid")
    if default_unit is not None and not unit_is_within(official=actor, unit=default_unit):
        raise ImportFileError(_("The default unit is outside your jurisdiction."), code="unit_outside")
    file_format = file_format_for(filename, data)
    if not via_command:
        import_check_upload_size(size=len(data))
    max_rows = None if via_command else settings.IMPORT_MAX_ROWS
    table = read_table(
        data=data,
        filename=filename,
        encoding=encoding,
        max_rows=max_rows,
        keep=PREVIEW_ROWS,
        header_score=header_score,
    )
    with transaction.atomic():
        if not via_command:
            # Two uploads of one official at the same moment count one after the other (PostgreSQL row lock).
            list(Official.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
            import_check_rate(actor=actor)
        return ImportJob.objects.create(
            created_by=actor,
            default_unit=default_unit,
            filename=filename[-255:],
            file_format=file_format,
            file_size=len(data),
            source=data,
            encoding=table.encoding,
            delimiter=table.delimiter,
            headers=table.headers,
            mapping=guess_mapping(table.headers),
            mode=mode,
            dry_run=dry_run,
            via_command=via_command,
            rows_total=table.row_count,
            report={"preview": [_preview(values) for _number, values in table.rows]},
        )


def _preview(values: list[Any]) -> list[str]:
    from .fields import as_text

    return [as_text(v)[:80] for v in values]


def import_mapping_problems(
    *, mapping: dict[str, str], headers: list[str], has_default_unit: bool, mode: str = ImportJob.Mode.INSERT
) -> list[str]:
    """What is wrong with a column mapping ({column index: field}), as messages for the official. Update mode needs
    the tax code only (a partial file changes the columns it has)."""
    problems = []
    used: dict[str, int] = {}
    for index, key in mapping.items():
        if not key:
            continue
        if key not in FIELDS or not str(index).isdigit() or int(index) >= len(headers):
            problems.append(_("The mapping names an unknown column or field."))
            continue
        used[key] = used.get(key, 0) + 1
    for key, count in used.items():
        if count > 1:
            problems.append(_("“%(field)s” is chosen for more than one column.") % {"field": FIELDS[key].label})
    for key in required_fields(mode):
        if key not in used:
            problems.append(_("Choose the column that holds “%(field)s”.") % {"field": FIELDS[key].label})
    if "unit" not in used and not has_default_unit and mode != ImportJob.Mode.UPDATE:
        problems.append(_("Choose the column with the unit code, or a default unit on the upload form."))
    return problems


def import_job_set_mapping(
    *, actor: Official, job_id: int, mapping: dict[str, str], encoding: str = ""
) -> tuple[ImportJob, list[str]]:
    """Save the official's mapping (and encoding). Returns the job and the problems left (empty: ready)."""
    with transaction.atomic():
        job = _lock_job(actor=actor, job_id=job_id)
        if job.status != ImportJob.Status.UPLOADED:
            raise ServiceError(_("This import has already started."), code="started")
        if encoding and encoding != job.encoding and job.file_format == "csv":
            if encoding not in ENCODINGS:
                raise ImportFileError(_("Unknown encoding."), code="invalid")
            table = read_table(
                data=bytes(job.source),
                filename=job.filename,
                encoding=encoding,
                max_rows=None if job.via_command else settings.IMPORT_MAX_ROWS,
                keep=PREVIEW_ROWS,
                header_score=header_score,
            )
            headers_changed = table.headers != job.headers
            job.encoding, job.delimiter, job.headers = table.encoding, table.delimiter, table.headers
            job.rows_total = table.row_count
            job.report = {"preview": [_preview(values) for _number, values in table.rows]}
            job.mapping = guess_mapping(table.headers) if headers_changed else mapping
            job.save()
            return job, [_("The encoding was changed: check the columns again.")]
        clean = {str(k): v for k, v in mapping.items() if v}
        job.mapping = clean
        job.save(update_fields=["mapping"])
        problems = import_mapping_problems(
            mapping=clean, headers=job.headers, has_default_unit=job.default_unit_id is not None, mode=job.mode
        )
        return job, problems


def import_job_start(*, actor: Official, job_id: int) -> ImportJob:
    """Run a small import now; queue a large one for the Celery worker (after this transaction commits)."""
    with transaction.atomic():
        job = _lock_job(actor=actor, job_id=job_id)
        if job.status != ImportJob.Status.UPLOADED:
            return job
        problems = import_mapping_problems(
            mapping=job.mapping, headers=job.headers, has_default_unit=job.default_unit_id is not None, mode=job.mode
        )
        if problems:
            raise ImportFileError(problems[0], code="mapping")
        job.status = ImportJob.Status.QUEUED
        job.phase = "queued"
        job.save(update_fields=["status", "phase"])
        if job.rows_total > settings.IMPORT_SYNC_MAX_ROWS:
            transaction.on_commit(lambda: _enqueue(job.pk))
            return job
    return import_job_run(job_id=job.pk)


def _enqueue(job_id: int) -> None:
    from registry.tasks import import_job_run_task

    try:
        import_job_run_task.delay(job_id)
    except Exception:
        logger.exception("could not queue import job %s", job_id)
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=_("The import could not be queued (the task service is unavailable); nothing was written."),
        )


def _claim(job_id: int) -> ImportJob | None:
    """Mark the job running, unless it finished already or another worker is on it (idempotent delivery)."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("default_unit", "created_by__unit")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.is_finished or job.status == ImportJob.Status.UPLOADED:
            return None
        now = timezone.now()
        if job.status == ImportJob.Status.RUNNING and job.heartbeat_at and now - job.heartbeat_at < STALE_AFTER:
            return None
        job.status = ImportJob.Status.RUNNING
        job.phase = "reading"
        job.progress = 0
        job.started_at = job.heartbeat_at = now
        job.save(update_fields=["status", "phase", "progress", "started_at", "heartbeat_at"])
        return job


# Share of the progress bar per phase: reading 0–10 %, checking 10–60 %, writing 60–100 %.
_PHASES = {"reading": (0, 10), "checking": (10, 60), "writing": (60, 99)}


class _Progress:
    """Moves the job's progress bar. While the import writes, its one transaction is open and an update of the job
    row through that connection would show only at the commit; on PostgreSQL the writing phase's updates go through a
    connection of their own (autocommit), so the page polling the job sees the rows written move (rows done / total).
    SQLite takes one writer at a time: there the bar moves through the checking phase and jumps at the commit."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._side: Any = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        start, end = _PHASES.get(phase, (0, 99))
        percent = start + int((end - start) * done / total) if total else start
        now = timezone.now()
        if phase != "writing" or not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(
                phase=phase, progress=percent, rows_done=done, heartbeat_at=now
            )
            return
        if connection.vendor != "postgresql":
            return
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        table = ImportJob._meta.db_table
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET phase = %s, progress = %s, rows_done = %s, heartbeat_at = %s WHERE id = %s",
                [phase, percent, done, now, self.job_id],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _progress_updater(job_id: int) -> _Progress:
    return _Progress(job_id)


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued import (web request, Celery task or command). Safe to call twice."""
    job = _claim(job_id)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    progress = _progress_updater(job.pk)
    reason = f"import #{job.pk} {job.filename}"[:200]
    with audit.context(service="registry.import", reason=reason, **audit.actor_metadata(job.created_by)):
        return _run(job, progress)


def _run(job: ImportJob, progress) -> ImportJob:
    try:
        progress("reading", 0, 1)
        table = read_table(
            data=bytes(job.source), filename=job.filename, encoding=job.encoding, header_score=header_score
        )
        outcome = Importer(
            actor=job.created_by,
            table=table,
            mapping=job.mapping,
            default_unit=job.default_unit,
            mode=job.mode,
            dry_run=job.dry_run,
            job_id=job.pk,
            progress=progress,
        ).run()
    except (ImportFileError, ServiceError) as exc:
        progress.close()
        return _finish(job, status=ImportJob.Status.FAILED, message=str(exc.message))
    except Exception:
        progress.close()
        logger.exception("import job %s failed", job.pk)
        return _finish(
            job,
            status=ImportJob.Status.FAILED,
            message=_("The import failed unexpectedly; nothing was written. Try again, or contact the administrator."),
        )
    progress.close()
    return _finish_with(job, outcome)


def _finish(job: ImportJob, *, status: str, message: str) -> ImportJob:
    job.status, job.message = status, message
    job.phase, job.finished_at, job.source = "", timezone.now(), b""
    job.save(update_fields=["status", "message", "phase", "finished_at", "source"])
    return job


def _finish_with(job: ImportJob, outcome: Outcome) -> ImportJob:
    issues = outcome.issues[:MAX_STORED_ERRORS]
    rendered: dict[str, list[str]] = {}
    for language in ("vi", "en"):
        rendered[language] = [issue.render(language) for issue in issues]
    with transaction.atomic():
        job.errors.all().delete()
        job.changes.all().delete()
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(
                    job=job,
                    row=issue.row,
                    tax_code=issue.tax_code[:32],
                    name=issue.name[:255],
                    column=issue.column[:255],
                    value=issue.value,
                    code=issue.code,
                    message=vi,
                    message_en=en,
                )
                for issue, vi, en in zip(issues, rendered["vi"], rendered["en"], strict=True)
            ],
            batch_size=2_000,
        )
        ImportRowChange.objects.bulk_create(
            [
                ImportRowChange(
                    job=job,
                    row=c.row,
                    action=c.action,
                    enterprise_id=c.enterprise_id,
                    case_id=c.case_id,
                    tax_code=c.tax_code,
                    name=c.name[:255],
                    fields=c.fields,
                )
                for c in outcome.changes
            ],
            batch_size=2_000,
        )
        rejected = job.mode == ImportJob.Mode.STRICT and not outcome.ok
        job.status = ImportJob.Status.REJECTED if rejected else ImportJob.Status.DONE
        job.rows_rejected = outcome.rows_rejected
        job.created_count = outcome.created
        job.updated_count = outcome.updated
        job.unchanged_count = outcome.unchanged
        job.closed_count = outcome.closed
        job.reopen_count = outcome.reopen_offered
        job.error_count = len(outcome.issues)
        job.progress, job.phase, job.rows_done = 100, "", outcome.rows_total
        job.finished_at, job.source = timezone.now(), b""
        job.message = ""
        job.save()
    return job


def import_job_reopen_cases(*, actor: Official, job_id: int) -> tuple[int, list[str]]:
    """Reopen the cases an import offered (enterprises active again after being dissolved, suspended or gone)."""
    _check_may_import(actor)
    with transaction.atomic():
        job = _lock_job(actor=actor, job_id=job_id)
        if job.dry_run:
            raise ServiceError(_("A dry run changed nothing: there is nothing to reopen."), code="dry_run")
        offers = list(job.changes.filter(action=ImportRowChange.Action.REOPEN_OFFERED, case_id__isnull=False))
    reopened, problems = 0, []
    with translation.override("vi"):
        note = _("Registry import #%(job)s: the enterprise is active again.") % {"job": job.pk}
    for offer in offers:
        assert offer.case_id is not None  # filtered on case_id__isnull=False
        try:
            closure_handler().reopen(actor=actor, case_id=offer.case_id, note=note)
        except ServiceError as exc:
            problems.append(f"{offer.tax_code} {offer.name}: {exc.message}")
            continue
        offer.action = ImportRowChange.Action.CASE_REOPENED
        offer.save(update_fields=["action"])
        reopened += 1
    ImportJob.objects.filter(pk=job.pk).update(reopen_count=len(offers) - reopened)
    return reopened, problems
