"""Bulk builders for large task lists (query-count tests and benchmarks): plain inserts, no flow run."""

import datetime

from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from cases.models import Case
from massorgs.models import Founding
from massorgs.services import mass_organization_kinds_ensure
from members.models import Candidate
from org.models import Official, RoleAssignment
from registry.models import Enterprise
from workflows.candidate_flow import AdmissionFlow
from workflows.flows import EstablishmentFlow
from workflows.founding_flow import FoundingFlow
from workflows.models import TaskSLA

# The task's subject: what each kind of task is about, its flow and its first step.
SUBJECTS = {
    "case": (EstablishmentFlow, "survey"),
    "candidate": (AdmissionFlow, "candidate_course"),
    "founding": (FoundingFlow, "massorg_survey"),
}


def bulk_tasks(*, unit, n, owner=None, step=None, start=0, due_on=None, subject="case"):
    """n enterprises, each with an open case (or an admission candidate, or a mass organization's establishment:
    ``subject``) and one open task of ``step`` (the subject's first step by default), assigned to ``owner`` or
    queued."""
    today = timezone.localdate()
    flow_class, first_step = SUBJECTS[subject]
    step = step or first_step
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=f"Công ty Hàng loạt {start + i}",
                tax_code=f"{900000000 + start + i:010d}",
                search_text=Enterprise.search_text_of(name=f"Công ty Hàng loạt {start + i}", tax_code=""),
                enterprise_type="joint_stock",
                unit=unit,
            )
            for i in range(n)
        ]
    )
    subjects: list
    if subject == "case":
        subjects = Case.objects.bulk_create([Case(enterprise=e) for e in enterprises])
    elif subject == "candidate":
        subjects = Candidate.objects.bulk_create(
            [
                Candidate(
                    enterprise=e,
                    full_name=f"Quần chúng {start + i}",
                    born_on=datetime.date(1995, 1, 1),
                    recommended_by=Candidate.RecommendedBy.TRADE_UNION,
                    recommended_on=today,
                )
                for i, e in enumerate(enterprises)
            ]
        )
    else:
        kind = mass_organization_kinds_ensure()["trade_union"]
        subjects = Founding.objects.bulk_create(
            [Founding(enterprise=e, kind=kind, opened_on=today) for e in enterprises]
        )
    processes = Process.objects.bulk_create([Process(flow_class=flow_class) for _ in subjects])
    node = getattr(flow_class, step)
    tasks = Task.objects.bulk_create(
        [
            Task(
                process=p,
                flow_task=node,
                flow_task_type="HUMAN",
                owner=owner,
                status=STATUS.ASSIGNED if owner else STATUS.NEW,
            )
            for p in processes
        ]
    )
    TaskSLA.objects.bulk_create(
        [
            TaskSLA(
                task=t,
                unit=unit,
                step=step,
                due_on=due_on or today + datetime.timedelta(days=i % 30 - 10),
                warn_on=(due_on or today + datetime.timedelta(days=i % 30 - 10)) - datetime.timedelta(days=3),
                **{subject: c},
            )
            for i, (t, c) in enumerate(zip(tasks, subjects, strict=True))
        ]
    )
    return tasks


def bulk_official(*, unit, role, username):
    """An official with one role (benchmarks; no usable password)."""
    official = Official.objects.create_user(username=username, password=None, unit=unit, first_name=username)
    RoleAssignment.objects.create(official=official, role=role)
    return official
