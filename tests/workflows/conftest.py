import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from org.models import Role
from tests.factories import EnterpriseFactory, add_full_members


@pytest.fixture
def team(ward, make_official):
    return {
        "field": make_official(ward, Role.WARD_OFFICIAL, username="a.canbo"),
        "officer": make_official(ward, Role.ORGANIZATION_OFFICER, username="a.bantochuc"),
        "decider": make_official(ward, Role.DECISION_MAKER, username="a.bithu"),
    }


@pytest.fixture
def eligible_enterprise(ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    return enterprise


def open_task(case):
    """The one open human task of a case."""
    return Task.objects.get(
        process__caseprocess__case=case, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    )
