"""Who gets a task: assignment rules as data, the fallback by role, substitutes; then what officials do with
tasks afterwards: claim from the queue, reassignment by a supervisor, naming a substitute."""

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from core.errors import Conflict, Forbidden, Invalid, NotFound
from devdata.builders import bulk_tasks
from org.models import Role
from tests.factories import CaseFactory, EnterpriseFactory, OfficialFactory, UnitFactory, add_full_members
from workflows import services
from workflows.assignment import assignee_pick, substitute_for
from workflows.models import AssignmentRule, Step, Substitute, TaskSLA
from workflows.selectors import queue_for_official

from .conftest import open_task

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)  # a Tuesday
DAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: real(value) if value else TODAY)


def new_task(unit, opener, **enterprise):
    """Open a case through the services (the flow starts and opens the survey task) and return that task."""
    case = case_services.case_open(actor=opener, enterprise=EnterpriseFactory(unit=unit, **enterprise))
    return open_task(case)


def refresh(task):
    return Task.objects.select_related("owner", "sla").get(pk=task.pk)


# --- Assignment rules ----------------------------------------------------------------------------------


def test_nearest_rule_up_the_unit_tree_wins(province, ward, sibling_ward, make_official):
    province_field = make_official(province, Role.WARD_OFFICIAL, username="p.field")
    ward_field = make_official(ward, Role.WARD_OFFICIAL, username="w.field")
    AssignmentRule.objects.create(unit=province, step=Step.SURVEY, official=province_field)
    AssignmentRule.objects.create(unit=ward, step=Step.SURVEY, official=ward_field)
    assert new_task(ward, ward_field).owner == ward_field
    # The sibling ward has no rule of its own: the province's applies.
    assert new_task(sibling_ward, province_field).owner == province_field


def test_rules_are_per_step(province, ward, make_official):
    field = make_official(ward, Role.WARD_OFFICIAL, username="z.field")
    officer = make_official(province, Role.ORGANIZATION_OFFICER, username="p.officer")
    decider = make_official(province, Role.DECISION_MAKER, username="p.decider")
    make_official(ward, Role.DECISION_MAKER, username="a.ward-decider")  # the fallback would pick this one
    AssignmentRule.objects.create(unit=province, step=Step.DECISION, official=decider)
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    assert assignee_pick(case=case, step=Step.DECISION) == decider
    assert assignee_pick(case=case, step=Step.SURVEY) == field
    assert assignee_pick(case=case, step=Step.PROPOSAL) == officer  # no rule, fallback by role up the tree


def test_rule_in_a_unit_below_does_not_apply_above(province, ward, make_official):
    ward_field = make_official(ward, Role.WARD_OFFICIAL)
    province_field = make_official(province, Role.WARD_OFFICIAL)
    AssignmentRule.objects.create(unit=ward, step=Step.SURVEY, official=ward_field)
    case = CaseFactory(enterprise=EnterpriseFactory(unit=province))
    assert assignee_pick(case=case, step=Step.SURVEY) == province_field


def test_rule_with_an_inactive_official_is_skipped(province, ward, make_official):
    province_field = make_official(province, Role.WARD_OFFICIAL, username="p.field")
    gone = make_official(ward, Role.WARD_OFFICIAL, username="a.gone", is_active=False)
    AssignmentRule.objects.create(unit=province, step=Step.SURVEY, official=province_field)
    AssignmentRule.objects.create(unit=ward, step=Step.SURVEY, official=gone)
    assert new_task(ward, province_field).owner == province_field


def test_a_rule_is_data_an_administrator_changes(ward, make_official):
    first = make_official(ward, Role.WARD_OFFICIAL, username="a.first")
    second = make_official(ward, Role.WARD_OFFICIAL, username="b.second")
    rule = AssignmentRule.objects.create(unit=ward, step=Step.SURVEY, official=second)
    assert new_task(ward, first).owner == second
    rule.official = first
    rule.save()
    assert new_task(ward, first).owner == first


# --- Fallback by role ----------------------------------------------------------------------------------


def test_fallback_first_official_with_the_role_in_the_nearest_unit(province, ward, make_official):
    make_official(province, Role.WARD_OFFICIAL, username="a.province")
    make_official(ward, Role.WARD_OFFICIAL, username="c.ward")
    first = make_official(ward, Role.WARD_OFFICIAL, username="b.ward")
    make_official(ward, Role.ORGANIZATION_OFFICER, username="a.officer")  # wrong role for a survey
    task = new_task(ward, first)
    assert (task.owner, task.status) == (first, STATUS.ASSIGNED)


def test_fallback_climbs_to_the_unit_above_when_the_ward_has_no_one(province, ward, make_official):
    above = make_official(province, Role.WARD_OFFICIAL, username="p.field")
    make_official(ward, Role.WARD_OFFICIAL, username="a.left", is_active=False)
    opener = make_official(ward, Role.ORGANIZATION_OFFICER)
    assert new_task(ward, opener).owner == above


def test_fallback_never_looks_at_a_sibling_unit(ward, sibling_ward, make_official):
    make_official(sibling_ward, Role.WARD_OFFICIAL)
    opener = make_official(ward, Role.ORGANIZATION_OFFICER)
    task = new_task(ward, opener)
    assert task.owner is None


def test_no_one_to_assign_leaves_the_task_in_the_units_queue(ward, sibling_ward, make_official):
    opener = make_official(ward, Role.ORGANIZATION_OFFICER)
    task = new_task(ward, opener)
    assert (task.owner, task.status) == (None, STATUS.NEW)
    sla = task.sla
    assert (sla.unit, sla.step, sla.substitute_for) == (ward, Step.SURVEY, None)
    newcomer = make_official(ward, Role.WARD_OFFICIAL)
    assert [row.pk for row in queue_for_official(official=newcomer)] == [task.pk]
    assert list(queue_for_official(official=make_official(sibling_ward, Role.WARD_OFFICIAL))) == []
    assert services.task_claim(actor=newcomer, task_ids=[task.pk]) == 1
    assert refresh(task).owner == newcomer


# --- Substitutes ---------------------------------------------------------------------------------------


@pytest.fixture
def away_and_stand_in(ward, make_official):
    away = make_official(ward, Role.WARD_OFFICIAL, username="a.away")
    stand_in = make_official(ward, Role.WARD_OFFICIAL, username="b.standin")
    return away, stand_in


@pytest.mark.parametrize("starts,ends", [(TODAY, TODAY), (DAY, TODAY), (TODAY, TODAY + datetime.timedelta(days=9))])
def test_official_on_leave_new_tasks_go_to_the_substitute(starts, ends, ward, away_and_stand_in):
    away, stand_in = away_and_stand_in
    Substitute.objects.create(official=away, substitute=stand_in, starts_on=starts, ends_on=ends)
    task = new_task(ward, away)
    assert (task.owner, task.sla.substitute_for) == (stand_in, away)


@pytest.mark.parametrize(
    "starts,ends",
    [(DAY, TODAY - datetime.timedelta(days=1)), (TODAY + datetime.timedelta(days=1), TODAY.replace(day=20))],
)
def test_outside_the_leave_dates_tasks_go_to_the_official(starts, ends, ward, away_and_stand_in):
    away, stand_in = away_and_stand_in
    Substitute.objects.create(official=away, substitute=stand_in, starts_on=starts, ends_on=ends)
    task = new_task(ward, away)
    assert (task.owner, task.sla.substitute_for) == (away, None)


def test_substitute_applies_to_a_rules_assignee_too(province, ward, make_official, away_and_stand_in):
    away, stand_in = away_and_stand_in
    make_official(ward, Role.WARD_OFFICIAL, username="0.first-by-name")
    AssignmentRule.objects.create(unit=ward, step=Step.SURVEY, official=away)
    Substitute.objects.create(official=away, substitute=stand_in, starts_on=DAY, ends_on=TODAY)
    task = new_task(ward, away)
    assert (task.owner, task.sla.substitute_for) == (stand_in, away)


def test_inactive_substitute_is_ignored(ward, away_and_stand_in):
    away, stand_in = away_and_stand_in
    Substitute.objects.create(official=away, substitute=stand_in, starts_on=DAY, ends_on=TODAY)
    stand_in.is_active = False
    stand_in.save()
    assert substitute_for(official=away, on=TODAY) is None
    assert new_task(ward, away).owner == away


def test_existing_tasks_stay_with_the_official_on_leave(ward, away_and_stand_in):
    away, stand_in = away_and_stand_in
    before = new_task(ward, away)
    services.substitute_set(actor=away, substitute=stand_in, starts_on=TODAY, ends_on=TODAY.replace(day=20))
    assert refresh(before).owner == away
    assert new_task(ward, away).owner == stand_in


def test_substitute_end_gives_new_tasks_back(ward, away_and_stand_in):
    away, stand_in = away_and_stand_in
    sub = services.substitute_set(actor=away, substitute=stand_in, starts_on=TODAY, ends_on=TODAY.replace(day=20))
    services.substitute_end(actor=stand_in, substitute_id=sub.pk)  # not theirs to end
    assert Substitute.objects.filter(pk=sub.pk).exists()
    services.substitute_end(actor=away, substitute_id=sub.pk)
    assert new_task(ward, away).owner == away


# --- substitute_set validation -------------------------------------------------------------------------


def test_substitute_set_records_the_leave(away_and_stand_in):
    away, stand_in = away_and_stand_in
    sub = services.substitute_set(actor=away, substitute=stand_in, starts_on=TODAY, ends_on=TODAY)
    assert (sub.official, sub.substitute, sub.starts_on, sub.ends_on) == (away, stand_in, TODAY, TODAY)


@pytest.mark.parametrize("problem", ["self", "dates_reversed", "inactive", "sibling_unit", "no_unit"])
def test_substitute_set_refuses(problem, ward, sibling_ward, make_official, away_and_stand_in):
    away, stand_in = away_and_stand_in
    starts, ends = TODAY, TODAY + datetime.timedelta(days=5)
    if problem == "self":
        stand_in = away
    elif problem == "dates_reversed":
        starts, ends = ends, starts
    elif problem == "inactive":
        stand_in.is_active = False
        stand_in.save()
    elif problem == "sibling_unit":
        stand_in = make_official(sibling_ward, Role.WARD_OFFICIAL)
    elif problem == "no_unit":
        stand_in = OfficialFactory(unit=None)
    with pytest.raises(Invalid):
        services.substitute_set(actor=away, substitute=stand_in, starts_on=starts, ends_on=ends)
    assert not Substitute.objects.exists()


def test_substitute_must_see_the_officials_cases(province, ward, sibling_ward, make_official):
    """A province officer who prepares the proposals of every ward names a ward official as substitute: the
    substitute would receive proposals of other wards that they cannot even open."""
    officer = make_official(province, Role.ORGANIZATION_OFFICER, username="p.officer")
    ward_officer = make_official(ward, Role.ORGANIZATION_OFFICER, username="w.officer")
    with pytest.raises(Invalid):
        services.substitute_set(actor=officer, substitute=ward_officer, starts_on=DAY, ends_on=TODAY)


def test_a_task_never_goes_to_someone_without_the_steps_role(ward, make_official, away_and_stand_in):
    away, _ = away_and_stand_in
    colleague = make_official(ward, Role.ORGANIZATION_OFFICER, username="c.officer")
    # Named while they were a ward official too; the role was withdrawn since (roles change, rows stay).
    Substitute.objects.create(official=away, substitute=colleague, starts_on=DAY, ends_on=TODAY)
    task = new_task(ward, away, name="DN stuck")
    assert task.owner is None or task.owner.has_role(Role.WARD_OFFICIAL)


@pytest.fixture
def field(ward, make_official):
    return make_official(ward, Role.WARD_OFFICIAL, username="a.field")


def test_claim_one_or_many(ward, field):
    tasks = bulk_tasks(unit=ward, n=3)
    assert services.task_claim(actor=field, task_ids=[tasks[0].pk]) == 1
    assert services.task_claim(actor=field, task_ids=[tasks[1].pk, tasks[2].pk]) == 2
    assert {(t.owner_id, t.status) for t in Task.objects.filter(pk__in=[t.pk for t in tasks])} == {
        (field.pk, STATUS.ASSIGNED)
    }


def test_claim_below_my_unit(province, ward, make_official):
    above = make_official(province, Role.WARD_OFFICIAL)
    task = bulk_tasks(unit=ward, n=1)[0]
    assert services.task_claim(actor=above, task_ids=[task.pk]) == 1


def test_claim_outside_my_jurisdiction_is_refused(ward, sibling_ward, field):
    theirs = bulk_tasks(unit=sibling_ward, n=1)[0]
    with pytest.raises(Conflict):
        services.task_claim(actor=field, task_ids=[theirs.pk])
    assert refresh(theirs).owner is None


def test_claim_above_my_unit_is_refused(province, field):
    above = bulk_tasks(unit=province, n=1)[0]
    with pytest.raises(Conflict):
        services.task_claim(actor=field, task_ids=[above.pk])


@pytest.mark.parametrize(
    "role,step,ok",
    [
        (Role.WARD_OFFICIAL, "survey", True),
        (Role.WARD_OFFICIAL, "outreach", True),
        (Role.WARD_OFFICIAL, "nurturing_review", True),
        (Role.WARD_OFFICIAL, "proposal", False),
        (Role.ORGANIZATION_OFFICER, "proposal", True),
        (Role.ORGANIZATION_OFFICER, "survey", False),
        (Role.DECISION_MAKER, "decision", True),
        (Role.SUPERVISOR, "decision", False),
    ],
)
def test_claim_needs_the_steps_role(role, step, ok, ward, make_official):
    me = make_official(ward, role)
    task = bulk_tasks(unit=ward, n=1, step=step)[0]
    if ok:
        assert services.task_claim(actor=me, task_ids=[task.pk]) == 1
    else:
        with pytest.raises(Forbidden):
            services.task_claim(actor=me, task_ids=[task.pk])
        assert refresh(task).owner is None


def test_claim_is_all_or_nothing(ward, sibling_ward, field):
    mine = bulk_tasks(unit=ward, n=2)
    wrong_role = bulk_tasks(unit=ward, n=1, step="decision", start=10)
    theirs = bulk_tasks(unit=sibling_ward, n=1, start=20)
    for bad in (wrong_role, theirs):
        with pytest.raises((Conflict, Forbidden)):
            services.task_claim(actor=field, task_ids=[mine[0].pk, bad[0].pk, mine[1].pk])
        assert not Task.objects.filter(owner=field).exists()


def test_stale_claim_is_refused(ward, field, make_official):
    other = make_official(ward, Role.WARD_OFFICIAL)
    tasks = bulk_tasks(unit=ward, n=2)
    services.task_claim(actor=other, task_ids=[tasks[0].pk])
    with pytest.raises(Conflict) as exc:
        services.task_claim(actor=field, task_ids=[tasks[0].pk, tasks[1].pk])
    assert (
        exc.value.code == "stale" and "reload" in str(exc.value.message).lower() or "tải lại" in str(exc.value.message)
    )
    assert refresh(tasks[0]).owner == other and refresh(tasks[1]).owner is None
    Task.objects.filter(pk=tasks[1].pk).update(status=STATUS.CANCELED)
    with pytest.raises(Conflict):
        services.task_claim(actor=field, task_ids=[tasks[1].pk])
    with pytest.raises(Conflict):
        services.task_claim(actor=field, task_ids=[987654])  # no such task


def test_claim_accepts_any_iterable_of_ids(ward, field):
    tasks = bulk_tasks(unit=ward, n=2)
    assert services.task_claim(actor=field, task_ids=(t.pk for t in tasks)) == 2


# --- Reassignment --------------------------------------------------------------------------------------


@pytest.fixture
def crew(province, ward, make_official):
    return {
        "supervisor": make_official(ward, Role.SUPERVISOR, username="s.super"),
        "admin": make_official(province, Role.ADMINISTRATOR, username="s.admin"),
        "before": make_official(ward, Role.WARD_OFFICIAL, username="a.before"),
        "after": make_official(ward, Role.WARD_OFFICIAL, username="b.after"),
        "officer": make_official(ward, Role.ORGANIZATION_OFFICER, username="c.officer"),
    }


def test_supervisor_reassigns_one_task(ward, crew):
    task = new_task(ward, crew["before"])
    assert task.owner == crew["before"]
    assert services.task_reassign(actor=crew["supervisor"], task_ids=[task.pk], new_owner=crew["after"]) == 1
    task = refresh(task)
    assert (task.owner, task.status) == (crew["after"], STATUS.ASSIGNED)


def test_administrator_reassigns_many_at_once(ward, crew):
    tasks = bulk_tasks(unit=ward, n=4, owner=crew["before"])
    queued = bulk_tasks(unit=ward, n=1, start=10)  # unassigned tasks can be handed out too
    ids = [t.pk for t in tasks + queued]
    assert services.task_reassign(actor=crew["admin"], task_ids=ids, new_owner=crew["after"]) == 5
    assert set(Task.objects.filter(pk__in=ids).values_list("owner", "status")) == {(crew["after"].pk, STATUS.ASSIGNED)}


@pytest.mark.parametrize("who", ["before", "after", "officer"])
def test_only_supervisors_and_administrators_reassign(who, ward, crew):
    task = new_task(ward, crew["before"])
    with pytest.raises(Forbidden):
        services.task_reassign(actor=crew[who], task_ids=[task.pk], new_owner=crew["after"])
    assert refresh(task).owner == crew["before"]


def test_the_former_owner_can_no_longer_complete_and_the_new_one_can(ward, crew):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    case = case_services.case_open(actor=crew["before"], enterprise=enterprise)
    task = open_task(case)
    services.task_reassign(actor=crew["supervisor"], task_ids=[task.pk], new_owner=crew["after"])
    with pytest.raises(Forbidden) as exc:
        services.task_complete_survey(
            actor=crew["before"], task_id=task.pk, kind="basic", surveyed_on=DAY, worker_count=None, note=""
        )
    assert exc.value.code == "not_owner"
    assert not case.surveys.exists()
    services.task_complete_survey(
        actor=crew["after"], task_id=task.pk, kind="basic", surveyed_on=DAY, worker_count=None, note=""
    )
    assert case.surveys.get().surveyed_by == crew["after"]
    assert Task.objects.get(pk=task.pk).status == STATUS.DONE


def test_the_new_owner_needs_the_steps_role_all_or_nothing(ward, crew):
    survey = bulk_tasks(unit=ward, n=1, owner=crew["before"])[0]
    proposal = bulk_tasks(unit=ward, n=1, owner=crew["before"], step="proposal", start=10)[0]
    with pytest.raises(Invalid) as exc:
        services.task_reassign(actor=crew["supervisor"], task_ids=[survey.pk, proposal.pk], new_owner=crew["officer"])
    assert crew["officer"].get_full_name() in str(exc.value.message)
    assert refresh(survey).owner == crew["before"] and refresh(proposal).owner == crew["before"]
    assert services.task_reassign(actor=crew["supervisor"], task_ids=[proposal.pk], new_owner=crew["officer"]) == 1


def test_reassign_outside_my_jurisdiction_is_refused(ward, sibling_ward, crew, make_official):
    theirs = bulk_tasks(unit=sibling_ward, n=1, owner=make_official(sibling_ward, Role.WARD_OFFICIAL))[0]
    mine = bulk_tasks(unit=ward, n=1, owner=crew["before"], start=10)[0]
    with pytest.raises(Conflict):
        services.task_reassign(actor=crew["supervisor"], task_ids=[mine.pk, theirs.pk], new_owner=crew["after"])
    assert refresh(mine).owner == crew["before"]
    stranger = make_official(sibling_ward, Role.WARD_OFFICIAL)
    with pytest.raises(Invalid):
        services.task_reassign(actor=crew["supervisor"], task_ids=[mine.pk], new_owner=stranger)
    assert refresh(mine).owner == crew["before"]


def test_reassign_refuses_an_official_who_cannot_see_the_task(province, ward, sibling_ward, crew, make_official):
    """A province administrator may move tasks between wards' officials, but only to someone who can open them."""
    theirs = bulk_tasks(unit=sibling_ward, n=1)[0]
    with pytest.raises(Invalid):
        services.task_reassign(actor=crew["admin"], task_ids=[theirs.pk], new_owner=crew["after"])
    assert refresh(theirs).owner is None
    sibling_field = make_official(sibling_ward, Role.WARD_OFFICIAL)
    assert services.task_reassign(actor=crew["admin"], task_ids=[theirs.pk], new_owner=sibling_field) == 1


def test_reassigned_task_can_be_opened_by_the_new_owner(province, sibling_ward, crew, make_official):
    enterprise = EnterpriseFactory(unit=sibling_ward)
    opener = make_official(sibling_ward, Role.WARD_OFFICIAL)
    case = case_services.case_open(actor=opener, enterprise=enterprise)
    task = open_task(case)
    province_field = make_official(province, Role.WARD_OFFICIAL)
    services.task_reassign(actor=crew["admin"], task_ids=[task.pk], new_owner=province_field)
    services.task_complete_survey(
        actor=province_field, task_id=task.pk, kind="basic", surveyed_on=DAY, worker_count=None, note=""
    )


@pytest.mark.parametrize("problem", ["inactive", "no_unit", "done", "empty", "missing"])
def test_reassign_refuses(problem, ward, crew):
    task = bulk_tasks(unit=ward, n=1, owner=crew["before"])[0]
    new_owner, ids = crew["after"], [task.pk]
    if problem == "inactive":
        new_owner.is_active = False
        new_owner.save()
    elif problem == "no_unit":
        new_owner = OfficialFactory(unit=None, roles=[Role.WARD_OFFICIAL])
    elif problem == "done":
        Task.objects.filter(pk=task.pk).update(status=STATUS.DONE)
    elif problem == "empty":
        ids = []
    elif problem == "missing":
        ids = [task.pk, 987654]
    with pytest.raises((Invalid, Conflict)):
        services.task_reassign(actor=crew["supervisor"], task_ids=ids, new_owner=new_owner)
    assert refresh(task).owner == crew["before"]


def test_reassign_clears_the_substitute_mark_and_the_hide_until(ward, crew):
    Substitute.objects.create(official=crew["before"], substitute=crew["after"], starts_on=DAY, ends_on=TODAY)
    task = new_task(ward, crew["before"])
    assert task.sla.substitute_for == crew["before"]
    services.task_follow_up(actor=crew["after"], task_id=task.pk, until=TODAY.replace(day=25))
    services.task_reassign(actor=crew["supervisor"], task_ids=[task.pk], new_owner=crew["before"])
    sla = TaskSLA.objects.get(pk=task.pk)
    assert (sla.substitute_for, sla.follow_up_on) == (None, None)


def test_a_task_of_another_unit_is_not_found_even_for_its_owner(ward, sibling_ward, make_official):
    """Owner and jurisdiction are both checked: a task reassigned by hand to someone outside stays unreachable
    (which is why reassignment refuses it)."""
    outsider = make_official(sibling_ward, Role.WARD_OFFICIAL)
    task = bulk_tasks(unit=ward, n=1, owner=outsider)[0]
    with pytest.raises(NotFound):
        services.task_complete_survey(
            actor=outsider, task_id=task.pk, kind="basic", surveyed_on=DAY, worker_count=None, note=""
        )


def test_new_unit_below_inherits_the_rules(province, make_official):
    district = UnitFactory(code="D01", name="Quận 1", level="district", parent=province)
    ward_below = UnitFactory(code="W99", name="Phường 99", parent=district)
    district_field = make_official(district, Role.WARD_OFFICIAL)
    AssignmentRule.objects.create(unit=district, step=Step.SURVEY, official=district_field)
    assert new_task(ward_below, district_field).owner == district_field
