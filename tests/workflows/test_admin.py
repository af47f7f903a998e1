"""The workflow admin: every model is there, lists are scoped to the staff member's jurisdiction and run a
constant number of queries, global settings need the model permissions, and what the flow writes stays read-only."""

import datetime
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.status import STATUS

from cases import services as case_services
from cases.models import ContactLog, Proposal
from org.models import Official, Role
from tests.factories import EnterpriseFactory, OfficialFactory, UnitFactory, add_full_members
from workflows.models import AssignmentRule, CalendarDay, CaseProcess, SavedFilter, Step, StepNorm, Substitute, TaskSLA

pytestmark = pytest.mark.django_db


def _app(model: str) -> str:
    return "cases" if model in ("contactlog", "proposal") else "workflows"


SCOPED = ["caseprocess", "assignmentrule", "substitute", "tasksla", "contactlog", "proposal", "savedfilter"]
GLOBAL = ["stepnorm", "calendarday"]


def changelist(model):
    return reverse(f"admin:{_app(model)}_{model}_changelist")


def change(model, pk):
    return reverse(f"admin:{_app(model)}_{model}_change", args=[pk])


def build(unit, tag, make_official):
    """One of each workflow row for a unit, through the real flow where the flow writes it."""
    field = make_official(unit, Role.WARD_OFFICIAL, username=f"field-{tag}", last_name=f"Cán bộ {tag}")
    stand_in = make_official(unit, Role.WARD_OFFICIAL, username=f"standin-{tag}")
    enterprise = EnterpriseFactory(unit=unit, name=f"DN {tag}")
    members = add_full_members(enterprise, 3)
    rule = AssignmentRule.objects.create(unit=unit, step=Step.SURVEY, official=field)
    case = case_services.case_open(actor=field, enterprise=enterprise)
    proposal = Proposal.objects.create(
        case=case, cell_name=f"Chi bộ {tag}", secretary=members[0], reports_to=unit, submitted_by=field
    )
    proposal.members.set(members)
    return {
        "caseprocess": CaseProcess.objects.get(case=case),
        "assignmentrule": rule,
        "substitute": Substitute.objects.create(
            official=field,
            substitute=stand_in,
            starts_on=datetime.date(2026, 3, 2),
            ends_on=datetime.date(2026, 3, 13),
        ),
        "tasksla": TaskSLA.objects.get(case=case),
        "contactlog": ContactLog.objects.create(
            case=case, contacted_on=datetime.date(2026, 3, 2), official=field, met_whom=f"Ông {tag}", stance="undecided"
        ),
        "proposal": proposal,
        "savedfilter": SavedFilter.objects.create(owner=field, name=f"Lọc {tag}", query="due=overdue"),
    }


@pytest.fixture
def root(db):
    return OfficialFactory(unit=None, is_staff=True, is_superuser=True, username="root")


@pytest.fixture
def staff(ward, make_official):
    """A ward administrator with every workflow model permission, but not a superuser."""
    official = make_official(ward, Role.ADMINISTRATOR, is_staff=True, username="ward-admin")
    official.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["workflows", "org", "cases"]))
    return official


@pytest.fixture
def global_settings(db):
    return {
        "stepnorm": StepNorm.objects.create(step=Step.SURVEY, working_days=8, warning_days=2),
        "calendarday": CalendarDay.objects.create(
            date=datetime.date(2026, 2, 14), kind=CalendarDay.Kind.WORKING_DAY, note="Làm bù Tết"
        ),
    }


def test_every_workflows_model_is_in_the_admin():
    from django.apps import apps

    for model in apps.get_app_config("workflows").get_models():
        assert admin.site.is_registered(model), model


@pytest.mark.parametrize("model", SCOPED + GLOBAL)
def test_superuser_opens_every_list_and_row(model, client, root, ward, sibling_ward, make_official, global_settings):
    rows = {**build(ward, "W01", make_official), **global_settings}
    build(sibling_ward, "W02", make_official)
    client.force_login(root)
    response = client.get(changelist(model))
    assert response.status_code == 200
    expected = 1 if model in GLOBAL else 2
    assert response.context["cl"].result_count == expected
    assert client.get(change(model, rows[model].pk)).status_code == 200


@pytest.mark.parametrize("model", SCOPED)
def test_staff_sees_only_their_jurisdiction(model, client, staff, ward, sibling_ward, make_official):
    mine = build(ward, "W01", make_official)[model]
    theirs = build(sibling_ward, "W02", make_official)[model]
    client.force_login(staff)
    response = client.get(changelist(model))
    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == [mine.pk]
    # The CSRF token is random letters and digits, so it may contain "W02" by chance.
    html = re.sub(r"[A-Za-z0-9]{32,}", "", response.content.decode())
    assert "W02" not in html
    assert client.get(change(model, mine.pk)).status_code == 200
    assert client.get(change(model, theirs.pk)).status_code == 302  # "doesn't exist", back to the list


def test_province_staff_sees_the_wards_below(client, province, ward, sibling_ward, make_official):
    build(ward, "W01", make_official)
    build(sibling_ward, "W02", make_official)
    boss = make_official(province, Role.ADMINISTRATOR, is_staff=True)
    boss.user_permissions.set(Permission.objects.filter(content_type__app_label="workflows"))
    client.force_login(boss)
    assert client.get(changelist("tasksla")).context["cl"].result_count == 2
    assert client.get(changelist("assignmentrule")).context["cl"].result_count == 2


@pytest.mark.parametrize("model", SCOPED + GLOBAL)
def test_lists_run_a_constant_number_of_queries(model, client, root, province, make_official, global_settings):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(changelist(model)).status_code == 200
        return len(ctx.captured_queries)

    units = [UnitFactory(code=f"Q{i:02d}", parent=province) for i in range(6)]
    client.force_login(root)
    build(units[0], "Q00", make_official)
    few = count()
    for i, unit in enumerate(units[1:], start=1):
        build(unit, f"Q{i:02d}", make_official)
        CalendarDay.objects.create(date=datetime.date(2026, 3, i), kind=CalendarDay.Kind.DAY_OFF)
        StepNorm.objects.get_or_create(step=list(Step)[i % len(Step)], defaults={"working_days": 9, "review_months": 6})
    assert count() == few


# --- Global settings: step norms and the calendar ------------------------------------------------------


@pytest.fixture
def plain_staff(ward, make_official):
    return make_official(ward, Role.ADMINISTRATOR, is_staff=True, username="no-perms")


def test_national_settings_are_read_by_staff_and_changed_by_superusers(client, plain_staff, global_settings):
    """Norms and the calendar hold for the whole country: a ward administrator with the permissions reads them,
    only a superuser changes them."""
    client.force_login(plain_staff)
    assert client.get(changelist("stepnorm")).status_code == 403
    assert client.get(changelist("calendarday")).status_code == 403
    plain_staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label="workflows", content_type__model__in=GLOBAL)
    )
    day = {"date": "2026-02-23", "kind": "day_off", "note": "Nghỉ bù"}
    assert client.post(reverse("admin:workflows_calendarday_add"), day).status_code == 403
    assert not CalendarDay.objects.filter(date=datetime.date(2026, 2, 23)).exists()
    # Global: a ward administrator with the permission sees every row (the norms are the same everywhere).
    assert client.get(changelist("stepnorm")).context["cl"].result_count == 1
    superuser = Official.objects.create_superuser("root-settings", password="pw-secret-123")
    client.force_login(superuser)
    assert client.post(reverse("admin:workflows_calendarday_add"), day).status_code == 302
    assert CalendarDay.objects.filter(date=datetime.date(2026, 2, 23), kind="day_off").exists()


def test_only_a_superuser_edits_a_norm(client, staff, global_settings):
    norm = global_settings["stepnorm"]
    data = {"step": "survey", "working_days": "12", "warning_days": "4", "review_months": ""}
    client.force_login(staff)
    assert client.post(change("stepnorm", norm.pk), data).status_code == 403
    norm.refresh_from_db()
    assert (norm.working_days, norm.warning_days) != (12, 4)
    client.force_login(Official.objects.create_superuser("root-norms", password="pw-secret-123"))
    response = client.post(change("stepnorm", norm.pk), data)
    assert response.status_code == 302
    norm.refresh_from_db()
    assert (norm.working_days, norm.warning_days) == (12, 4)


@pytest.mark.parametrize(
    "data,field",
    [
        (
            {"step": "nurturing_review", "working_days": "10", "warning_days": "10", "review_months": ""},
            "review_months",
        ),
        ({"step": "survey", "working_days": "10", "warning_days": "3", "review_months": "6"}, "review_months"),
        ({"step": "survey", "working_days": "3", "warning_days": "3", "review_months": ""}, "warning_days"),
        ({"step": "survey", "working_days": "0", "warning_days": "0", "review_months": ""}, "working_days"),
    ],
)
def test_norm_form_refuses_settings_that_would_not_work(data, field, client, root):
    client.force_login(root)
    response = client.post(reverse("admin:workflows_stepnorm_add"), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not StepNorm.objects.exists()


def test_nurturing_norm_in_months_is_accepted(client, root):
    client.force_login(root)
    response = client.post(
        reverse("admin:workflows_stepnorm_add"),
        {"step": "nurturing_review", "working_days": "10", "warning_days": "10", "review_months": "3"},
    )
    assert response.status_code == 302
    assert StepNorm.objects.get(step="nurturing_review").review_months == 3


@pytest.mark.parametrize(
    "day,kind,ok",
    [
        ("2026-02-14", "working_day", True),  # a Saturday swapped into a working day
        ("2026-02-23", "day_off", True),  # an extra day off after Tết
        ("2026-02-15", "day_off", False),  # a Sunday is already off
        ("2026-02-17", "day_off", False),  # Tết is already off
        ("2026-02-24", "working_day", False),  # a Tuesday already works
        ("2026-02-17", "working_day", True),  # overriding the holiday data is allowed
    ],
)
def test_calendar_form_refuses_exceptions_that_change_nothing(day, kind, ok, client, root):
    client.force_login(root)
    response = client.post(reverse("admin:workflows_calendarday_add"), {"date": day, "kind": kind, "note": ""})
    assert (response.status_code == 302) is ok
    assert CalendarDay.objects.filter(date=day).exists() is ok


def test_calendar_list_names_the_public_holiday(client, root):
    CalendarDay.objects.create(date=datetime.date(2026, 2, 17), kind=CalendarDay.Kind.WORKING_DAY)
    client.force_login(root)
    html = client.get(changelist("calendarday"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Tết Nguyên Đán" in html


# --- Rules and substitutes -----------------------------------------------------------------------------


def rule_post(client, unit, step, official):
    return client.post(
        reverse("admin:workflows_assignmentrule_add"), {"unit": unit.pk, "step": step, "official": official.pk}
    )


def test_rule_for_a_ward_may_name_a_province_decision_maker(client, staff, ward, province, make_official):
    decider = make_official(province, Role.DECISION_MAKER)
    client.force_login(staff)
    assert rule_post(client, ward, "decision", decider).status_code == 302
    assert AssignmentRule.objects.get(unit=ward, step="decision").official == decider


@pytest.mark.parametrize("reason", ["no_role", "sibling", "inactive"])
def test_rule_refuses_an_assignee_who_could_not_do_the_task(reason, client, root, ward, sibling_ward, make_official):
    assignee = {
        "no_role": lambda: make_official(ward, Role.ORGANIZATION_OFFICER),
        "sibling": lambda: make_official(sibling_ward, Role.WARD_OFFICIAL),
        "inactive": lambda: make_official(ward, Role.WARD_OFFICIAL, is_active=False),
    }[reason]()
    client.force_login(root)
    response = rule_post(client, ward, "survey", assignee)
    assert response.status_code == 200
    assert "official" in response.context["adminform"].form.errors
    assert not AssignmentRule.objects.exists()


def test_staff_cannot_write_a_rule_for_a_sibling_unit(client, staff, sibling_ward, make_official):
    other = make_official(sibling_ward, Role.WARD_OFFICIAL)
    client.force_login(staff)
    response = rule_post(client, sibling_ward, "survey", other)
    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    assert not AssignmentRule.objects.exists()


def substitute_post(client, official, substitute, starts="2026-03-02", ends="2026-03-13"):
    return client.post(
        reverse("admin:workflows_substitute_add"),
        {"official": official.pk, "substitute": substitute.pk, "starts_on": starts, "ends_on": ends},
    )


def test_staff_names_a_substitute_in_their_unit(client, staff, ward, make_official):
    away, stand_in = make_official(ward, Role.WARD_OFFICIAL), make_official(ward, Role.WARD_OFFICIAL)
    client.force_login(staff)
    assert substitute_post(client, away, stand_in).status_code == 302
    assert Substitute.objects.get().substitute == stand_in


@pytest.mark.parametrize(
    "case",
    ["dates_reversed", "self", "outside_staff_jurisdiction", "substitute_cannot_see_the_cases"],
)
def test_substitute_form_refuses(case, client, staff, ward, sibling_ward, make_official):
    away = make_official(ward, Role.WARD_OFFICIAL)
    other = make_official(ward, Role.WARD_OFFICIAL)
    kwargs = {}
    if case == "dates_reversed":
        kwargs = {"starts": "2026-03-13", "ends": "2026-03-02"}
    elif case == "self":
        other = away
    elif case == "outside_staff_jurisdiction":
        other = make_official(sibling_ward, Role.WARD_OFFICIAL)
    elif case == "substitute_cannot_see_the_cases":
        # A ward official cannot stand in for a province official: they would get tasks of other wards.
        away = make_official(ward.parent, Role.ORGANIZATION_OFFICER)
        staff.unit = ward.parent
        staff.save()
    client.force_login(staff)
    response = substitute_post(client, away, other, **kwargs)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Substitute.objects.exists()


# --- What the flow writes is read-only -----------------------------------------------------------------


@pytest.mark.parametrize("model", ["caseprocess", "contactlog", "proposal"])
def test_flow_records_are_view_only(model, client, root, ward, make_official):
    row = build(ward, "W01", make_official)[model]
    client.force_login(root)
    page = client.get(change(model, row.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change(model, row.pk), {}).status_code == 403
    assert client.get(reverse(f"admin:{_app(model)}_{model}_add")).status_code == 403
    assert client.get(reverse(f"admin:{_app(model)}_{model}_delete", args=[row.pk])).status_code == 403


def test_case_process_page_lists_its_tasks(client, root, ward, make_official):
    process = build(ward, "W01", make_official)["caseprocess"]
    client.force_login(root)
    html = client.get(change("caseprocess", process.pk)).content.decode()
    assert "Cán bộ W01" in html and "Khảo sát" in html  # the survey task and its owner


def test_task_deadline_can_be_corrected_but_not_its_owner(client, staff, ward, make_official):
    sla = build(ward, "W01", make_official)["tasksla"]
    intruder = make_official(ward, Role.WARD_OFFICIAL)
    client.force_login(staff)
    page = client.get(change("tasksla", sla.pk)).content.decode()
    assert 'name="due_on"' in page and 'name="owner"' not in page and 'name="step"' not in page
    response = client.post(
        change("tasksla", sla.pk),
        {"due_on": "2026-12-31", "warn_on": "2026-12-28", "follow_up_on": "", "owner": intruder.pk, "step": "decision"},
    )
    assert response.status_code == 302
    sla.refresh_from_db()
    sla.task.refresh_from_db()
    assert (sla.due_on, sla.warn_on, sla.step) == (datetime.date(2026, 12, 31), datetime.date(2026, 12, 28), "survey")
    assert sla.task.owner.username == "field-W01" and sla.task.status == STATUS.ASSIGNED
    bad = client.post(change("tasksla", sla.pk), {"due_on": "2026-12-01", "warn_on": "2026-12-28"})
    assert bad.status_code == 200 and "warn_on" in bad.context["adminform"].form.errors
    assert client.get(reverse("admin:workflows_tasksla_add")).status_code == 403
    assert client.get(reverse("admin:workflows_tasksla_delete", args=[sla.pk])).status_code == 403


def test_norms_edited_on_the_list_page_are_checked_too(client, root):
    survey = StepNorm.objects.create(step=Step.SURVEY, working_days=10, warning_days=3)
    review = StepNorm.objects.create(step=Step.NURTURING_REVIEW, working_days=10, warning_days=10, review_months=6)
    client.force_login(root)

    def post(survey_months, review_months):
        return client.post(
            changelist("stepnorm"),
            {
                "form-TOTAL_FORMS": "2",
                "form-INITIAL_FORMS": "2",
                "form-0-id": review.pk,
                "form-0-working_days": "10",
                "form-0-warning_days": "10",
                "form-0-review_months": review_months,
                "form-1-id": survey.pk,
                "form-1-working_days": "12",
                "form-1-warning_days": "3",
                "form-1-review_months": survey_months,
                "_save": "Save",
            },
        )

    assert post("6", "6").status_code == 200  # months on the survey: refused, the list shows the error
    assert post("", "").status_code == 200  # no months on the review: refused
    survey.refresh_from_db()
    assert survey.working_days == 10
    assert post("", "4").status_code == 302
    survey.refresh_from_db()
    review.refresh_from_db()
    assert (survey.working_days, review.review_months) == (12, 4)
