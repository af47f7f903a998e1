"""Reads for registry imports. An official sees their own imports (superusers: all)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from org.models import Official
from registry.models import ImportJob, ImportRowChange, ImportRowError

LIST_FIELDS = (
    "pk",
    "filename",
    "file_format",
    "file_size",
    "mode",
    "dry_run",
    "status",
    "phase",
    "progress",
    "rows_total",
    "rows_rejected",
    "created_count",
    "updated_count",
    "closed_count",
    "error_count",
    "created_at",
    "finished_at",
    "created_by",
    "default_unit__name",
)


def import_job_list_for_official(*, official: Official) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.all() if official.is_superuser else ImportJob.objects.filter(created_by=official)
    return jobs.select_related("default_unit").only(*LIST_FIELDS).order_by("-created_at", "-pk")


def import_job_get_for_official(*, official: Official, job_id: int) -> ImportJob:
    jobs = ImportJob.objects.select_related("default_unit", "created_by").defer("source")
    if not official.is_superuser:
        jobs = jobs.filter(created_by=official)
    try:
        return jobs.get(pk=job_id)
    except ImportJob.DoesNotExist:
        raise Http404 from None


def import_job_errors(*, job: ImportJob, limit: int = 200) -> list[ImportRowError]:
    return list(job.errors.order_by("row", "pk")[:limit])


def import_job_changes(*, job: ImportJob, limit: int = 500) -> list[ImportRowChange]:
    return list(job.changes.order_by("row", "pk")[:limit])
