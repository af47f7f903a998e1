"""The admin crawled as an attacker: a staff administrator of a sibling ward, and one of another province, holding
every permission, reads every admin page and replays writes with the victim ward's ids.

Expected: no page shows the victim's rows (their marked names never appear), no change, delete, history or
action reaches them, and no write that names a victim row takes effect. National settings (periods, norms, the
calendar) are readable and never writable by them; viewflow's, django-axes' and django-celery-beat's admins are for
superusers only.
"""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import models
from django.forms.models import model_to_dict
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from api.models import ApiToken, ApiTokenUse
from api.services import api_token_issue
from cases import services as case_services
from cases.models import Case, CaseHistory, CaseStateSpan, ContactLog, DecisionNumber, Proposal, Survey
from members import candidates
from members.models import Candidate, CandidateEvent, MemberEvent, PartyMember
from notifications.models import DigestDelivery, Notification, NotificationPreference
from org.admin import THIRD_PARTY_APPS, NationalSettingsAdminMixin, SuperuserOnlyAdminMixin
from org.models import Official, Role, RoleAssignment, Unit
from registry.models import Enterprise, ImportJob, ImportRowChange, ImportRowError
from reports.models import Period, PeriodReport, Target
from tests.factories import EnterpriseFactory, OfficialFactory, PartyMemberFactory, UnitFactory
from workflows.models import AssignmentRule, CandidateProcess, CaseProcess, SavedFilter, Substitute, TaskSLA

pytestmark = pytest.mark.django_db

MARK = "Bimat7731"  # in every victim row's name: it must never appear on an attacker's page


@pytest.fixture
def victim(province, ward):
    """One row of every kind in the victim ward (Phường Hoàn Kiếm), made the way the product makes them."""
    official = OfficialFactory(unit=ward, roles=[Role.WARD_OFFICIAL, Role.ORGANIZATION_OFFICER], last_name=MARK)
    secretary = OfficialFactory(unit=ward, roles=[Role.DECISION_MAKER], username=f"bithu-{MARK.lower()}")
    enterprise = EnterpriseFactory(unit=ward, name=f"Công ty {MARK}", tax_code="0109998887")
    members = [
        PartyMemberFactory(enterprise=enterprise, full=True, full_name=f"Đảng viên {MARK} {i}") for i in range(3)
    ]
    case = case_services.case_open(actor=official, enterprise=enterprise)
    case_services.case_record_survey(
        actor=official, case_id=case.pk, kind="basic", surveyed_on=datetime.date(2026, 1, 5), note=MARK
    )
    contact = ContactLog.objects.create(
        case=case, contacted_on=datetime.date(2026, 1, 6), official=official, met_whom=MARK, stance="undecided"
    )
    proposal = Proposal.objects.create(
        case=case, cell_name=f"Chi bộ {MARK}", secretary=members[0], reports_to=ward, submitted_by=official
    )
    proposal.members.set(members)
    job = ImportJob.objects.create(created_by=official, filename=f"{MARK}.csv", file_format="csv")
    period = Period.objects.create(
        code="2026-h1-crawl",
        name="6 tháng đầu năm 2026",
        kind=Period.Kind.HALF_YEAR,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 6, 30),
    )
    rows = {
        Unit: ward,
        Official: official,
        RoleAssignment: official.role_assignments.first(),
        Enterprise: enterprise,
        PartyMember: members[0],
        MemberEvent: MemberEvent.objects.create(
            member=members[0], kind="recorded", effective_on=members[0].admitted_on, actor=official, note=MARK
        ),
        Case: case,
        Survey: case.surveys.get(),
        CaseHistory: case.history.first(),
        CaseStateSpan: CaseStateSpan.objects.filter(case=case).first(),
        ContactLog: contact,
        Proposal: proposal,
        DecisionNumber: DecisionNumber.objects.create(
            committee=ward,
            year=2026,
            sequence=7731,
            number=f"7731-QĐ/ĐU {MARK}",
            case=case,
            decision_date=datetime.date(2026, 1, 9),
            recorded_by=secretary,
        ),
        ImportJob: job,
        ImportRowError: ImportRowError.objects.create(job=job, row=2, code="x", message=MARK, value=MARK),
        ImportRowChange: ImportRowChange.objects.create(
            job=job, row=3, action="updated", enterprise=enterprise, case_id=case.pk, tax_code="0109998887", name=MARK
        ),
        CaseProcess: CaseProcess.objects.filter(case=case).first(),
        TaskSLA: TaskSLA.objects.filter(case=case).first(),
        AssignmentRule: AssignmentRule.objects.create(unit=ward, step="survey", official=official),
        Substitute: Substitute.objects.create(
            official=official, substitute=secretary, starts_on=timezone.localdate(), ends_on=timezone.localdate()
        ),
        SavedFilter: SavedFilter.objects.create(owner=official, name=MARK, query=f"q={MARK}"),
        Target: Target.objects.create(unit=ward, period=period, indicator="new_party_organizations", value=7731),
        PeriodReport: PeriodReport.objects.create(unit=ward, period=period, results=MARK),
        Notification: Notification.objects.create(
            recipient=secretary, occasion="task_assigned", object_key=f"x:{MARK}", title=MARK, body=MARK
        ),
        DigestDelivery: DigestDelivery.objects.create(recipient=secretary, day=timezone.localdate()),
        NotificationPreference: NotificationPreference.objects.create(official=secretary),
    }
    token, _raw = api_token_issue(
        actor=None, name=f"Hệ thống {MARK}", acting_as=official, unit=ward, scopes=["cases:read"]
    )
    candidate = candidates.candidate_recommend(
        actor=official,
        enterprise_id=enterprise.pk,
        full_name=f"Quần chúng {MARK}",
        born_on=datetime.date(1995, 5, 5),
        recommended_by="trade_union",
        recommended_on=datetime.date(2026, 1, 7),
        note=MARK,
    )
    rows[Candidate] = candidate
    rows[CandidateEvent] = candidate.events.first()
    rows[CandidateProcess] = CandidateProcess.objects.filter(candidate=candidate).first()
    rows[ApiToken] = token
    rows[ApiTokenUse] = ApiTokenUse.objects.create(token=token, method="GET", path=f"/api/v1/{MARK}/", status=200)
    rows[Process] = rows[CaseProcess].process_ptr if rows[CaseProcess] else None
    rows[Task] = rows[TaskSLA].task if rows[TaskSLA] else None
    missing = [m.__name__ for m, row in rows.items() if row is None]
    assert not missing, f"the victim data set lacks {missing}"
    return rows


def _attacker(unit, name):
    official = OfficialFactory(unit=unit, roles=[Role.ADMINISTRATOR], username=name, is_staff=True)
    official.user_permissions.set(Permission.objects.all())
    return Official.objects.get(pk=official.pk)  # fresh permission cache


@pytest.fixture(params=["sibling_ward", "other_province"])
def attacker(request, province, sibling_ward):
    if request.param == "sibling_ward":
        return _attacker(sibling_ward, "qt.caunam")
    other = UnitFactory(code="P31", name="Hải Phòng", level="province")
    return _attacker(UnitFactory(code="W31", name="Phường Hồng Bàng", parent=other), "qt.hongbang")


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _admin_urls(model, pk=None):
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    if pk is None:
        return {"changelist": _url(f"{info}_changelist"), "add": _url(f"{info}_add")}
    return {kind: _url(f"{info}_{kind}", pk) for kind in ("change", "delete", "history")}


def _national(model_admin) -> bool:
    return isinstance(model_admin, NationalSettingsAdminMixin)


def _post_data(instance) -> dict:
    """The victim row's own field values as form data: every foreign key names a victim row."""
    data = {}
    for name, value in model_to_dict(instance).items():
        if value is None:
            data[name] = ""
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, models.Model):
            data[name] = value.pk
        elif isinstance(value, datetime.datetime):
            data[f"{name}_0"], data[f"{name}_1"] = value.date().isoformat(), value.strftime("%H:%M:%S")
            data[name] = value.isoformat()
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, dict):
            continue
        else:
            # Our own texts are echoed by an invalid form: only a victim row's label may carry the mark.
            data[name] = value.replace(MARK, "Sao chep") if isinstance(value, str) else value
    return data


def _counts():
    return {model: model._default_manager.count() for model in admin.site._registry}


def test_every_registered_admin_is_scoped_national_or_superuser_only():
    from org.admin import JurisdictionAdminMixin

    loose = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, JurisdictionAdminMixin | SuperuserOnlyAdminMixin | NationalSettingsAdminMixin)
    ]
    assert loose == []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in THIRD_PARTY_APPS:
            assert isinstance(model_admin, SuperuserOnlyAdminMixin), model._meta.label


def test_the_attacker_reads_nothing_of_the_victim(client, victim, attacker):
    client.force_login(attacker)
    pages = 0
    for model, model_admin in admin.site._registry.items():
        row = victim.get(model)
        urls = _admin_urls(model)
        lists = [
            urls["changelist"],
            f"{urls['changelist']}?_popup=1&_to_field={model._meta.pk.name}",
            f"{urls['changelist']}?q=Bimat",
        ]
        if urls["add"]:
            lists.append(urls["add"])
        for url in lists:
            response = client.get(url)
            pages += 1
            assert response.status_code in (200, 302, 403), url
            assert MARK not in response.content.decode(), f"{url} shows the victim's data"
            if response.status_code == 200 and "cl" in (response.context or {}) and row is not None:
                shown = {obj.pk for obj in response.context["cl"].result_list}
                assert _national(model_admin) or row.pk not in shown, url
        if row is None:
            continue
        for kind, url in _admin_urls(model, row.pk).items():
            if url is None:
                continue
            response = client.get(url)
            pages += 1
            if _national(model_admin) and kind != "delete":
                continue  # read by every staff member
            assert response.status_code != 200 or MARK not in response.content.decode(), f"{url} ({kind})"
            assert response.status_code in (302, 403, 404), f"{url} ({kind}): {response.status_code}"
    assert pages > 100


def test_the_attackers_writes_with_victim_ids_take_no_effect(client, victim, attacker):
    client.force_login(attacker)
    before = _counts()
    snapshot = {model: model_to_dict(row) for model, row in victim.items()}
    for model, model_admin in admin.site._registry.items():
        row = victim.get(model)
        urls = _admin_urls(model)
        if row is None:
            continue
        data = _post_data(row)
        # A new row copied from the victim's: every foreign key names a victim row.
        if urls["add"]:
            response = client.post(urls["add"], data)
            assert MARK not in response.content.decode(), f"{urls['add']} names the victim's data"
        change = _admin_urls(model, row.pk)
        if change.get("change"):
            response = client.post(change["change"], {**data, "_save": "Save"})
            assert MARK not in response.content.decode() or _national(model_admin), change["change"]
        if change.get("delete"):
            client.post(change["delete"], {"post": "yes"})
        for action in {"delete_selected", *(getattr(a, "__name__", a) for a in model_admin.actions or ())}:
            client.post(urls["changelist"], {"action": action, "_selected_action": [row.pk], "post": "yes"})
    after = _counts()
    grown = {m._meta.label: (before[m], after[m]) for m in before if after[m] > before[m]}
    assert grown == {}, f"rows created with victim ids: {grown}"
    for model, row in victim.items():
        fresh = model._default_manager.filter(pk=row.pk).first()
        assert fresh is not None, f"{model._meta.label} #{row.pk} was deleted"
        assert model_to_dict(fresh) == snapshot[model], f"{model._meta.label} #{row.pk} was changed"


def test_autocomplete_answers_nothing(client, victim, attacker):
    """No admin offers autocomplete fields; the endpoint refuses every foreign key it is asked about."""
    client.force_login(attacker)
    asked = 0
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model in admin.site._registry:
                params = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
                response = client.get(reverse("admin:autocomplete"), {**params, "field_name": field.name, "term": "Bi"})
                asked += 1
                assert response.status_code == 403 or MARK not in response.content.decode(), (model, field.name)
    assert asked > 20


def test_own_rows_cannot_be_pointed_at_victim_rows(client, victim, attacker):
    """The raw-id fields of the attacker's own rows refuse the victim's ids (a role for the victim's official, a
    target for the victim's ward), and the error page does not name them."""
    client.force_login(attacker)
    own = RoleAssignment.objects.get(official=attacker, role=Role.ADMINISTRATOR)
    url = reverse("admin:org_roleassignment_change", args=[own.pk])
    response = client.post(url, {"official": victim[Official].pk, "role": Role.DECISION_MAKER})
    assert response.status_code == 200 and MARK not in response.content.decode()
    own.refresh_from_db()
    assert (own.official_id, own.role) == (attacker.pk, Role.ADMINISTRATOR)
    response = client.post(
        reverse("admin:org_roleassignment_add"), {"official": victim[Official].pk, "role": Role.DECISION_MAKER}
    )
    assert not RoleAssignment.objects.filter(official=victim[Official], role=Role.DECISION_MAKER).exists()
    superuser = Official.objects.create_superuser("root-crawl", password="pw-secret-123")
    client.post(reverse("admin:org_roleassignment_add"), {"official": superuser.pk, "role": Role.SUPERVISOR})
    assert not RoleAssignment.objects.filter(official=superuser).exists()


def test_a_unit_administrator_creates_an_official_of_their_unit(client, ward, sibling_ward):
    admin_official = _attacker(ward, "qt.hoankiem")
    client.force_login(admin_official)
    url = reverse("admin:org_official_add")
    base = {
        "username": "canbo.moi",
        "password1": "Mk-dai-hon-12ky",
        "password2": "Mk-dai-hon-12ky",
        "role_assignments-TOTAL_FORMS": "0",
        "role_assignments-INITIAL_FORMS": "0",
    }
    assert "unit" in client.get(url).context["adminform"].form.fields
    response = client.post(url, base)
    assert response.status_code == 200 and not Official.objects.filter(username="canbo.moi").exists()
    client.post(url, {**base, "unit": sibling_ward.pk})
    assert not Official.objects.filter(username="canbo.moi").exists()
    response = client.post(url, {**base, "unit": ward.pk, "title": "Cán bộ"})
    assert response.status_code == 302
    created = Official.objects.get(username="canbo.moi")
    assert created.unit == ward and not created.is_superuser
