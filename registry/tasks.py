"""Celery tasks of the registry. Thin: take ids, call a service."""

from __future__ import annotations

from celery import shared_task

IMPORT_TIME_LIMIT = 3_600


@shared_task(
    name="registry.import_job_run",
    acks_late=True,  # idempotent: import_job_run claims the job row and does nothing for a finished or live job
    time_limit=IMPORT_TIME_LIMIT,
    soft_time_limit=IMPORT_TIME_LIMIT - 60,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
)
def import_job_run_task(job_id: int) -> None:
    from registry.imports.services import import_job_run

    import_job_run(job_id=job_id)
