"""/api/v1/: thin views over the pages' selectors and services. Each view names its resource (the token scope it
needs) and its keyset sort key; reads go through the same scoped selectors as the pages, writes through the same
services, and every refusal is a ``core.errors.ServiceError`` turned into the error shape (api.errors)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors as case_selectors
from cases import services as case_services
from cases.forms import EnterpriseFilterForm, EnterpriseForm, MemberForm, NoteForm, TransferForm
from cases.models import Case
from cases.views import ACTIONS
from core.errors import Conflict, Forbidden
from massorgs import actions as massorg_actions
from massorgs import selectors as massorg_selectors
from massorgs.forms import MassOrganizationForm
from massorgs.models import MassOrganizationKind
from members import selectors as member_selectors
from members import services as member_services
from members.models import Candidate
from notifications import selectors as notification_selectors
from notifications import services as notification_services
from org.models import Official
from org.policy import official_may, official_may_lead_team, official_may_read_reports, official_may_set_targets
from org.selectors import unit_list_for_official
from registry import services as registry_services
from registry.imports import selectors as import_selectors
from registry.imports import services as import_services
from registry.imports.forms import ImportUploadForm
from registry.models import ImportJob
from reports import documents as report_documents
from reports import selectors as report_selectors
from reports import services as report_services
from reports.decisions import decision_docx, decision_filename
from workflows import selectors as task_selectors
from workflows import services as task_services
from workflows.candidate_forms import STEP_FORMS, candidate_step_form
from workflows.candidate_views import STEP_RUNS
from workflows.forms import FollowUpForm, InboxFilterForm, ReassignForm
from workflows.views import STEP_ACTIONS

from . import serializers as s
from .authentication import REQUEST_TOKEN_ATTRIBUTE
from .services import api_token_use_record

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(s.ErrorSerializer, description="Not signed in, or the token is invalid, expired or revoked"),
    403: OpenApiResponse(s.ErrorSerializer, description="The role or the token's scopes do not allow it"),
    404: OpenApiResponse(s.ErrorSerializer, description="Not found, or outside the caller's jurisdiction"),
    429: OpenApiResponse(s.ErrorSerializer, description="Rate limit reached"),
}
WRITE_ERRORS = {**ERRORS, 409: OpenApiResponse(s.ErrorSerializer, description="Refused, or changed meanwhile")}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: WRITE_ERRORS[code] for code in codes}


READ_ERRORS = _errors(400, 401, 403, 404, 429)
DETAIL_ERRORS = _errors(401, 403, 404, 429)


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {name: [e["message"] for e in errors] for name, errors in form.errors.get_json_data().items()}


def form_parameters(form: type[forms.Form], *, exclude: tuple[str, ...] = ()) -> list[OpenApiParameter]:
    """A filter form's fields as the schema's query parameters (the form validates them)."""
    params = []
    for name, field in form.base_fields.items():
        if name in exclude:
            continue
        kind: Any = OpenApiTypes.STR
        enum = None
        if isinstance(field, forms.ModelChoiceField):
            kind = OpenApiTypes.INT
        elif isinstance(field, forms.ChoiceField):
            choices: Any = field.choices
            enum = [value for value, _label in choices]  # "" (as on the page): any
        elif isinstance(field, forms.BooleanField):
            kind = OpenApiTypes.BOOL
        params.append(OpenApiParameter(name, kind, description=str(field.label or ""), enum=enum))
    return params


def check_query(form: type[forms.Form], params: Any) -> None:
    """What the schema says of a filter form's parameters, checked before the form reads them: a check box is
    true/false (1/0, yes/no; the form reads any other text as ticked), a unit is an id (the form reads an empty one
    as "any")."""
    for name, field in form.base_fields.items():
        if name not in params:
            continue
        if isinstance(field, forms.BooleanField):
            check: serializers.Field = serializers.BooleanField()
        elif isinstance(field, forms.ModelChoiceField):
            check = serializers.IntegerField()
        else:
            continue
        try:
            check.run_validation(params.get(name))
        except ValidationError as exc:
            raise ValidationError({name: exc.detail}) from None


def _plain_data(data: Any, form: type[forms.Form]) -> dict[str, Any]:
    """A JSON body as form data: one value per field, numbers as text (what a browser would post)."""
    if not isinstance(data, Mapping):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    plain: dict[str, Any] = {}
    for name, field in form.base_fields.items():
        if name not in data:
            continue
        value = data.get(name)
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            if not isinstance(value, list) or any(isinstance(v, list | dict | bool) for v in value):
                raise ValidationError({name: [_("Enter a list of values.")]})
            plain[name] = [str(v) for v in value]
            continue
        if isinstance(value, list | dict):
            raise ValidationError({name: [_("Enter a single value.")]})
        if isinstance(value, bool) and not isinstance(field, forms.BooleanField):
            value = str(value).lower()
        elif isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        plain[name] = value
    return plain


def body_of(serializer: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The request body validated by ``serializer`` (400 with each field's errors otherwise)."""
    checked = serializer(data=request.data)
    checked.is_valid(raise_exception=True)
    return dict(checked.validated_data)


def caller(request: Request) -> Official:
    """The signed-in official (IsAuthenticated ran first); for a token, narrowed to its unit."""
    return cast(Official, request.user)


class ApiView(APIView):
    """Every API view: names its resource (token scope); logs each request made with a token."""

    resource: str = ""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # An id no row can have (beyond 64 bits) is simply not found, before a database refuses to compare it.
        if any(isinstance(value, int) and not 0 < value < 2**63 for value in kwargs.values()):
            raise Http404

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        token = getattr(request._request, REQUEST_TOKEN_ATTRIBUTE, None)
        if token is not None:
            api_token_use_record(
                token=token, method=request.method or "", path=request.path, status=response.status_code
            )
        return response


# --- Units -------------------------------------------------------------------------------------------


class UnitList(ApiView, generics.ListAPIView):
    """The caller's unit and every unit below it, in tree order."""

    resource = "units"
    serializer_class = s.UnitSerializer
    keyset_ordering = ("path",)

    def get_queryset(self) -> QuerySet:
        return unit_list_for_official(official=caller(self.request))

    @extend_schema(responses={200: s.UnitSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class UnitDetail(ApiView, generics.RetrieveAPIView):
    resource = "units"
    serializer_class = s.UnitSerializer

    def get_queryset(self) -> QuerySet:
        return unit_list_for_official(official=caller(self.request))

    @extend_schema(responses={200: s.UnitSerializer, **DETAIL_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# --- Enterprises ---------------------------------------------------------------------------------------


class EnterpriseList(ApiView, generics.ListAPIView):
    """The enterprises of the caller's jurisdiction, by name, with the list page's filters; `q` matches the name or
    the tax code without regard to diacritics or case ("hoan kiem" finds "Hoàn Kiếm")."""

    resource = "enterprises"
    serializer_class = s.EnterpriseSerializer
    keyset_ordering = ("name", "pk")

    def get_queryset(self) -> QuerySet:
        user = caller(self.request)
        check_query(EnterpriseFilterForm, self.request.query_params)
        form = EnterpriseFilterForm(
            self.request.query_params, units=unit_list_for_official(official=user).order_by("path")
        )
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        d = form.cleaned_data
        return case_selectors.enterprise_list_for_official(
            official=user,
            search=d["q"],
            unit=d["unit"],
            enterprise_type=d["enterprise_type"],
            operating_status=d["operating_status"],
            case_state=d["case_state"],
        )

    @extend_schema(
        parameters=form_parameters(EnterpriseFilterForm),
        responses={200: s.EnterpriseSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="enterprises_create",
        request=s.form_serializer("EnterpriseCreateRequest", EnterpriseForm, expected_state=False),
        responses={201: s.EnterpriseDetailSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        """Register an enterprise by hand, with the page's form and rules (registry.services.enterprise_create)."""
        user = caller(request)
        units = case_selectors.enterprise_unit_choices(official=user)
        form = EnterpriseForm(_plain_data(request.data, EnterpriseForm), units=units)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        data = {k: v for k, v in form.cleaned_data.items() if k != "note"}
        enterprise = registry_services.enterprise_create(actor=user, **data)
        return _enterprise_detail(request, enterprise.pk, status=201)


def _enterprise_detail(request: Request, pk: int, *, status: int = 200) -> Response:
    enterprise = case_selectors.enterprise_get_for_official(official=caller(request), enterprise_id=pk)
    return Response(s.EnterpriseDetailSerializer(enterprise).data, status=status)


class EnterpriseDetail(ApiView):
    resource = "enterprises"

    @extend_schema(responses={200: s.EnterpriseDetailSerializer, **DETAIL_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return _enterprise_detail(request, pk)

    @extend_schema(
        operation_id="enterprises_update",
        request=s.form_serializer(
            "EnterpriseUpdateRequest", EnterpriseForm, expected_state=False, partial=True, exclude=("tax_code",)
        ),
        responses={200: s.EnterpriseDetailSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Change some of an enterprise's fields (the others keep their values; the tax code cannot change): the
        page's form and rules (registry.services.enterprise_update). A closing status closes its open case."""
        user = caller(request)
        enterprise = case_selectors.enterprise_get_for_official(official=user, enterprise_id=pk)
        if "tax_code" in (request.data if isinstance(request.data, Mapping) else {}):
            raise ValidationError({"tax_code": [_("The tax code cannot be changed.")]})
        body = _plain_data(request.data, EnterpriseForm)
        units = case_selectors.enterprise_unit_choices(official=user)
        form = EnterpriseForm({**EnterpriseForm.data_of(enterprise), **body}, units=units, editing=True)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        changes = {k: v for k, v in form.cleaned_data.items() if k != "note"}
        registry_services.enterprise_update(
            actor=user, enterprise_id=enterprise.pk, changes=changes, note=form.cleaned_data["note"]
        )
        return _enterprise_detail(request, enterprise.pk)


class EnterpriseTransfers(ApiView):
    """The party organizations of an enterprise received from another committee (tiếp nhận); POST records one with
    the page's form and rules (cases.services.party_organization_transfer): counted as received, never as new."""

    resource = "cases"

    @extend_schema(
        operation_id="enterprises_transfers_list",
        responses={200: s.PartyOrganizationTransferSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        enterprise = case_selectors.enterprise_get_for_official(official=caller(request), enterprise_id=pk)
        transfers = case_selectors.transfers_of_enterprise(enterprise_id=enterprise.pk)
        return Response(s.PartyOrganizationTransferSerializer(transfers, many=True).data)

    @extend_schema(
        operation_id="enterprises_transfers_record",
        request=s.form_serializer("PartyOrganizationTransferRequest", TransferForm, expected_state=False),
        responses={201: s.PartyOrganizationTransferSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = caller(request)
        enterprise = case_selectors.enterprise_get_for_official(official=user, enterprise_id=pk)
        committees = case_selectors.transfer_committee_choices(official=user, enterprise=enterprise)
        form = TransferForm(_plain_data(request.data, TransferForm), enterprise=enterprise, committees=committees)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        transfer = case_services.party_organization_transfer(actor=user, enterprise=enterprise, **form.cleaned_data)
        return Response(s.PartyOrganizationTransferSerializer(transfer).data, status=201)


class EnterpriseOpenCase(ApiView):
    """Open a case (survey first) for an enterprise of my jurisdiction: the enterprise page's "open a case"."""

    resource = "cases"

    @extend_schema(
        operation_id="enterprises_open_case",
        request=s.form_serializer("EnterpriseOpenCaseRequest", NoteForm, expected_state=False),
        responses={201: s.CaseDetailSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        enterprise = case_selectors.enterprise_get_for_official(official=caller(request), enterprise_id=pk)
        form = NoteForm(_plain_data(request.data, NoteForm))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        case = case_services.case_open(actor=caller(request), enterprise=enterprise, note=form.cleaned_data["note"])
        response = _case_detail(request, case.pk)
        response.status_code = 201
        return response


# --- Party members and admission candidates ------------------------------------------------------------------


class EnterpriseMembers(ApiView, generics.ListAPIView):
    """The register of an enterprise of my jurisdiction (those who left included, with why and when); POST enters a
    member, with the enterprise page's form and rules (members.services.member_add)."""

    resource = "members"
    serializer_class = s.PartyMemberSerializer
    keyset_ordering = ("full_name", "pk")

    def get_queryset(self) -> QuerySet:
        enterprise = case_selectors.enterprise_get_for_official(
            official=caller(self.request), enterprise_id=self.kwargs["pk"]
        )
        return (
            member_selectors.member_list_for_official(official=caller(self.request))
            .filter(enterprise=enterprise)
            .select_related("enterprise")
        )

    @extend_schema(
        operation_id="enterprises_members_list", responses={200: s.PartyMemberSerializer(many=True), **READ_ERRORS}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="enterprises_members_add",
        request=s.form_serializer("MemberAddRequest", MemberForm, expected_state=False),
        responses={201: s.PartyMemberSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = caller(request)
        enterprise = case_selectors.enterprise_get_for_official(official=user, enterprise_id=pk)
        form = MemberForm(_plain_data(request.data, MemberForm))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        member = member_services.member_add(actor=user, enterprise_id=enterprise.pk, **form.cleaned_data)
        return Response(s.PartyMemberSerializer(member).data, status=201)


def _member(request: Request, pk: int) -> Response:
    member = member_selectors.member_get_for_official(official=caller(request), member_id=pk)
    return Response(s.PartyMemberSerializer(member).data)


class MemberDetail(ApiView):
    resource = "members"

    @extend_schema(responses={200: s.PartyMemberSerializer, **DETAIL_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return _member(request, pk)


class MemberRecognize(ApiView):
    """The committee recognises a probationary member as full: in effect at the end of the 12 months' probation,
    refused before it (the same service and message as the enterprise page)."""

    resource = "members"

    @extend_schema(
        operation_id="members_recognize",
        request=s.MemberRecognizeRequestSerializer,
        responses={200: s.PartyMemberSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        member = member_selectors.member_get_for_official(official=caller(request), member_id=pk)
        body = body_of(s.MemberRecognizeRequestSerializer, request)
        member_services.member_recognize_full(
            actor=caller(request), member_id=member.pk, enterprise_id=member.enterprise_id, **body
        )
        return _member(request, pk)


class MemberLeave(ApiView):
    """A member leaves the register (left the enterprise, transferred out, struck off, not recognised, deceased)."""

    resource = "members"

    @extend_schema(
        operation_id="members_leave",
        request=s.MemberLeaveRequestSerializer,
        responses={200: s.PartyMemberSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        member = member_selectors.member_get_for_official(official=caller(request), member_id=pk)
        body = body_of(s.MemberLeaveRequestSerializer, request)
        member_services.member_mark_left(
            actor=caller(request), member_id=member.pk, enterprise_id=member.enterprise_id, **body
        )
        return _member(request, pk)


class CandidateList(ApiView, generics.ListAPIView):
    """The admission candidates of my jurisdiction, by name (their steps are completed on the task page)."""

    resource = "members"
    serializer_class = s.CandidateSerializer
    keyset_ordering = ("full_name", "pk")

    def get_queryset(self) -> QuerySet:
        stage = self.request.query_params.get("stage", "")
        if stage and stage not in Candidate.Stage.values:
            raise ValidationError({"stage": [_("Unknown stage.")]})
        return member_selectors.candidate_list_for_official(official=caller(self.request), stage=stage)

    @extend_schema(
        parameters=[OpenApiParameter("stage", OpenApiTypes.STR, enum=["", *Candidate.Stage.values])],
        responses={200: s.CandidateSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CandidateDetail(ApiView):
    resource = "members"

    @extend_schema(responses={200: s.CandidateDetailSerializer, **DETAIL_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        candidate = member_selectors.candidate_get_for_official(official=caller(request), candidate_id=pk)
        return Response(s.CandidateDetailSerializer(candidate).data)


# --- Mass organizations -----------------------------------------------------------------------------------


class _MassOrganizationBody(MassOrganizationForm):
    # Integrations name a kind by its code ("trade_union"), not by a row id.
    kind = forms.ModelChoiceField(queryset=MassOrganizationKind.objects.all(), to_field_name="code")


def _mass_organization(request: Request, pk: int, *, status: int = 200) -> Response:
    organization = massorg_selectors.mass_organization_get_for_official(official=caller(request), organization_id=pk)
    lines = massorg_selectors.membership_lines(organization)
    organization.membership = lines  # type: ignore[attr-defined]
    organization.members = lines[-1].members if lines else 0  # type: ignore[attr-defined]
    return Response(s.MassOrganizationDetailSerializer(organization).data, status=status)


class MassOrganizationKindList(ApiView):
    """The kinds of mass organization (trade union, youth union, ... and any an administrator adds)."""

    resource = "massorgs"

    @extend_schema(responses={200: s.MassOrganizationKindSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        return Response(s.MassOrganizationKindSerializer(massorg_selectors.kind_list(), many=True).data)


class EnterpriseMassOrganizations(ApiView):
    """The mass organizations of an enterprise of my jurisdiction (dissolved ones included) with today's members;
    POST records one, with the enterprise page's form and rules (massorgs.services.mass_organization_record)."""

    resource = "massorgs"

    @extend_schema(
        operation_id="enterprises_mass_organizations_list",
        responses={200: s.MassOrganizationSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        enterprise = massorg_selectors.enterprise_get_for_official(official=caller(request), enterprise_id=pk)
        organizations = massorg_selectors.mass_organization_list_for_enterprise(enterprise=enterprise)
        return Response(s.MassOrganizationSerializer(organizations, many=True).data)

    @extend_schema(
        operation_id="enterprises_mass_organizations_record",
        request=s.form_serializer("MassOrganizationRecordRequest", _MassOrganizationBody, expected_state=False),
        responses={201: s.MassOrganizationDetailSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = caller(request)
        enterprise = massorg_selectors.enterprise_get_for_official(official=user, enterprise_id=pk)
        officials = massorg_selectors.organizations_in_charge_choices(official=user, enterprise=enterprise)
        form = _MassOrganizationBody(_plain_data(request.data, _MassOrganizationBody), officials=officials)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        organization = massorg_actions.record(user, enterprise.pk, form.cleaned_data)
        return _mass_organization(request, organization.pk, status=201)


class MassOrganizationDetail(ApiView):
    """One organization: its membership entries with the running count, and its history."""

    resource = "massorgs"

    @extend_schema(responses={200: s.MassOrganizationDetailSerializer, **DETAIL_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return _mass_organization(request, pk)


def mass_organization_action_view(action: str) -> Any:
    """POST /mass-organizations/{id}/<action>/: the organization page's form and service for ``action``."""
    form_class = massorg_actions.ACTIONS[action].form

    class MassOrganizationAction(ApiView):
        resource = "massorgs"

        @extend_schema(
            operation_id=f"mass_organizations_{action}",
            request=s.form_serializer(f"MassOrganization{action.title()}Request", form_class, expected_state=False),
            responses={200: s.MassOrganizationDetailSerializer, **_errors(400, 401, 403, 404, 409, 429)},
        )
        def post(self, request: Request, pk: int) -> Response:
            user = caller(request)
            organization = massorg_selectors.mass_organization_get_for_official(official=user, organization_id=pk)
            officials = massorg_selectors.organizations_in_charge_choices(
                official=user, enterprise=organization.enterprise
            )
            form = massorg_actions.action_form(action, _plain_data(request.data, form_class), officials=officials)
            if not form.is_valid():
                raise ValidationError(form_errors(form))
            massorg_actions.ACTIONS[action].run(user, organization, form.cleaned_data)
            return _mass_organization(request, pk)

    MassOrganizationAction.__name__ = MassOrganizationAction.__qualname__ = f"MassOrganization{action.title()}"
    MassOrganizationAction.__doc__ = {
        "membership": "Enter the members admitted and the members who left in the period ending on `counted_on` "
        "(a new dated entry: earlier periods never change).",
        "change": "Correct the establishment date, the body that established it or the official in charge.",
        "dissolve": "Record that the organization was dissolved on a day.",
    }[action]
    return MassOrganizationAction.as_view()


# --- Cases -------------------------------------------------------------------------------------------


# URL slug -> the case page's action (cases.views.ACTIONS): the same form, the same service, the same messages.
CASE_ACTIONS: dict[str, str] = {
    "survey": "survey",
    "assess": "assess",
    "start-proposal": "start_proposal",
    "submit-proposal": "submit_proposal",
    "approve": "approve",
    "return": "return",
    "refuse": "refuse",
    "close": "close",
    "reopen": "reopen",
}


def _available_actions(case: Case, official: Official) -> list[str]:
    """As the case page offers them: the action's states and the caller's role."""
    return [
        slug
        for slug, key in CASE_ACTIONS.items()
        if case.state in ACTIONS[key].states and official_may(official, ACTIONS[key].event)
    ]


def _case_detail(request: Request, case_id: int) -> Response:
    case = case_selectors.case_get_for_official(official=caller(request), case_id=case_id, with_history=True)
    case.available_actions = _available_actions(case, caller(request))  # type: ignore[attr-defined]
    return Response(s.CaseDetailSerializer(case).data)


class CaseList(ApiView, generics.ListAPIView):
    """The cases of the caller's jurisdiction, newest first."""

    resource = "cases"
    serializer_class = s.CaseSerializer
    keyset_ordering = ("-pk",)

    def get_queryset(self) -> QuerySet:
        state = self.request.query_params.get("state", "")
        if state and state not in Case.State.values:
            raise ValidationError({"state": [_("Unknown case state.")]})
        return case_selectors.case_list_for_official(official=caller(self.request), state=state)

    @extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=["", *Case.State.values], description="Empty: any")
        ],
        responses={200: s.CaseSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CaseDetail(ApiView):
    resource = "cases"

    @extend_schema(responses={200: s.CaseDetailSerializer, **DETAIL_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return _case_detail(request, pk)


class CaseAction(ApiView):
    """One case action (one class per action, made by ``case_action_view``)."""

    resource = "cases"
    action_key = ""

    def post(self, request: Request, pk: int) -> Response:
        # As the page: the selector answers 404 outside the jurisdiction before anything else is looked at.
        case = case_selectors.case_get_for_official(official=caller(request), case_id=pk)
        spec = ACTIONS[self.action_key]
        form = spec.form_for(case, _plain_data(request.data, spec.form))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        expected_state = request.data.get("expected_state") or None
        if expected_state is not None and expected_state not in Case.State.values:
            raise ValidationError({"expected_state": [_("Unknown case state.")]})
        spec.perform(caller(request), case, form.cleaned_data, expected_state)
        return _case_detail(request, pk)


def case_action_view(slug: str) -> Any:
    key = CASE_ACTIONS[slug]
    spec = ACTIONS[key]
    body = s.form_serializer(f"Case{''.join(p.title() for p in slug.split('-'))}Request", spec.form)

    def post(self: CaseAction, request: Request, pk: int) -> Response:
        return CaseAction.post(self, request, pk)

    post = extend_schema(
        operation_id=f"cases_{key}",
        summary=str(spec.label),
        description=(
            f"{spec.label}: the case page's action `{key}`, with the same form, service, guards and messages. "
            "Answers the case as it is afterwards."
        ),
        request=body,
        responses={200: s.CaseDetailSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )(post)
    view = cast(
        type[CaseAction],
        type(f"Case{key.title().replace('_', '')}Action", (CaseAction,), {"action_key": key, "post": post}),
    )
    return view.as_view()


# --- Tasks -------------------------------------------------------------------------------------------


class _TaskList(ApiView, generics.ListAPIView):
    resource = "tasks"
    serializer_class = s.TaskSerializer
    keyset_ordering = ("due_on", "pk")

    def filters(self) -> dict[str, Any]:
        check_query(InboxFilterForm, self.request.query_params)
        form = InboxFilterForm(
            self.request.query_params, units=unit_list_for_official(official=caller(self.request)).order_by("path")
        )
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        self.show_hidden = form.cleaned_data["show_hidden"]
        return form.filters()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}


class TaskInbox(_TaskList):
    """My open tasks, soonest due first (tasks hidden until a follow-up date stay out unless show_hidden)."""

    def get_queryset(self) -> QuerySet:
        filters = self.filters()
        return task_selectors.inbox_for_official(official=caller(self.request), show_hidden=self.show_hidden, **filters)

    @extend_schema(
        operation_id="tasks_inbox",
        parameters=form_parameters(InboxFilterForm),
        responses={200: s.TaskSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class TaskQueue(_TaskList):
    """Unassigned tasks of my unit and the units below it (claim one to take it)."""

    def get_queryset(self) -> QuerySet:
        return task_selectors.queue_for_official(official=caller(self.request), **self.filters())

    @extend_schema(
        operation_id="tasks_queue",
        parameters=form_parameters(InboxFilterForm, exclude=("show_hidden",)),
        responses={200: s.TaskSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _task_detail(request: Request, task_id: int) -> Response:
    sla = task_selectors.task_get_for_official(official=caller(request), task_id=task_id)
    return Response(s.TaskSerializer(sla, context={"today": timezone.localdate()}).data)


class TaskDetail(ApiView):
    resource = "tasks"

    @extend_schema(responses={200: s.TaskSerializer, **DETAIL_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return _task_detail(request, pk)


class TaskClaim(ApiView):
    """Take an unassigned task of my unit (or below) that my role may do: it moves to my inbox."""

    resource = "tasks"

    @extend_schema(
        operation_id="tasks_claim", request=None, responses={200: s.TaskSerializer, **_errors(401, 403, 404, 409, 429)}
    )
    def post(self, request: Request, pk: int) -> Response:
        task_selectors.task_get_for_official(official=caller(request), task_id=pk)  # 404 outside the jurisdiction
        task_services.task_claim(actor=caller(request), task_ids=[pk])
        return _task_detail(request, pk)


def _step_body(step: str) -> type[serializers.Serializer]:
    name = "".join(part.title() for part in str(step).split("_"))
    return s.form_serializer(f"Task{name}Request", STEP_ACTIONS[step].form, expected_state=False)


def _candidate_step_body(step: str) -> type[serializers.Serializer]:
    name = "".join(part.title() for part in str(step).split("_"))
    return s.form_serializer(f"Task{name}Request", STEP_FORMS[step], expected_state=False)


def _complete_candidate_step(request: Request, sla: Any) -> None:
    """An admission step: the task page's form for it (``workflows.candidate_forms``) and the same service
    (``workflows.services.task_complete_candidate_step``)."""
    official = caller(request)
    candidate = member_selectors.candidate_get_for_official(official=official, candidate_id=sla.candidate_id)
    form_class = STEP_FORMS[sla.step]
    form = candidate_step_form(sla.step, candidate, _plain_data(request.data, form_class))
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    task_services.task_complete_candidate_step(
        actor=official,
        task_id=sla.pk,
        step=sla.step,
        run=lambda locked: STEP_RUNS[sla.step](official, locked, form.cleaned_data),
    )


class TaskComplete(ApiView):
    """Complete my task's step: the task page's form for that step validates the body and the same workflow
    service runs (``workflows.views.STEP_ACTIONS``; for an admission step ``workflows.candidate_views.STEP_RUNS``),
    with the same guards and messages."""

    resource = "tasks"

    @extend_schema(
        operation_id="tasks_complete",
        request=PolymorphicProxySerializer(
            component_name="TaskCompleteRequest",
            serializers=[
                *(_step_body(step) for step in STEP_ACTIONS),
                *(_candidate_step_body(step) for step in STEP_FORMS),
            ],
            resource_type_field_name=None,
        ),
        responses={200: s.TaskSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        sla = task_selectors.task_get_for_official(official=caller(request), task_id=pk)
        if sla.candidate_id is not None:
            _complete_candidate_step(request, sla)
            return _task_detail(request, pk)
        spec = STEP_ACTIONS.get(sla.step)
        if spec is None or sla.case is None:
            raise Conflict(_("This step is not completed from a form."), code="not_allowed")
        form = spec.form_for(sla.case, _plain_data(request.data, spec.form))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        spec.perform(caller(request), sla, form.cleaned_data)
        return _task_detail(request, pk)


class TaskFollowUp(ApiView):
    """Hide one of my tasks from my inbox until a date (``until`` empty or null: show it again)."""

    resource = "tasks"

    @extend_schema(
        operation_id="tasks_follow_up",
        request=s.form_serializer("TaskFollowUpRequest", FollowUpForm, expected_state=False),
        responses={200: s.TaskSerializer, **_errors(400, 401, 403, 404, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        task_selectors.task_get_for_official(official=caller(request), task_id=pk)  # 404 outside the jurisdiction
        form = FollowUpForm(_plain_data(request.data, FollowUpForm))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        task_services.task_follow_up(actor=caller(request), task_id=pk, until=form.cleaned_data["until"])
        return _task_detail(request, pk)


def _check_team_lead(official: Official) -> None:
    if not official_may_lead_team(official):
        raise Forbidden(_("Only supervisors and administrators see team tasks."), code="role")


class TaskTeam(_TaskList):
    """Every open task of my jurisdiction, soonest due first (supervisors and administrators: the team page)."""

    def get_queryset(self) -> QuerySet:
        _check_team_lead(caller(self.request))
        return task_selectors.team_tasks_for_official(official=caller(self.request), **self.filters())

    @extend_schema(
        operation_id="tasks_team",
        parameters=form_parameters(InboxFilterForm, exclude=("show_hidden",)),
        responses={200: s.TaskSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class TaskReassign(ApiView):
    """Hand open tasks of my jurisdiction to another active official of it (supervisors and administrators)."""

    resource = "tasks"

    @extend_schema(
        operation_id="tasks_reassign",
        request=s.TaskReassignRequestSerializer,
        responses={200: s.ReassignedSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        user = caller(request)
        _check_team_lead(user)
        ids = body_of(s.TaskReassignRequestSerializer, request)
        form = ReassignForm(
            _plain_data(request.data, ReassignForm), officials=task_selectors.officials_for_assignment(official=user)
        )
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        count = task_services.task_reassign(actor=user, task_ids=ids["tasks"], new_owner=form.cleaned_data["new_owner"])
        return Response({"reassigned": count})


# --- Period reports ---------------------------------------------------------------------------------------

REPORT_PATH_PARAMETERS = [
    OpenApiParameter("unit_code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The unit's code, e.g. W01."),
    OpenApiParameter("period_code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The period, e.g. 2026-h1."),
]
REPORT_JSON = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="The report's figures, exactly as the page's JSON export (docs/reports.md): the submitted "
    "snapshot once the unit has submitted it, else the live figures as of the period's end.",
)
REPORT_FORMATS = ("xlsx", "docx")


def _report_unit_period(request: Request, unit_code: str, period_code: str) -> tuple[Any, Any]:
    """The report's unit and period, if the caller may read the unit's reports (404 otherwise)."""
    return report_selectors.report_unit_period_for_official(
        official=caller(request), unit_code=unit_code, period_code=period_code
    )


def _report_json(request: Request, unit_code: str, period_code: str) -> HttpResponse:
    unit, period = _report_unit_period(request, unit_code, period_code)
    body, _name = report_documents.period_report_file(unit=unit, period=period, fmt="json")
    return HttpResponse(body, content_type="application/json")


class PeriodReportDetail(ApiView):
    """A unit's period report (the organization department and supervisors of its jurisdiction)."""

    resource = "reports"

    @extend_schema(
        operation_id="reports_retrieve",
        parameters=REPORT_PATH_PARAMETERS,
        responses={200: REPORT_JSON, **DETAIL_ERRORS},
    )
    def get(self, request: Request, unit_code: str, period_code: str) -> HttpResponse:
        return _report_json(request, unit_code, period_code)


class PeriodReportFile(ApiView):
    """The report as the page exports it: XLSX, or DOCX in the layout of an official document."""

    resource = "reports"

    @extend_schema(
        operation_id="reports_file",
        parameters=[
            *REPORT_PATH_PARAMETERS,
            OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(REPORT_FORMATS)),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **DETAIL_ERRORS},
    )
    def get(self, request: Request, unit_code: str, period_code: str, fmt: str) -> HttpResponse:
        if fmt not in REPORT_FORMATS:
            raise Http404
        unit, period = _report_unit_period(request, unit_code, period_code)
        body, filename = report_documents.period_report_file(unit=unit, period=period, fmt=fmt)
        response = HttpResponse(body, content_type=report_documents.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _commentary(request: Request) -> dict[str, str]:
    return body_of(s.ReportCommentarySerializer, request)


class PeriodReportCommentary(ApiView):
    """Save the report's commentary without submitting it (the unit's organization department)."""

    resource = "reports"

    @extend_schema(
        operation_id="reports_commentary",
        parameters=REPORT_PATH_PARAMETERS,
        request=s.ReportCommentarySerializer,
        responses={200: REPORT_JSON, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, unit_code: str, period_code: str) -> HttpResponse:
        unit, period = _report_unit_period(request, unit_code, period_code)
        report_services.period_report_save_commentary(
            actor=caller(request), unit=unit, period=period, **_commentary(request)
        )
        return _report_json(request, unit_code, period_code)


class PeriodReportSubmit(ApiView):
    """Submit the unit's report to the parent unit: its figures are frozen as of the period's end."""

    resource = "reports"

    @extend_schema(
        operation_id="reports_submit",
        parameters=REPORT_PATH_PARAMETERS,
        request=s.ReportCommentarySerializer,
        responses={200: REPORT_JSON, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, unit_code: str, period_code: str) -> HttpResponse:
        unit, period = _report_unit_period(request, unit_code, period_code)
        report_services.period_report_submit(actor=caller(request), unit=unit, period=period, **_commentary(request))
        return _report_json(request, unit_code, period_code)


class PeriodReportReopen(ApiView):
    """Reopen a submitted report so the unit can correct and submit it again (the parent unit's supervisors)."""

    resource = "reports"

    @extend_schema(
        operation_id="reports_reopen",
        parameters=REPORT_PATH_PARAMETERS,
        request=None,
        responses={200: REPORT_JSON, **_errors(401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, unit_code: str, period_code: str) -> HttpResponse:
        unit, period = _report_unit_period(request, unit_code, period_code)
        report_services.period_report_reopen(actor=caller(request), unit=unit, period=period)
        return _report_json(request, unit_code, period_code)


# --- Targets (chỉ tiêu) -----------------------------------------------------------------------------------


def _target_grid(unit: Any, period: Any) -> dict[str, Any]:
    return {"period": period.code, "rows": report_selectors.target_grid(unit=unit, period=period)}


class Targets(ApiView):
    """The targets of a unit and of each unit directly below it for a period: read by those who read the unit's
    reports, set by its steering committee (the targets page's rules)."""

    resource = "targets"

    @extend_schema(
        operation_id="targets_retrieve",
        parameters=REPORT_PATH_PARAMETERS,
        responses={200: s.TargetGridSerializer, **DETAIL_ERRORS},
    )
    def get(self, request: Request, unit_code: str, period_code: str) -> Response:
        unit, period = _report_unit_period(request, unit_code, period_code)
        return Response(s.TargetGridSerializer(_target_grid(unit, period)).data)

    @extend_schema(
        operation_id="targets_set",
        parameters=REPORT_PATH_PARAMETERS,
        request=s.TargetSetRequestSerializer,
        responses={200: s.TargetsSavedSerializer, **_errors(400, 401, 403, 404, 429)},
    )
    def put(self, request: Request, unit_code: str, period_code: str) -> Response:
        unit, period = _report_unit_period(request, unit_code, period_code)
        if not official_may_set_targets(caller(request), unit):
            raise Forbidden(_("Targets are set by the steering committee."), code="role")
        body = body_of(s.TargetSetRequestSerializer, request)
        values: dict[tuple[int, str], int | None] = {}
        for item in body["targets"]:
            key = (item["unit"], item["indicator"])
            if key in values:
                raise ValidationError({"targets": [_("Each unit and indicator at most once.")]})
            values[key] = item["value"]
        saved = report_services.targets_set(actor=caller(request), unit=unit, period=period, values=values)
        return Response(s.TargetsSavedSerializer({**_target_grid(unit, period), "saved": saved}).data)


# --- Decisions -------------------------------------------------------------------------------------------


def _check_report_reader(official: Official) -> None:
    if not official_may_read_reports(official):
        raise Forbidden(_("The decision register is for the organization department and supervisors."), code="role")


class DecisionList(ApiView, generics.ListAPIView):
    """The register of establishment decisions of the committees in my jurisdiction, newest first."""

    resource = "decisions"
    serializer_class = s.DecisionSerializer
    keyset_ordering = ("-pk",)

    def get_queryset(self) -> QuerySet:
        user = caller(self.request)
        _check_report_reader(user)
        qs = report_selectors.decisions_for_official(official=user).select_related("committee", "case__enterprise")
        year = self.request.query_params.get("year")
        if year is not None:
            check = serializers.IntegerField(min_value=1945, max_value=9999)
            try:
                qs = qs.filter(year=check.run_validation(year))
            except ValidationError as exc:
                raise ValidationError({"year": exc.detail}) from None
        return qs

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="Only the decisions of this year.")],
        responses={200: s.DecisionSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DecisionDocument(ApiView):
    """The establishment decision of an established case (DOCX), for officials who can see the case."""

    resource = "decisions"

    @extend_schema(
        operation_id="decisions_document",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **DETAIL_ERRORS},
    )
    def get(self, request: Request, case_id: int) -> HttpResponse:
        case = report_selectors.decided_case_for_official(official=caller(request), case_id=case_id)
        response = HttpResponse(decision_docx(case=case), content_type=report_documents.CONTENT_TYPES["docx"])
        response["Content-Disposition"] = f'attachment; filename="{decision_filename(case)}"'
        return response


# --- Registry imports -----------------------------------------------------------------------------------

# Room for the form fields and multipart boundaries around the file itself (as the upload page allows).
MULTIPART_SLACK = 64 * 1024


def _import_detail(request: Request, job_id: int, *, status: int = 200) -> Response:
    job = import_selectors.import_job_get_for_official(official=caller(request), job_id=job_id)
    return Response(s.ImportJobSerializer(job).data, status=status)


class ImportList(ApiView, generics.ListAPIView):
    """My imports, newest first (a superuser: everyone's). Upload a file to start one."""

    resource = "imports"
    serializer_class = s.ImportJobSerializer
    keyset_ordering = ("-pk",)
    parser_classes = [MultiPartParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A file beyond the limit is refused from its declared size, before the body is read.
        if request.method == "POST":
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > settings.IMPORT_MAX_UPLOAD_BYTES + MULTIPART_SLACK:
                import_services.import_check_upload_size(size=declared)
        super().initial(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        return import_selectors.import_job_list_for_official(official=caller(self.request))

    @extend_schema(responses={200: s.ImportJobSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="imports_upload",
        request={"multipart/form-data": s.ImportUploadRequestSerializer},
        responses={
            201: s.ImportJobSerializer,
            413: OpenApiResponse(s.ErrorSerializer, description="The file is too large"),
            **_errors(400, 401, 403, 409, 429),
        },
    )
    def post(self, request: Request) -> Response:
        """Upload a registry file (CSV or XLSX): it is checked and kept with a mapping of its columns guessed from
        the headers; nothing is imported until ``start``."""
        user = caller(request)
        import_services.import_check_rate(actor=user)  # before the file is looked at, as on the page
        units = unit_list_for_official(official=user).order_by("path")
        data = request.POST.copy()
        data.setdefault("mode", ImportJob.Mode.INSERT)
        form = ImportUploadForm(data, request.FILES, units=units)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        upload = form.cleaned_data["file"]
        import_services.import_check_upload_size(size=upload.size)
        job = import_services.import_job_create(
            actor=user,
            filename=upload.name,
            data=upload.read(),
            default_unit=form.cleaned_data["default_unit"],
            mode=form.cleaned_data["mode"],
            dry_run=form.cleaned_data["dry_run"],
        )
        return _import_detail(request, job.pk, status=201)


class ImportDetail(ApiView):
    """One of my imports: its status and progress while it runs, its counts when it is finished."""

    resource = "imports"

    @extend_schema(responses={200: s.ImportJobSerializer, **DETAIL_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return _import_detail(request, pk)


class ImportStart(ApiView):
    """Confirm the column mapping (or keep the guessed one) and run the import: a small file at once, a large one
    on a Celery worker (follow ``status`` and ``progress``). Starting an import that already started changes
    nothing."""

    resource = "imports"

    @extend_schema(
        operation_id="imports_start",
        request=s.ImportStartRequestSerializer,
        responses={200: s.ImportJobSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = caller(request)
        job = import_selectors.import_job_get_for_official(official=user, job_id=pk)
        body = body_of(s.ImportStartRequestSerializer, request)
        if job.status == ImportJob.Status.UPLOADED and ("mapping" in body or body.get("encoding")):
            _job, problems = import_services.import_job_set_mapping(
                actor=user,
                job_id=pk,
                mapping=body.get("mapping", job.mapping),
                encoding=body.get("encoding", ""),
            )
            if problems:
                raise ValidationError({"mapping": problems})
        import_services.import_job_start(actor=user, job_id=pk)
        return _import_detail(request, pk)


class ImportErrors(ApiView, generics.ListAPIView):
    """The rows an import refused, with the column, the value and why (in Vietnamese and English), by row."""

    resource = "imports"
    serializer_class = s.ImportRowErrorSerializer
    keyset_ordering = ("row", "pk")

    def get_queryset(self) -> QuerySet:
        job = import_selectors.import_job_get_for_official(official=caller(self.request), job_id=self.kwargs["pk"])
        return job.errors.all()

    @extend_schema(operation_id="imports_errors", responses={200: s.ImportRowErrorSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# --- Notifications ---------------------------------------------------------------------------------------


class NotificationList(ApiView, generics.ListAPIView):
    """My notifications, newest first."""

    resource = "notifications"
    serializer_class = s.NotificationSerializer
    keyset_ordering = ("-pk",)

    def get_queryset(self) -> QuerySet:
        unread = serializers.BooleanField(required=False).to_internal_value(
            self.request.query_params.get("unread", "false")
        )
        return notification_selectors.notification_list_for_official(official=caller(self.request), unread_only=unread)

    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only the unread ones.")],
        responses={200: s.NotificationSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class NotificationRead(ApiView):
    """Mark one of my notifications read (again: no change)."""

    resource = "notifications"

    @extend_schema(
        operation_id="notifications_read", request=None, responses={200: s.NotificationSerializer, **DETAIL_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        mine = notification_selectors.notification_list_for_official(official=caller(request))
        if not mine.filter(pk=pk).exists():
            raise Http404
        notification_services.notification_mark_read(actor=caller(request), ids=[pk])
        return Response(s.NotificationSerializer(mine.get(pk=pk)).data)


class NotificationReadAll(ApiView):
    """Mark all my notifications read."""

    resource = "notifications"

    @extend_schema(
        operation_id="notifications_read_all", request=None, responses={200: s.MarkedReadSerializer, **DETAIL_ERRORS}
    )
    def post(self, request: Request) -> Response:
        count = notification_services.notification_mark_read(actor=caller(request))
        return Response({"marked_read": count})
