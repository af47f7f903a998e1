"""Import pages: my imports, upload, column mapping, progress and result, error report, reopening cases.

Views parse input, call a selector or a service, and render. Every refusal is a page with a message and a 4xx
status (400 bad file or mapping, 403 role, 404 not mine, 413 too large, 429 too many uploads in the last hour),
never a stack trace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from core.errors import ServiceError
from org.http import AuthenticatedHttpRequest
from org.policy import official_may
from org.selectors import unit_list_for_official
from registry.closures import closure_handler
from registry.models import ImportJob, ImportRowChange

from . import selectors, services
from .errors import ImportRateLimited, ImportTooLarge
from .fields import FIELDS
from .forms import ImportMappingForm, ImportUploadForm
from .report import import_error_report_xlsx, import_report_filename
from .template import import_template_xlsx

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.utils.datastructures import MultiValueDict
    from django.utils.functional import Promise
    from django_stubs_ext import WithAnnotations

    class _ChangeDisplay(TypedDict):
        """What the result page sets on each change: the changed fields (label, old, new) or the reason's label."""

        details: list[tuple[str | Promise, Any, Any]]
        reason_label: str | Promise

    ShownChange = WithAnnotations[ImportRowChange, _ChangeDisplay]

PAGE_SIZE = 25
# Room for the form fields and multipart boundaries around the file itself.
MULTIPART_SLACK = 64 * 1024


def _forbidden(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "registry/import_forbidden.html",
        {"message": _("Your role does not allow importing enterprises.")},
        status=403,
    )


@login_required
def import_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    jobs = selectors.import_job_list_for_official(official=request.user)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "registry/import_list.html", {"page": page, "may_import": official_may(request.user, "open")}
    )


def _upload_form(
    request: AuthenticatedHttpRequest,
    data: QueryDict | None = None,
    files: MultiValueDict[str, UploadedFile] | None = None,
) -> ImportUploadForm:
    units = unit_list_for_official(official=request.user).order_by("path")
    form = ImportUploadForm(data, files, units=units)
    if data is None and request.user.unit_id:
        form.fields["default_unit"].initial = request.user.unit_id
    return form


def _render_upload(
    request: AuthenticatedHttpRequest, form: ImportUploadForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "max_mb": settings.IMPORT_MAX_UPLOAD_BYTES // 1_048_576,
        "max_rows": settings.IMPORT_MAX_ROWS,
        "fields": FIELDS.values(),
    }
    return render(request, "registry/import_upload.html", context, status=status)


@csrf_exempt
@login_required
def import_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Checks the official's hourly limit and the declared size before the body is read (a 50 MB upload is refused
    without storing it)."""
    if not official_may(request.user, "open"):
        return _forbidden(request)
    if request.method == "POST":
        try:
            services.import_check_rate(actor=request.user)
        except ImportRateLimited as exc:
            return _render_upload(request, _upload_form(request), error=str(exc.message), status=exc.status)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.IMPORT_MAX_UPLOAD_BYTES + MULTIPART_SLACK:
            try:
                services.import_check_upload_size(size=declared)
            except ImportTooLarge as exc:
                return _render_upload(request, _upload_form(request), error=str(exc.message), status=exc.status)
    return _import_new(request)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _import_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_upload(request, _upload_form(request))
    form = _upload_form(request, request.POST, request.FILES)
    if not form.is_valid():
        return _render_upload(request, form, error=_("Please correct the errors below."), status=400)
    upload = form.cleaned_data["file"]
    try:
        services.import_check_upload_size(size=upload.size)
        job = services.import_job_create(
            actor=request.user,
            filename=upload.name,
            data=upload.read(),
            default_unit=form.cleaned_data["default_unit"],
            mode=form.cleaned_data["mode"],
            dry_run=form.cleaned_data["dry_run"],
        )
    except ServiceError as exc:
        return _render_upload(request, form, error=str(exc.message), status=exc.status)
    return redirect("registry:import_mapping", pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get_for_official(official=request.user, job_id=pk)
    if job.status != ImportJob.Status.UPLOADED:
        return redirect("registry:import_detail", pk=pk)
    if not official_may(request.user, "open"):
        return _forbidden(request)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        form = _mapping_form(job, request.POST)
        if form.is_valid():
            try:
                job, problems = services.import_job_set_mapping(
                    actor=request.user,
                    job_id=job.pk,
                    mapping=form.mapping(),
                    encoding=form.cleaned_data.get("encoding") or "",
                )
                if not problems:
                    job = services.import_job_start(actor=request.user, job_id=job.pk)
                    return redirect("registry:import_detail", pk=job.pk)
            except ServiceError as exc:
                problems, status = [str(exc.message)], exc.status
            else:
                status = 400
            form = _mapping_form(job)
        else:
            problems, status = [_("Please correct the errors below.")], 400
    else:
        form = _mapping_form(job)
    preview = job.report.get("preview", [])
    columns = [
        (field, [row[i] for row in preview if i < len(row) and row[i]]) for i, field in enumerate(form.column_fields())
    ]
    return render(
        request,
        "registry/import_mapping.html",
        {"job": job, "form": form, "problems": problems, "columns": columns},
        status=status,
    )


def _mapping_form(job: ImportJob, data: QueryDict | None = None) -> ImportMappingForm:
    return ImportMappingForm(
        data,
        headers=job.headers,
        mapping=job.mapping,
        show_encoding=job.file_format == "csv",
        encoding=job.encoding,
    )


@login_required
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get_for_official(official=request.user, job_id=pk)
    if request.htmx:
        if not job.is_active:
            return HttpResponseClientRefresh()
        return render(request, "registry/import_progress.html", {"job": job})
    if job.status == ImportJob.Status.UPLOADED:
        return redirect("registry:import_mapping", pk=pk)
    # The page's attributes are set on these very instances below.
    changes = cast("list[ShownChange]", selectors.import_job_changes(job=job) if job.is_finished else [])
    reasons = closure_handler().reason_labels()
    for change in changes:
        change.details = [
            (FIELDS[key].label if key in FIELDS else key, pair[0], pair[1])
            for key, pair in change.fields.items()
            if isinstance(pair, list) and len(pair) == 2
        ]
        change.reason_label = reasons.get(change.fields.get("reason", ""), "")
    context = {
        "job": job,
        "errors": selectors.import_job_errors(job=job) if job.is_finished else [],
        "changes": changes,
        "may_reopen": (
            job.status == ImportJob.Status.DONE
            and not job.dry_run
            and job.reopen_count > 0
            and official_may(request.user, "reopen")
        ),
        "reopen_offers": [c for c in changes if c.action == ImportRowChange.Action.REOPEN_OFFERED],
    }
    return render(request, "registry/import_detail.html", context)


@login_required
def import_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get_for_official(official=request.user, job_id=pk)
    if not job.is_finished:
        return render(
            request,
            "registry/import_forbidden.html",
            {"message": _("The report is ready when the import has finished.")},
            status=409,
        )
    response = HttpResponse(
        import_error_report_xlsx(job=job),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, import_report_filename(job=job)) or ""
    return response


@login_required
def import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The registry list template in the official layout (``template.import_template_xlsx``)."""
    response = HttpResponse(
        import_template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, "Mẫu danh sách doanh nghiệp.xlsx") or ""
    return response


@login_required
@require_POST
def import_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get_for_official(official=request.user, job_id=pk)
    if not official_may(request.user, "reopen"):
        return _forbidden(request)
    try:
        reopened, problems = services.import_job_reopen_cases(actor=request.user, job_id=job.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("registry:import_detail", pk=pk)
    if reopened:
        messages.success(request, _("%(count)s cases reopened.") % {"count": reopened})
    for problem in problems:
        messages.error(request, problem)
    return redirect("registry:import_detail", pk=pk)
