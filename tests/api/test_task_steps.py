"""A case taken from survey to established through the API's task steps (the task page's forms and services), my
follow-ups, and the team list and reassignment of supervisors."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from cases import services as case_services
from cases.models import Case
from org.models import Role
from tests.factories import EnterpriseFactory, add_full_members
from tests.workflows.conftest import open_task
from workflows.models import TaskSLA

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 20)


@pytest.fixture
def team(ward, make_official):
    return {
        "field": make_official(ward, Role.WARD_OFFICIAL, username="a.canbo"),
        "officer": make_official(ward, Role.ORGANIZATION_OFFICER, username="a.bantochuc"),
        "decider": make_official(ward, Role.DECISION_MAKER, username="a.bithu"),
    }


def _complete(api, official, task, body):
    api.force_login(official)
    return api.post(reverse("api:task_complete", args=[task.pk]), body, format="json")


def test_a_case_from_survey_to_established_through_the_api(api, team, ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    case = case_services.case_open(actor=team["field"], enterprise=enterprise)

    survey = open_task(case)
    response = _complete(api, team["field"], survey, {"kind": "deep", "surveyed_on": str(DAY), "worker_count": 80})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "DONE"
    outreach = open_task(case)
    assert outreach.flow_task.name == "outreach"

    agrees = {"contacted_on": str(DAY), "met_whom": "Ông A", "stance": "agrees"}
    assert _complete(api, team["field"], outreach, agrees).status_code == 200
    proposal = open_task(case)
    assert (proposal.flow_task.name, proposal.owner) == ("proposal", team["officer"])

    members = sorted(enterprise.members.values_list("pk", flat=True))
    body = {
        "cell_name": "Chi bộ Công ty A",
        "members": members,
        "secretary": members[0],
        "deputy": members[1],
        "reports_to": ward.pk,
        "dated_on": str(DAY),  # the decision (dated DAY) is not before the submission
    }
    assert _complete(api, team["officer"], proposal, body).status_code == 200
    decision = open_task(case)
    assert (decision.flow_task.name, decision.owner) == ("decision", team["decider"])

    approve = {
        "outcome": "approve",
        "decision_number": "9-QĐ/ĐU",
        "decision_date": str(DAY),
        "deciding_committee": ward.pk,
    }
    assert _complete(api, team["decider"], decision, approve).status_code == 200
    case.refresh_from_db()
    assert case.state == Case.State.ESTABLISHED
    assert case.history.filter(event="approve", actor=team["decider"]).exists()


def test_a_step_form_refuses_bad_input_and_another_officials_task(api, team, ward):
    case = case_services.case_open(actor=team["field"], enterprise=EnterpriseFactory(unit=ward))
    survey = open_task(case)
    response = _complete(api, team["field"], survey, {"kind": "sideways", "surveyed_on": "20/13/2026"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"kind", "surveyed_on"}
    assert open_task(case).pk == survey.pk  # nothing done

    listed = _complete(api, team["field"], survey, {"kind": "deep", "surveyed_on": str(DAY), "note": ["a"]})
    assert listed.status_code == 400 and "note" in listed.json()["error"]["fields"]

    response = _complete(api, team["officer"], survey, {"kind": "deep", "surveyed_on": str(DAY)})
    assert response.status_code in (403, 409)  # not the officer's task: refused by the service
    assert open_task(case).pk == survey.pk and case.history.filter(event="survey").count() == 0


def test_a_proposal_must_list_members_of_the_enterprise(api, team, ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    stranger = EnterpriseFactory(unit=ward)
    add_full_members(stranger, 1)
    case = case_services.case_open(actor=team["field"], enterprise=enterprise)
    _complete(api, team["field"], open_task(case), {"kind": "deep", "surveyed_on": str(DAY)})
    _complete(api, team["field"], open_task(case), {"contacted_on": str(DAY), "met_whom": "Ông A", "stance": "agrees"})
    proposal = open_task(case)
    theirs = stranger.members.get().pk
    members = list(enterprise.members.values_list("pk", flat=True))
    body = {"cell_name": "Chi bộ", "members": [*members, theirs], "secretary": theirs, "reports_to": ward.pk}
    response = _complete(api, team["officer"], proposal, body)
    assert response.status_code == 400 and {"members", "secretary"} <= set(response.json()["error"]["fields"])
    not_a_list = _complete(api, team["officer"], proposal, {**body, "members": members[0]})
    assert not_a_list.status_code == 400 and "members" in not_a_list.json()["error"]["fields"]
    assert open_task(case).pk == proposal.pk


def test_follow_up_hides_my_task_until_a_date(api, team, ward):
    case = case_services.case_open(actor=team["field"], enterprise=EnterpriseFactory(unit=ward))
    task = open_task(case)
    api.force_login(team["field"])
    url = reverse("api:task_follow_up", args=[task.pk])
    later = datetime.date.today() + datetime.timedelta(days=10)
    assert api.post(url, {"until": str(later)}, format="json").status_code == 200
    assert TaskSLA.objects.get(pk=task.pk).follow_up_on == later
    assert api.get(reverse("api:task_inbox")).json()["results"] == []
    assert [t["id"] for t in api.get(reverse("api:task_inbox"), {"show_hidden": "true"}).json()["results"]] == [task.pk]
    assert api.post(url, {"until": None}, format="json").status_code == 200
    assert TaskSLA.objects.get(pk=task.pk).follow_up_on is None
    bad = api.post(url, {"until": "tomorrow"}, format="json")
    assert bad.status_code == 400 and "until" in bad.json()["error"]["fields"]
    api.force_login(team["officer"])  # not their task
    assert api.post(url, {"until": str(later)}, format="json").status_code == 404


def test_team_list_and_reassignment_for_supervisors_only(api, team, ward, sibling_ward, make_official):
    mine = open_task(case_services.case_open(actor=team["field"], enterprise=EnterpriseFactory(unit=ward)))
    sibling_official = make_official(sibling_ward, Role.WARD_OFFICIAL, username="a.sibling")
    theirs = open_task(case_services.case_open(actor=sibling_official, enterprise=EnterpriseFactory(unit=sibling_ward)))
    supervisor = make_official(ward, Role.SUPERVISOR)
    successor = make_official(ward, Role.WARD_OFFICIAL, username="b.canbo")

    api.force_login(team["field"])
    refused = api.get(reverse("api:task_team"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role"
    body = {"tasks": [mine.pk], "new_owner": successor.pk}
    assert api.post(reverse("api:task_reassign"), body, format="json").status_code == 403
    assert Task.objects.get(pk=mine.pk).owner_id == team["field"].pk

    api.force_login(supervisor)
    assert [t["id"] for t in api.get(reverse("api:task_team")).json()["results"]] == [mine.pk]
    response = api.post(reverse("api:task_reassign"), body, format="json")
    assert response.status_code == 200 and response.json() == {"reassigned": 1}, response.json()
    assert Task.objects.get(pk=mine.pk).owner_id == successor.pk

    outside = api.post(reverse("api:task_reassign"), {"tasks": [theirs.pk], "new_owner": successor.pk}, format="json")
    assert outside.status_code == 409 and Task.objects.get(pk=theirs.pk).owner_id == sibling_official.pk
    to_sibling = api.post(reverse("api:task_reassign"), {**body, "new_owner": sibling_official.pk}, format="json")
    assert to_sibling.status_code == 400 and "new_owner" in to_sibling.json()["error"]["fields"]
    empty = api.post(reverse("api:task_reassign"), {"tasks": [], "new_owner": successor.pk}, format="json")
    assert empty.status_code == 400 and "tasks" in empty.json()["error"]["fields"]


def test_team_list_query_count_is_constant(api, team, ward, make_official, django_assert_max_num_queries):
    supervisor = make_official(ward, Role.SUPERVISOR)
    for _ in range(6):
        case_services.case_open(actor=team["field"], enterprise=EnterpriseFactory(unit=ward))
    api.force_login(supervisor)
    with django_assert_max_num_queries(12):
        body = api.get(reverse("api:task_team")).json()
    assert len(body["results"]) == 6
