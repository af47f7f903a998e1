"""The admission flow: a candidate's path as tasks in the same inbox, assigned by the same rules, with deadlines in
working days (Tết skipped), reminders through the same sweep, the rules of each step (age, certificate, mentors,
probation), the candidate's pages and jurisdiction (own, child, sibling)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.errors import Conflict, Forbidden, Invalid
from members import candidates
from members.models import Candidate, PartyMember
from notifications.models import Notification
from notifications.reminders.sweeps import sweep_task_overdue
from org.models import Role
from tests.factories import EnterpriseFactory, add_full_members
from workflows.calendar import WorkingCalendar
from workflows.candidate_flow import AdmissionFlow
from workflows.models import CandidateProcess, Step

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def ago(**kwargs) -> datetime.date:
    return TODAY - relativedelta(**kwargs)


@pytest.fixture
def team(ward, make_official):
    return {
        "field": make_official(ward, Role.WARD_OFFICIAL, username="a.canbo"),
        "officer": make_official(ward, Role.ORGANIZATION_OFFICER, username="b.bantochuc"),
        "decider": make_official(ward, Role.DECISION_MAKER, username="c.bithu"),
    }


@pytest.fixture
def enterprise(ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 2)  # the mentors
    return enterprise


def open_task(candidate):
    return Task.objects.select_related("sla").get(
        process__candidateprocess__candidate=candidate,
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
        flow_task_type="HUMAN",
    )


def complete(client, official, candidate, data, expected_step):
    task = open_task(candidate)
    assert task.flow_task.name == expected_step
    assert task.owner == official
    client.force_login(official)
    response = client.post(reverse("workflows:task", args=[task.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    candidate.refresh_from_db()
    return task


def recommend(client, team, enterprise, **extra):
    client.force_login(team["field"])
    data = {
        "full_name": "Nguyễn Thị Ưu Tú",
        "born_on": ago(years=30).isoformat(),
        "recommended_by": "trade_union",
        "recommended_on": ago(years=2).isoformat(),
        **extra,
    }
    response = client.post(reverse("workflows:candidate_new", args=[enterprise.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Candidate.objects.get(full_name=data["full_name"])


def through_decision(client, team, enterprise, **extra) -> Candidate:
    """Recommended two years ago, course, application, check, resolution and decision 14 months ago."""
    candidate = recommend(client, team, enterprise, **extra)
    mentors = list(enterprise.members.all())
    complete(client, team["field"], candidate, {"passed_on": ago(months=22).isoformat()}, "candidate_course")
    complete(
        client,
        team["field"],
        candidate,
        {"applied_on": ago(months=20).isoformat(), "mentor_1": mentors[0].pk, "mentor_2": mentors[1].pk},
        "candidate_application",
    )
    complete(client, team["officer"], candidate, {"checked_on": ago(months=17).isoformat()}, "candidate_check")
    complete(
        client,
        team["officer"],
        candidate,
        {"resolved_on": ago(months=16).isoformat(), "resolved_by": "committee"},
        "candidate_resolution",
    )
    complete(
        client,
        team["decider"],
        candidate,
        {"decided_on": ago(months=14).isoformat(), "decision_number": "12-QĐ/ĐU"},
        "candidate_decision",
    )
    return candidate


def test_a_candidate_through_admission_probation_and_recognition(client, team, enterprise):
    candidate = through_decision(client, team, enterprise, is_owner="on")
    assert set(candidate.mentors.all()) == set(enterprise.members.all())
    assert candidate.stage == Candidate.Stage.DECIDED

    # The ceremony within 30 working days of the decision: its deadline counts from the decision date.
    task = open_task(candidate)
    assert task.flow_task.name == "candidate_ceremony" and task.owner == team["officer"]
    assert task.sla.due_on == WorkingCalendar().add(candidate.decided_on, 30)
    complete(client, team["officer"], candidate, {"held_on": ago(months=13).isoformat()}, "candidate_ceremony")
    member = candidate.member
    assert (member.status, member.admitted_on, member.is_owner, member.arrival) == (
        "probationary",
        ago(months=13),
        True,
        "admitted",
    )

    # The cell's review: within 30 working days after the 12 months.
    review = open_task(candidate)
    end = member.projected_recognition_on
    assert review.sla.due_on == WorkingCalendar().add(end, 30)
    complete(client, team["field"], candidate, {"reviewed_on": TODAY.isoformat()}, "candidate_review")

    recognition = open_task(candidate)
    assert recognition.owner == team["decider"]
    complete(client, team["decider"], candidate, {"decided_on": TODAY.isoformat()}, "candidate_recognition")
    member.refresh_from_db()
    assert (member.status, member.recognized_full_on, member.recognition_decided_on) == ("full", end, TODAY)
    assert candidate.stage == Candidate.Stage.RECOGNISED
    assert CandidateProcess.objects.get(candidate=candidate).finished is not None
    assert [e.stage for e in candidate.events.order_by("pk")] == [
        "recommended", "trained", "applied", "checked", "resolved", "decided", "probation", "reviewed", "recognised",
    ]  # fmt: skip


def test_the_review_is_refused_before_the_twelve_months_end(client, team, enterprise):
    candidate = through_decision(client, team, enterprise)
    complete(client, team["officer"], candidate, {"held_on": ago(months=3).isoformat()}, "candidate_ceremony")
    task = open_task(candidate)
    assert task.sla.follow_up_on == task.sla.warn_on  # out of the inbox until near the end of probation
    client.force_login(team["field"])
    response = client.post(reverse("workflows:task", args=[task.pk]), {"reviewed_on": TODAY.isoformat()})
    assert response.status_code == 400
    assert open_task(candidate).pk == task.pk
    candidate.refresh_from_db()
    assert candidate.stage == Candidate.Stage.PROBATION


def test_age_is_checked_at_the_resolution_unless_an_exception_is_noted(ward, team, enterprise):
    candidate = candidates.candidate_recommend(
        actor=team["field"],
        enterprise_id=enterprise.pk,
        full_name="Trẻ Tuổi",
        born_on=ago(years=17),
        recommended_by="youth_union",
        recommended_on=ago(months=10),
    )
    candidates.candidate_record_course(actor=team["field"], candidate_id=candidate.pk, passed_on=ago(months=9))
    mentors = [m.pk for m in enterprise.members.all()]
    candidates.candidate_apply(
        actor=team["field"], candidate_id=candidate.pk, applied_on=ago(months=8), mentor_ids=mentors
    )
    candidates.candidate_record_check(actor=team["officer"], candidate_id=candidate.pk, checked_on=ago(months=7))
    resolve = {
        "actor": team["officer"],
        "candidate_id": candidate.pk,
        "resolved_on": ago(months=6),
        "resolved_by": "cell",
    }
    with pytest.raises(Invalid) as exc:  # 17 on the day the cell considers the admission
        candidates.candidate_record_resolution(**resolve)
    assert exc.value.code == "age"
    candidates.candidate_record_resolution(**resolve, age_exception="Ngoại lệ theo HD 06-HD/TW")
    decide = {"actor": team["decider"], "candidate_id": candidate.pk, "decided_on": ago(months=5)}
    with pytest.raises(Forbidden):  # the officer may not decide
        candidates.candidate_decide_admission(**{**decide, "actor": team["officer"]}, decision_number="1")
    candidates.candidate_decide_admission(**decide, decision_number="1-QĐ/ĐU")
    candidate.refresh_from_db()
    assert candidate.stage == Candidate.Stage.DECIDED


def test_an_expired_certificate_and_wrong_mentors_are_refused(team, enterprise, ward):
    candidate = candidates.candidate_recommend(
        actor=team["field"],
        enterprise_id=enterprise.pk,
        full_name="Lâu Năm",
        born_on=ago(years=40),
        recommended_by="cell",
        recommended_on=ago(years=7),
    )
    candidates.candidate_record_course(actor=team["field"], candidate_id=candidate.pk, passed_on=ago(years=6))
    probationary = PartyMember.objects.create(enterprise=enterprise, full_name="Dự Bị", admitted_on=ago(months=2))
    full = list(enterprise.members.filter(status="full"))
    for mentors in ([full[0].pk], [full[0].pk, probationary.pk], [full[0].pk, full[0].pk]):
        with pytest.raises(Invalid):
            candidates.candidate_apply(
                actor=team["field"], candidate_id=candidate.pk, applied_on=ago(years=5, months=1), mentor_ids=mentors
            )
    candidates.candidate_apply(
        actor=team["field"],
        candidate_id=candidate.pk,
        applied_on=ago(years=5, months=1),
        mentor_ids=[m.pk for m in full],
    )
    candidates.candidate_record_check(actor=team["officer"], candidate_id=candidate.pk, checked_on=ago(months=2))
    candidates.candidate_record_resolution(
        actor=team["officer"], candidate_id=candidate.pk, resolved_on=ago(months=1), resolved_by="cell"
    )
    with pytest.raises(Invalid) as exc:
        candidates.candidate_decide_admission(
            actor=team["decider"], candidate_id=candidate.pk, decided_on=TODAY, decision_number="2-QĐ/ĐU"
        )
    assert exc.value.code == "certificate_expired"
    with pytest.raises(Conflict):  # steps out of order
        candidates.candidate_hold_ceremony(actor=team["officer"], candidate_id=candidate.pk, held_on=TODAY)


def test_stopping_after_the_ceremony_takes_the_member_off_the_register(client, team, enterprise):
    candidate = through_decision(client, team, enterprise)
    complete(client, team["officer"], candidate, {"held_on": ago(months=6).isoformat()}, "candidate_ceremony")
    client.force_login(team["officer"])
    assert (
        client.post(reverse("workflows:candidate_stop", args=[candidate.pk]), {"stopped_on": TODAY}).status_code == 400
    )
    response = client.post(
        reverse("workflows:candidate_stop", args=[candidate.pk]),
        {"stopped_on": TODAY.isoformat(), "reason": "Vi phạm tư cách đảng viên"},
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    candidate.member.refresh_from_db()
    assert candidate.stage == Candidate.Stage.STOPPED
    assert (candidate.member.departure, candidate.member.left_on) == ("not_recognised", TODAY)
    assert CandidateProcess.objects.get(candidate=candidate).finished is not None
    assert not Task.objects.filter(
        process__candidateprocess__candidate=candidate, status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).exists()


# --- Deadlines, reminders, inbox -----------------------------------------------------------------------------------


def test_the_ceremony_deadline_skips_tet(team, enterprise):
    """A decision on 10 February 2026: Tết (17 February) falls within the 30 working days, which end later than
    30 weekdays would."""
    decided = datetime.date(2026, 2, 10)
    candidate = Candidate.objects.create(
        enterprise=enterprise,
        full_name="Tết",
        born_on=datetime.date(1990, 1, 1),
        recommended_by="cell",
        recommended_on=datetime.date(2025, 6, 1),
        stage=Candidate.Stage.DECIDED,
        decided_on=decided,
    )
    AdmissionFlow.start.run(candidate=candidate)
    sla = open_task(candidate).sla
    weekdays, day = 0, decided
    while weekdays < 30:
        day += datetime.timedelta(days=1)
        weekdays += day.weekday() < 5
    assert sla.step == Step.CANDIDATE_CEREMONY
    assert sla.due_on == WorkingCalendar().add(decided, 30)
    assert sla.due_on > day


def test_an_overdue_admission_step_is_reminded_exactly_once(client, team, enterprise):
    candidate = recommend(client, team, enterprise)
    sla = open_task(candidate).sla
    sla.due_on = sla.warn_on = TODAY - datetime.timedelta(days=3)
    sla.save()
    first = sweep_task_overdue(today=TODAY)
    second = sweep_task_overdue(today=TODAY)
    assert len(first) == 1 and second == []
    note = Notification.objects.get(occasion="task_overdue", recipient=team["field"])
    assert enterprise.name in note.title and note.object_key == f"task:{sla.pk}"


def test_admission_tasks_share_the_inbox_with_case_tasks(client, team, enterprise, django_assert_max_num_queries):
    from cases import services as case_services

    case_services.case_open(actor=team["field"], enterprise=enterprise)
    for i in range(5):
        recommend(client, team, enterprise, full_name=f"Ứng viên {i}")
    client.force_login(team["field"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workflows:inbox"))
    rows = list(response.context["page"])
    assert {r.step for r in rows} == {"survey", "candidate_course"}
    assert "Ứng viên 3" in response.content.decode()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("workflows:inbox"), {"q": enterprise.name}).status_code == 200


# --- Pages and jurisdiction ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 30])
def test_candidate_pages_run_a_constant_number_of_queries(
    n, client, team, enterprise, ward, django_assert_max_num_queries
):
    for i in range(n):
        candidate = recommend(client, team, enterprise, full_name=f"Người {i}")
    client.force_login(team["field"])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("workflows:candidates")).status_code == 200
    with django_assert_max_num_queries(12):
        page = client.get(reverse("workflows:candidate", args=[candidate.pk]))
    assert page.status_code == 200 and "Người" in page.content.decode()
    with django_assert_max_num_queries(16):
        html = client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert f"Người {n - 1}" in html


@pytest.mark.parametrize("viewer, seen", [("own", True), ("parent", True), ("sibling", False)])
def test_candidates_follow_jurisdiction(viewer, seen, client, team, enterprise, province, sibling_ward, make_official):
    candidate = recommend(client, team, enterprise)
    task = open_task(candidate)
    official = {
        "own": team["field"],
        "parent": make_official(province, Role.WARD_OFFICIAL),
        "sibling": make_official(sibling_ward, Role.WARD_OFFICIAL),
    }[viewer]
    client.force_login(official)
    expected = 200 if seen else 404
    assert client.get(reverse("workflows:candidate", args=[candidate.pk])).status_code == expected
    assert client.get(reverse("workflows:task", args=[task.pk])).status_code == expected
    listed = client.get(reverse("workflows:candidates")).content.decode()
    assert (candidate.full_name in listed) is seen
    if not seen:
        response = client.post(
            reverse("workflows:candidate_stop", args=[candidate.pk]), {"stopped_on": TODAY, "reason": "x"}
        )
        assert response.status_code == 404
        candidate.refresh_from_db()
        assert candidate.stage == Candidate.Stage.RECOMMENDED


def test_admission_tasks_are_listed_and_completed_through_the_api(team, enterprise, sibling_ward, make_official):
    from rest_framework.test import APIClient

    candidate = candidates.candidate_recommend(
        actor=team["field"],
        enterprise_id=enterprise.pk,
        full_name="API",
        born_on=ago(years=30),
        recommended_by="cell",
        recommended_on=TODAY,
    )
    task = open_task(candidate)
    api = APIClient()
    url = reverse("api:task_complete", args=[task.pk])
    api.force_login(make_official(sibling_ward, Role.WARD_OFFICIAL))
    assert api.post(url, {"passed_on": str(TODAY)}, format="json").status_code == 404
    api.force_login(team["field"])
    inbox = api.get(reverse("api:task_inbox")).json()
    row = next(r for r in inbox["results"] if r["id"] == task.pk)
    assert row["case"] is None and row["enterprise"]["id"] == enterprise.pk
    future = (TODAY + datetime.timedelta(days=1)).isoformat()
    assert api.post(url, {"passed_on": future}, format="json").status_code == 400
    response = api.post(url, {"passed_on": str(TODAY), "certificate_number": "GCN-9"}, format="json")
    assert response.status_code == 200, response.json()
    candidate.refresh_from_db()
    assert (candidate.stage, candidate.certificate_number) == (Candidate.Stage.TRAINED, "GCN-9")
    assert open_task(candidate).flow_task.name == "candidate_application"
    assert api.post(url, {"passed_on": str(TODAY)}, format="json").status_code == 409  # done already
