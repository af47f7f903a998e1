"""PostgreSQL, real threads: the admission flow's lock order (enterprise, candidate, process, task) holds when the
task page completes a step while the candidate page stops the path, and when two officials complete the same step.
Each pair ends consistent: one clear refusal at most, never an error or a deadlock, no open task left behind a
stopped candidate, the stage moved exactly once per success."""

import datetime

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.errors import Conflict, Forbidden
from members import candidates
from members.models import Candidate
from org.models import Role
from tests.factories import EnterpriseFactory
from tests.race import run
from workflows import services
from workflows.candidate_views import STEP_RUNS
from workflows.models import CandidateProcess, Step

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
PAIRS = 15
TODAY = datetime.date.today()


@pytest.fixture
def crew(require_postgres, ward, make_official):
    return {
        "field": make_official(ward, Role.WARD_OFFICIAL, username="a.field"),
        "officer": make_official(ward, Role.ORGANIZATION_OFFICER, username="b.officer"),
    }


def _candidate(crew, ward, i):
    return candidates.candidate_recommend(
        actor=crew["field"],
        enterprise_id=EnterpriseFactory(unit=ward).pk,
        full_name=f"Ứng viên {i}",
        born_on=datetime.date(1995, 1, 1),
        recommended_by="youth_union",
        recommended_on=TODAY,
    )


def _open(candidate):
    return Task.objects.filter(
        process__candidateprocess__candidate=candidate, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    )


def _complete_course(crew, task):
    return services.task_complete_candidate_step(
        actor=crew["field"],
        task_id=task.pk,
        step=Step.CANDIDATE_COURSE,
        run=lambda c: STEP_RUNS[Step.CANDIDATE_COURSE](
            crew["field"], c, {"passed_on": TODAY, "certificate_number": "", "note": ""}
        ),
    )


def test_completing_a_step_while_the_path_is_stopped(crew, ward):
    for i in range(PAIRS):
        candidate = _candidate(crew, ward, i)
        task = _open(candidate).get()
        results, _took = run(
            [
                lambda task=task: _complete_course(crew, task),
                lambda c=candidate: candidates.candidate_stop(
                    actor=crew["officer"], candidate_id=c.pk, stopped_on=TODAY, reason="Chuyển công tác"
                ),
            ]
        )
        assert results[1] == "ok"  # stopping is possible at any open stage
        if results[0] != "ok":
            assert isinstance(results[0], Conflict | Forbidden), results[0]
        candidate.refresh_from_db()
        assert candidate.stage == Candidate.Stage.STOPPED
        assert not _open(candidate).exists()
        assert CandidateProcess.objects.get(candidate=candidate).finished is not None
        stages = list(candidate.events.values_list("stage", flat=True))
        assert stages.count("stopped") == 1 and stages.count("trained") == (1 if results[0] == "ok" else 0)


def test_two_completions_of_the_same_step_move_the_stage_once(crew, ward):
    for i in range(PAIRS):
        candidate = _candidate(crew, ward, i)
        task = _open(candidate).get()
        results, _took = run([lambda task=task: _complete_course(crew, task)] * 2)
        assert results.count("ok") == 1, results
        candidate.refresh_from_db()
        assert candidate.stage == Candidate.Stage.TRAINED
        assert list(candidate.events.values_list("stage", flat=True)).count("trained") == 1
        assert _open(candidate).get().flow_task.name == "candidate_application"
