"""The inbox, queue, team and task pages: what an official sees and can do, and what they cannot."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from cases.models import Case
from devdata.builders import bulk_tasks
from members import services as member_services
from org.models import Role
from tests.factories import EnterpriseFactory, add_full_members
from workflows.models import SavedFilter, TaskSLA

from .conftest import open_task

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.mark.parametrize("n", [20, 2000])
def test_inbox_runs_a_constant_number_of_queries(n, client, ward, make_official, django_assert_max_num_queries):
    me = make_official(ward, Role.WARD_OFFICIAL)
    bulk_tasks(unit=ward, n=n, owner=me)
    client.force_login(me)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workflows:inbox"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == n


@pytest.mark.parametrize("n", [20, 2000])
def test_queue_runs_a_constant_number_of_queries(n, client, ward, make_official, django_assert_max_num_queries):
    me = make_official(ward, Role.WARD_OFFICIAL)
    bulk_tasks(unit=ward, n=n)
    client.force_login(me)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workflows:queue"))
    assert response.context["page"].paginator.count == n


def test_team_page_query_count(client, ward, make_official, django_assert_max_num_queries):
    supervisor = make_official(ward, Role.SUPERVISOR)
    bulk_tasks(unit=ward, n=60, owner=make_official(ward, Role.WARD_OFFICIAL))
    client.force_login(supervisor)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("workflows:team")).status_code == 200


def test_inbox_sorted_by_due_date_and_marks_overdue_and_soon(client, ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    later, overdue, soon = (
        bulk_tasks(unit=ward, n=1, owner=me, start=i, due_on=d)[0]
        for i, d in enumerate(
            [
                TODAY + datetime.timedelta(days=30),
                TODAY - datetime.timedelta(days=2),
                TODAY + datetime.timedelta(days=1),
            ]
        )
    )
    client.force_login(me)
    rows = list(client.get(reverse("workflows:inbox")).context["page"])
    assert [r.pk for r in rows] == [overdue.pk, soon.pk, later.pk]
    assert [r.due_status for r in rows] == ["overdue", "soon", "on_time"]
    only_overdue = client.get(reverse("workflows:inbox"), {"due": "overdue"}).context["page"]
    assert [r.pk for r in only_overdue] == [overdue.pk]


def test_inbox_shows_only_my_tasks_and_searches_without_diacritics(client, ward, make_official):
    me, colleague = make_official(ward, Role.WARD_OFFICIAL), make_official(ward, Role.WARD_OFFICIAL)
    mine = bulk_tasks(unit=ward, n=3, owner=me)
    bulk_tasks(unit=ward, n=2, owner=colleague, start=100)
    client.force_login(me)
    assert {r.pk for r in client.get(reverse("workflows:inbox")).context["page"]} == {t.pk for t in mine}
    found = client.get(reverse("workflows:inbox"), {"q": "cong ty hang loat 1"}).context["page"]
    assert [r.pk for r in found] == [mine[1].pk]


def test_hide_until_and_show_again(client, ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    task = bulk_tasks(unit=ward, n=1, owner=me)[0]
    client.force_login(me)
    until = (TODAY + datetime.timedelta(days=5)).isoformat()
    client.post(reverse("workflows:follow_up", args=[task.pk]), {"until": until})
    assert client.get(reverse("workflows:inbox")).context["page"].paginator.count == 0
    assert client.get(reverse("workflows:inbox"), {"show_hidden": "on"}).context["page"].paginator.count == 1
    client.post(reverse("workflows:follow_up", args=[task.pk]), {"until": ""})
    assert client.get(reverse("workflows:inbox")).context["page"].paginator.count == 1


def test_cannot_hide_someone_elses_task(client, ward, make_official):
    me, other = make_official(ward, Role.WARD_OFFICIAL), make_official(ward, Role.WARD_OFFICIAL)
    task = bulk_tasks(unit=ward, n=1, owner=other)[0]
    client.force_login(me)
    client.post(reverse("workflows:follow_up", args=[task.pk]), {"until": "2030-01-01"})
    assert TaskSLA.objects.get(pk=task.pk).follow_up_on is None


def test_saved_filters_shared_with_my_unit_only(client, ward, sibling_ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    colleague = make_official(ward, Role.WARD_OFFICIAL)
    stranger = make_official(sibling_ward, Role.WARD_OFFICIAL)
    client.force_login(me)
    client.post(reverse("workflows:save_filter"), {"name": "Quá hạn", "query": "due=overdue", "shared": "on"})
    client.post(reverse("workflows:save_filter"), {"name": "Riêng", "query": "step=survey"})
    assert SavedFilter.objects.filter(owner=me).count() == 2
    client.force_login(colleague)
    names = [f.name for f in client.get(reverse("workflows:inbox")).context["saved_filters"]]
    assert names == ["Quá hạn"]
    client.force_login(stranger)
    assert client.get(reverse("workflows:inbox")).context["saved_filters"] == []


def test_queue_is_my_units_unassigned_tasks_and_claim_many(client, ward, sibling_ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    mine = bulk_tasks(unit=ward, n=3)
    theirs = bulk_tasks(unit=sibling_ward, n=2, start=50)
    client.force_login(me)
    assert {r.pk for r in client.get(reverse("workflows:queue")).context["page"]} == {t.pk for t in mine}
    client.post(reverse("workflows:claim"), {"tasks": [mine[0].pk, mine[1].pk]})
    assert set(Task.objects.filter(owner=me).values_list("pk", flat=True)) == {mine[0].pk, mine[1].pk}
    response = client.post(reverse("workflows:claim"), {"tasks": [theirs[0].pk]}, follow=True)
    assert Task.objects.get(pk=theirs[0].pk).owner is None
    assert response.status_code == 200 and list(response.context["messages"])


def test_claim_refuses_a_step_my_role_cannot_do(client, ward, make_official):
    officer = make_official(ward, Role.ORGANIZATION_OFFICER)
    task = bulk_tasks(unit=ward, n=1, step="survey")[0]
    client.force_login(officer)
    client.post(reverse("workflows:claim"), {"tasks": [task.pk]})
    assert Task.objects.get(pk=task.pk).owner is None


def test_supervisor_reassigns_many_at_once(client, ward, make_official):
    supervisor = make_official(ward, Role.SUPERVISOR)
    before, after = make_official(ward, Role.WARD_OFFICIAL), make_official(ward, Role.WARD_OFFICIAL)
    tasks = bulk_tasks(unit=ward, n=3, owner=before)
    client.force_login(supervisor)
    client.post(reverse("workflows:reassign"), {"tasks": [t.pk for t in tasks], "new_owner": after.pk})
    assert set(Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("owner", flat=True)) == {after.pk}


def test_team_page_is_for_supervisors_only(client, ward, make_official):
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    assert client.get(reverse("workflows:team")).status_code == 403
    assert client.post(reverse("workflows:reassign"), {"tasks": [1], "new_owner": 1}).status_code == 302
    assert not Task.objects.exists()


# --- The task page, with the real flow ---------------------------------------------------------------


@pytest.fixture
def started_case(ward, make_official):
    field = make_official(ward, Role.WARD_OFFICIAL, username="a.field")
    make_official(ward, Role.ORGANIZATION_OFFICER, username="b.officer")
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    case = case_services.case_open(actor=field, enterprise=enterprise)
    return case, field


def test_survey_task_through_the_page(client, started_case):
    case, field = started_case
    task = open_task(case)
    client.force_login(field)
    page = client.get(reverse("workflows:task", args=[task.pk]))
    assert page.status_code == 200 and "form" in page.context
    response = client.post(
        reverse("workflows:task", args=[task.pk]),
        {"kind": "deep", "surveyed_on": TODAY.isoformat(), "worker_count": "40"},
    )
    assert response.status_code == 302 and response.url == reverse("workflows:inbox")
    case.refresh_from_db()
    assert case.state == Case.State.OUTREACH
    assert open_task(case).flow_task.name == "outreach"


def test_bad_input_on_the_task_page_is_400_and_changes_nothing(client, started_case):
    case, field = started_case
    task = open_task(case)
    client.force_login(field)
    response = client.post(reverse("workflows:task", args=[task.pk]), {"kind": "nonsense", "surveyed_on": "x"})
    assert response.status_code == 400 and response.context["form"].errors
    assert open_task(case).pk == task.pk and not case.surveys.exists()


def test_undecided_owner_keeps_the_task_open_on_its_page(client, started_case):
    case, field = started_case
    client.force_login(field)
    task = open_task(case)
    client.post(reverse("workflows:task", args=[task.pk]), {"kind": "basic", "surveyed_on": TODAY.isoformat()})
    task = open_task(case)
    response = client.post(
        reverse("workflows:task", args=[task.pk]),
        {"contacted_on": TODAY.isoformat(), "met_whom": "Bà B", "stance": "undecided"},
    )
    assert response.status_code == 302 and response.url == reverse("workflows:task", args=[task.pk])
    assert case.contacts.count() == 1


def test_guard_failure_on_the_task_page_shows_why(client, started_case):
    case, field = started_case
    client.force_login(field)
    client.post(
        reverse("workflows:task", args=[open_task(case).pk]), {"kind": "basic", "surveyed_on": TODAY.isoformat()}
    )
    member = case.enterprise.members.first()
    member_services.member_mark_left(actor=field, member_id=member.pk, left_on=TODAY)
    task = open_task(case)
    response = client.post(
        reverse("workflows:task", args=[task.pk]),
        {"contacted_on": TODAY.isoformat(), "met_whom": "Ông C", "stance": "agrees"},
    )
    assert response.status_code == 409
    assert "2" in response.context["error"]
    case.refresh_from_db()
    assert case.state == Case.State.OUTREACH and not case.contacts.exists()
    assert Task.objects.get(pk=task.pk).status == STATUS.ASSIGNED


def test_crafted_post_to_another_units_task_is_404(client, started_case, sibling_ward, make_official):
    case, _ = started_case
    outsider = make_official(sibling_ward, Role.WARD_OFFICIAL)
    client.force_login(outsider)
    task = open_task(case)
    response = client.post(
        reverse("workflows:task", args=[task.pk]), {"kind": "basic", "surveyed_on": TODAY.isoformat()}
    )
    assert response.status_code == 404
    assert open_task(case).pk == task.pk


def test_task_reassigned_away_cannot_be_completed_from_the_page(client, started_case, make_official, ward):
    case, field = started_case
    task = open_task(case)
    other = make_official(ward, Role.WARD_OFFICIAL)
    Task.objects.filter(pk=task.pk).update(owner=other)
    client.force_login(field)
    page = client.get(reverse("workflows:task", args=[task.pk]))
    assert page.context["is_mine"] is False
    response = client.post(
        reverse("workflows:task", args=[task.pk]), {"kind": "basic", "surveyed_on": TODAY.isoformat()}
    )
    assert response.status_code == 403
    assert open_task(case).pk == task.pk


def test_case_page_shows_step_assignee_due_and_diagram(client, started_case):
    case, field = started_case
    client.force_login(field)
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    task = open_task(case)
    assert reverse("workflows:task", args=[task.pk]) in html
    assert reverse("workflows:case_diagram", args=[case.pk]) in html
    svg = client.get(reverse("workflows:case_diagram", args=[case.pk]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content


def test_substitute_named_in_the_page_receives_new_tasks_and_is_told(client, ward, make_official):
    away = make_official(ward, Role.WARD_OFFICIAL, username="a.away")
    stand_in = make_official(ward, Role.WARD_OFFICIAL, username="b.standin")
    client.force_login(away)
    response = client.post(
        reverse("workflows:substitute"),
        {
            "substitute": stand_in.pk,
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + datetime.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302
    enterprise = EnterpriseFactory(unit=ward)
    case = case_services.case_open(actor=away, enterprise=enterprise)
    task = open_task(case)
    assert task.owner == stand_in and task.sla.substitute_for == away
    client.force_login(stand_in)
    inbox = client.get(reverse("workflows:inbox"))
    assert [t.pk for t in inbox.context["substitute_rows"]] == [task.pk]
    assert (
        "a.away" in client.get(reverse("workflows:substitute")).content.decode()
        or str(away) in client.get(reverse("workflows:substitute")).content.decode()
    )


def test_substitute_form_rejects_bad_dates_with_400(client, ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    other = make_official(ward, Role.WARD_OFFICIAL)
    client.force_login(me)
    response = client.post(
        reverse("workflows:substitute"), {"substitute": other.pk, "starts_on": "2026-12-10", "ends_on": "2026-12-01"}
    )
    assert response.status_code == 400
    assert not me.substitutions.exists()
