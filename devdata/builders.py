"""Bulk builders for large task lists (query-count tests and benchmarks): plain inserts, no flow run."""

import datetime

from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from cases.models import Case
from org.models import Official, RoleAssignment
from registry.models import Enterprise
from workflows.flows import EstablishmentFlow
from workflows.models import TaskSLA


def bulk_tasks(*, unit, n, owner=None, step="survey", start=0, due_on=None):
    """n enterprises, each with an open case and one open task of ``step`` (assigned to ``owner`` or queued)."""
    today = timezone.localdate()
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
    cases = Case.objects.bulk_create([Case(enterprise=e) for e in enterprises])
    processes = Process.objects.bulk_create([Process(flow_class=EstablishmentFlow) for _ in cases])
    node = getattr(EstablishmentFlow, step)
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
                case=c,
                unit=unit,
                step=step,
                due_on=due_on or today + datetime.timedelta(days=i % 30 - 10),
                warn_on=(due_on or today + datetime.timedelta(days=i % 30 - 10)) - datetime.timedelta(days=3),
            )
            for i, (t, c) in enumerate(zip(tasks, cases, strict=True))
        ]
    )
    return tasks


def bulk_official(*, unit, role, username):
    """An official with one role (benchmarks; no usable password)."""
    official = Official.objects.create_user(username=username, password=None, unit=unit, first_name=username)
    RoleAssignment.objects.create(official=official, role=role)
    return official
