"""Sign-in (password, then the second factor), passwords, the second factor's set-up, and the account
administration pages of a unit's administrators. Thin: the rules are in services.py and org/policy.py."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from core.errors import ServiceError
from org.http import AuthenticatedHttpRequest
from org.models import Official, Role
from org.policy import official_may_administer_accounts, official_needs_second_factor

from . import bulk, gate, selectors, services
from .forms import (
    CodeForm,
    EmptyForm,
    HandOverForm,
    MoveForm,
    OfficialCreateForm,
    OfficialDetailsForm,
    OfficialFilterForm,
    OfficialImportForm,
    RolesForm,
    TemporaryPasswordForm,
)
from .useragent import describe

PAGE_SIZE = 50
# How long the password step of a sign-in waits for the second factor.
PENDING_SECONDS = 300


# --- Sign-in -------------------------------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    """Django's log-in form (django-axes counts the failures); an official with a second factor is signed in only
    after the code (``login_code``)."""

    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        official = form.get_user()
        if services.second_factor_enrolled(official=official):
            self.request.session[gate.PENDING_KEY] = {
                "official": official.pk,
                "backend": official.backend,
                "at": gate.now(),
                "next": self.get_success_url(),
            }
            return redirect("accounts:login_code")
        auth_login(self.request, official)
        gate.gates_open(self.request, official)
        return HttpResponseRedirect(self.get_success_url())


def login_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(gate.PENDING_KEY)
    official = None
    if pending and gate.now() - int(pending["at"]) <= PENDING_SECONDS:
        official = Official.objects.filter(pk=pending["official"], is_active=True).first()
    if official is None or not pending:
        request.session.pop(gate.PENDING_KEY, None)
        messages.info(request, _("Sign in again: the code was not entered in time."))
        return redirect("login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        device = services.second_factor_verify(official=official, token=form.data.get("code", ""))
        if form.is_valid() and device is not None:
            del request.session[gate.PENDING_KEY]
            auth_login(request, official, backend=pending["backend"])
            otp_login(request, device)
            gate.gates_open(request, official)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(count)d are left. Make new ones on your account page.")
                    % {"count": left},
                )
            target = pending.get("next") or settings.LOGIN_REDIRECT_URL
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
        form.add_error(None, _("The code is not right. Try the newest code of your app, or a recovery code."))
        status = 400
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


# --- My account: password, second factor --------------------------------------------------------------------


@login_required
def my_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/my_account.html",
        {
            "enrolled": services.second_factor_enrolled(official=request.user),
            "required": official_needs_second_factor(request.user),
            "history": selectors.account_history(official=request.user, limit=20),
        },
    )


def _password_page(request: AuthenticatedHttpRequest, form_class: type, template: str) -> HttpResponse:
    form = form_class(request.user, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.password_change(
                official=request.user,
                password=form.cleaned_data["new_password1"],
                keep_session_key=request.session.session_key or "",
            )
            update_session_auth_hash(request, request.user)
            gate.gate_passed(request, gate.PASSWORD)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
        status = 400
    return render(request, template, {"form": form}, status=status)


@login_required
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _password_page(request, PasswordChangeForm, "accounts/password_change.html")


@login_required
def password_required(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The first sign-in after an administrator set the password: choose your own before anything else."""
    if gate.gate_pending(request) != gate.PASSWORD:
        return redirect("accounts:password_change")
    return _password_page(request, SetPasswordForm, "accounts/password_required.html")


@login_required
@require_http_methods(["GET", "POST"])
def my_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where I am signed in; sign one other session out, or every other one."""
    current = request.session.session_key or ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "end":
                ended = services.session_end(
                    official=request.user, ref=request.POST.get("session", ""), current_session_key=current
                )
                messages.success(request, _("Signed out of %(device)s.") % {"device": describe(ended.user_agent)})
            elif action == "end_others":
                count = services.sessions_end_others(official=request.user, current_session_key=current)
                messages.success(
                    request,
                    ngettext("Signed out of %(count)d other session.", "Signed out of %(count)d other sessions.", count)
                    % {"count": count},
                )
            else:
                return render(
                    request,
                    "error.html",
                    {"status": 400, "title": _("Bad request"), "message": _("Unknown action.")},
                    status=400,
                )
        except ServiceError as exc:
            return render(
                request,
                "error.html",
                {
                    "status": exc.status,
                    "title": _("Not found") if exc.status == 404 else _("Not possible"),
                    "message": exc.message,
                },
                status=exc.status,
            )
        return redirect("accounts:my_sessions")
    rows = selectors.sessions_of(official=request.user, current_session_key=current)
    return render(
        request,
        "accounts/my_sessions.html",
        {"sessions": rows, "others": sum(1 for row in rows if not row.current)},
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's signed link (expires after ``PASSWORD_RESET_TIMEOUT``; it holds the password hash and the last
    sign-in, so it works once)."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form: Any) -> HttpResponse:
        services.password_change(official=form.user, password=form.cleaned_data["new_password1"], reset=True)
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, _("Your password has been set. Sign in with it."))
        return HttpResponseRedirect(self.get_success_url())


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, dark="#111", light="#fff")


@login_required
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator app; recovery codes are shown once, after confirmation."""
    official = request.user
    enrolled = services.second_factor_enrolled(official=official)
    replacing = request.GET.get("replace") == "1" or request.POST.get("replace") == "1"
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "recovery":
        try:
            codes = services.recovery_codes_renew(official=official)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:two_factor")
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
    if request.method == "POST":
        if form.is_valid():
            try:
                device, codes = services.totp_confirm(official=official, token=form.cleaned_data["code"])
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                otp_login(request, device)
                gate.gate_passed(request, gate.ENROL)
                return render(request, "accounts/recovery_codes.html", {"codes": codes, "enrolled_now": True})
        else:
            status = 400
    context: dict[str, Any] = {"form": form, "enrolled": enrolled, "replacing": replacing}
    if not enrolled or replacing:
        device = services.totp_device_pending(official=official)
        context.update(
            secret=device.config_url.split("secret=", 1)[1].split("&", 1)[0],
            qr=_qr_svg(device.config_url),
            required=official_needs_second_factor(official),
        )
    return render(request, "accounts/two_factor.html", context, status=status)


# --- Account administration ---------------------------------------------------------------------------------


def _not_allowed(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "error.html",
        {"status": 403, "title": _("Not allowed"), "message": _("Only administrators manage accounts.")},
        status=403,
    )


def _administrators_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not official_may_administer_accounts(request.user):
            return _not_allowed(request)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


@_administrators_only
def official_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    units = selectors.units_for_admin(actor=request.user)
    form = OfficialFilterForm(request.GET or None, units=units)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = {
            "search": d["q"],
            "unit_id": d["unit"].pk if d["unit"] else None,
            "active": None if d["active"] == "" else d["active"] == "1",
        }
    page = Paginator(selectors.official_list_for_admin(actor=request.user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/official_list.html", {"form": form, "page": page, "query": query.urlencode()})


# --- Bulk creation from a file (accounts/bulk.py) -------------------------------------------------------------

# What a multipart body may hold beyond the file itself (boundaries, headers, the other fields).
MULTIPART_SLACK = 64 * 1024
PAYLOAD_SALT = "accounts.bulk"
PAYLOAD_MAX_AGE = 3600


def _payload_salt(request: AuthenticatedHttpRequest) -> str:
    return f"{PAYLOAD_SALT}:{request.user.pk}"


def _import_page(request: AuthenticatedHttpRequest, *, status: int = 200, **context: Any) -> HttpResponse:
    context.setdefault("form", OfficialImportForm())
    context.update(
        max_kb=bulk.max_bytes() // 1024,
        max_rows=bulk.max_rows(),
        columns=[(str(header), required) for _key, header, _aliases, required in bulk.COLUMNS],
        roles=Role.choices,
    )
    response = render(request, "accounts/official_import.html", context, status=status)
    patch_cache_control(response, no_store=True)  # the created accounts' temporary passwords are on it
    return response


@csrf_exempt
@_administrators_only
def official_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a file, see every row checked (nothing is written), then create them all. The declared size is
    checked before the body is read (413)."""
    if request.method == "POST":
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > bulk.max_bytes() * 2 + MULTIPART_SLACK:  # the confirmation carries the file, compressed
            return _import_page(
                request,
                error=_("The file is larger than %(size)s KB.") % {"size": bulk.max_bytes() // 1024},
                status=413,
            )
    return _official_import(request)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _official_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _import_page(request)
    create = request.POST.get("action") == "create"
    form = OfficialImportForm(request.POST, request.FILES)
    if create:
        try:
            filename, data = signing.loads(
                request.POST.get("payload", ""), salt=_payload_salt(request), max_age=PAYLOAD_MAX_AGE
            )
        except (signing.BadSignature, ValueError, TypeError):
            return _import_page(
                request, error=_("The checked file has expired or was altered: upload it again."), status=400
            )
        data = base64.b64decode(data)
    elif not form.is_valid():
        return _import_page(request, form=form, error=form.first_error(), status=400)
    else:
        upload = form.cleaned_data["file"]
        if upload.size > bulk.max_bytes():
            return _import_page(
                request,
                error=_("The file is larger than %(size)s KB.") % {"size": bulk.max_bytes() // 1024},
                status=413,
            )
        filename, data = upload.name, upload.read()
    try:
        result = bulk.officials_import(actor=request.user, data=data, filename=filename, create=create)
    except ServiceError as exc:
        return _import_page(request, error=exc.message, status=exc.status)
    context: dict[str, Any] = {"result": result}
    if result.created:
        messages.success(
            request,
            _("%(count)d accounts created. Hand each official their temporary password: it is shown only now.")
            % {"count": len(result.rows)},
        )
        context["passwords_csv"] = base64.b64encode(bulk.passwords_csv(result).encode("utf-8")).decode("ascii")
    elif result.ok:
        payload = [filename, base64.b64encode(data).decode("ascii")]
        context["payload"] = signing.dumps(payload, salt=_payload_salt(request), compress=True)
    return _import_page(request, status=200 if result.ok else 400, **context)


@_administrators_only
def official_import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = HttpResponse(bulk.template_csv(actor=request.user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="can-bo-mau.csv"'
    return response


@_administrators_only
def official_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OfficialCreateForm(request.POST or None, units=selectors.units_for_admin(actor=request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                official = services.official_create(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("%(official)s can sign in now with the temporary password, and must then choose their own.")
                    % {"official": official},
                )
                return redirect("accounts:official_detail", pk=official.pk)
        else:
            status = 400
    return render(request, "accounts/official_create.html", {"form": form}, status=status)


# The detail page's forms: each posts its ``action``; the message shown once it is done.
ACTIONS: dict[str, Any] = {
    "details": gettext_lazy("Details saved."),
    "roles": gettext_lazy("Roles saved."),
    "move": gettext_lazy("The official now belongs to the new unit."),
    "password": gettext_lazy("Temporary password set: the official chooses their own at the next sign-in."),
    "deactivate": gettext_lazy("The account is deactivated: the official can no longer sign in."),
    "reactivate": gettext_lazy("The account is active again."),
    "two_factor_remove": gettext_lazy(
        "Two-factor authentication removed: the official sets it up again at the next sign-in."
    ),
    "hand_over": gettext_lazy("The open work has been handed over."),
}


def _forms(request: AuthenticatedHttpRequest, official: Official, data: Any = None, action: str = "") -> dict:
    units = selectors.units_for_admin(actor=request.user)

    def bound(name: str) -> Any:
        return data if action == name else None

    return {
        "details": OfficialDetailsForm(
            bound("details"),
            initial={f: getattr(official, f) for f in services.EDITABLE_FIELDS},
        ),
        "roles": RolesForm(bound("roles"), initial={"roles": [r.role for r in official.role_assignments.all()]}),
        "move": MoveForm(bound("move"), units=units, initial={"unit": official.unit_id}),
        "password": TemporaryPasswordForm(bound("password")),
        "hand_over": HandOverForm(
            bound("hand_over"), officials=selectors.successor_candidates(actor=request.user, official=official)
        ),
        "deactivate": EmptyForm(bound("deactivate")),
        "reactivate": EmptyForm(bound("reactivate")),
        "two_factor_remove": EmptyForm(bound("two_factor_remove")),
    }


def _perform(request: AuthenticatedHttpRequest, official: Official, action: str, form: Any) -> None:
    d = form.cleaned_data
    actor, pk = request.user, official.pk
    if action == "details":
        services.official_update(actor=actor, official_id=pk, **d)
    elif action == "roles":
        services.official_roles_set(actor=actor, official_id=pk, roles=d["roles"])
    elif action == "move":
        services.official_move(actor=actor, official_id=pk, unit=d["unit"])
    elif action == "password":
        services.official_set_temporary_password(actor=actor, official_id=pk, password=d["password"])
    elif action in ("deactivate", "reactivate"):
        services.official_set_active(actor=actor, official_id=pk, active=action == "reactivate")
    elif action == "two_factor_remove":
        services.official_second_factor_remove(actor=actor, official_id=pk)
    elif action == "hand_over":
        services.official_hand_over(actor=actor, official_id=pk, successor_id=d["successor"].pk)


@_administrators_only
def official_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        official = selectors.official_get_for_admin(actor=request.user, official_id=pk)
    except ServiceError as exc:
        return render(
            request, "error.html", {"status": 404, "title": _("Not found"), "message": exc.message}, status=404
        )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in ACTIONS:
        return render(
            request,
            "error.html",
            {"status": 400, "title": _("Bad request"), "message": _("Unknown action.")},
            status=400,
        )
    forms = _forms(request, official, request.POST, action)
    status = 200
    error = ""
    if action:
        form = forms[action]
        if form.is_valid():
            try:
                _perform(request, official, action, form)
            except ServiceError as exc:
                error, status = str(exc.message), exc.status
            else:
                messages.success(request, ACTIONS[action])
                return redirect("accounts:official_detail", pk=official.pk)
        else:
            error, status = form.first_error(), 400
    context = {
        "official": official,
        "forms": forms,
        "action": action,
        "error": error,
        "work": services.open_work_of(official=official),
        "enrolled": services.second_factor_enrolled(official=official),
        "history": selectors.account_history(official=official),
    }
    return render(request, "accounts/official_detail.html", context, status=status)
