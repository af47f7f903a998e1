"""A mass organization's establishment as light case work: started from the enterprise page, a survey task, then the
outreach (contacts keep it open), ending in a MassOrganization record (established on a date by a named body) or
closed with a reason; its tasks in the same inbox, queue and team pages, deadlines in working days, reminders through
the same sweep, jurisdiction as for cases."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.errors import Conflict, Invalid
from devdata.builders import bulk_tasks
from massorgs import founding as founding_services
from massorgs.models import Founding, FoundingEvent, MassOrganization, MembershipEntry
from massorgs.services import mass_organization_kinds_ensure, mass_organization_record
from notifications.models import Notification
from notifications.reminders.sweeps import sweep_task_overdue
from org.models import Role
from tests.factories import EnterpriseFactory
from workflows.calendar import WorkingCalendar
from workflows.models import FoundingProcess, Step, TaskSLA

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def kinds():
    return mass_organization_kinds_ensure()


@pytest.fixture
def field(ward, make_official):
    return make_official(ward, Role.WARD_OFFICIAL, username="a.canbo")


@pytest.fixture
def enterprise(ward):
    return EnterpriseFactory(unit=ward, name="Công ty May Sông Hồng")


def open_task(founding):
    return Task.objects.select_related("sla").get(
        process__foundingprocess__founding=founding, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    )


def start(client, field, enterprise, kind):
    client.force_login(field)
    response = client.post(
        reverse("workflows:founding_new", args=[enterprise.pk]), {"kind": kind.pk, "note": "Bắt đầu"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Founding.objects.get(enterprise=enterprise, kind=kind)


def post_task(client, founding, data, expected_step, status=302):
    task = open_task(founding)
    assert task.flow_task.name == expected_step
    response = client.post(reverse("workflows:task", args=[task.pk]), data)
    assert response.status_code == status, response.content.decode()[:3000]
    founding.refresh_from_db()
    return task, response


def survey(client, founding):
    return post_task(
        client,
        founding,
        {"surveyed_on": TODAY.isoformat(), "workers_interested": "120", "note": "Ổn"},
        "massorg_survey",
    )


def test_started_from_the_enterprise_page_with_a_survey_task_due_in_working_days(client, field, enterprise, kinds):
    client.force_login(field)
    page = client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert reverse("workflows:founding_new", args=[enterprise.pk]) in page
    founding = start(client, field, enterprise, kinds["trade_union"])
    assert founding.stage == Founding.Stage.SURVEYING
    task = open_task(founding)
    assert task.owner == field and task.sla.step == Step.MASSORG_SURVEY
    assert task.sla.unit == enterprise.unit and task.sla.founding == founding and task.sla.case_id is None
    assert task.sla.due_on == WorkingCalendar().add(TODAY, 10)
    assert list(founding.events.values_list("event", "actor")) == [(FoundingEvent.Event.STARTED, field.pk)]
    # The enterprise page lists it; the inbox shows it beside the other tasks.
    page = client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert reverse("workflows:founding", args=[founding.pk]) in page
    inbox = client.get(reverse("workflows:inbox"))
    assert [r.pk for r in inbox.context["page"]] == [task.pk]
    assert "Công đoàn cơ sở" in inbox.content.decode()


def test_survey_then_outreach_with_contacts_then_established_as_a_record(client, field, enterprise, kinds, ward):
    founding = start(client, field, enterprise, kinds["trade_union"])
    survey_task, _ = survey(client, founding)
    assert founding.stage == Founding.Stage.OUTREACH and founding.workers_interested == 120
    survey_task.refresh_from_db()
    assert survey_task.status == STATUS.DONE
    # A contact keeps the outreach task open (the page stays on it).
    outreach, response = post_task(
        client,
        founding,
        {"outcome": "contact", "on": TODAY.isoformat(), "note": "Gặp giám đốc nhân sự"},
        "massorg_outreach",
    )
    assert response["Location"] == reverse("workflows:task", args=[outreach.pk])
    assert open_task(founding).pk == outreach.pk and founding.stage == Founding.Stage.OUTREACH
    # Established: the record, with its date, its body and its members at establishment.
    _, response = post_task(
        client,
        founding,
        {
            "outcome": "established",
            "on": TODAY.isoformat(),
            "established_by": "Liên đoàn Lao động quận",
            "members": "85",
            "in_charge": field.pk,
            "note": "Quyết định 12/QĐ-LĐLĐ",
        },
        "massorg_outreach",
    )
    assert response["Location"] == reverse("workflows:inbox")
    organization = MassOrganization.objects.get(enterprise=enterprise, kind=kinds["trade_union"])
    assert founding.stage == Founding.Stage.ESTABLISHED and founding.organization == organization
    assert organization.established_on == TODAY and organization.established_by == "Liên đoàn Lao động quận"
    assert organization.in_charge == field
    assert list(organization.entries.values_list("counted_on", "admitted")) == [(TODAY, 85)]
    assert organization.history.get().actor == field  # written through massorgs.services, with its history row
    assert FoundingProcess.objects.get(founding=founding).finished is not None
    assert not TaskSLA.objects.filter(founding=founding, task_status__in=["NEW", "ASSIGNED", "STARTED"]).exists()
    assert list(founding.events.values_list("event", flat=True)) == ["started", "surveyed", "contact", "established"]
    page = client.get(reverse("workflows:founding", args=[founding.pk])).content.decode()
    assert "Liên đoàn Lao động quận" in page and reverse("massorgs:detail", args=[organization.pk]) in page


def test_establishing_needs_the_body_and_refuses_a_future_date(client, field, enterprise, kinds):
    founding = start(client, field, enterprise, kinds["youth_union"])
    survey(client, founding)
    post_task(client, founding, {"outcome": "established", "on": TODAY.isoformat()}, "massorg_outreach", status=400)
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    _, response = post_task(
        client,
        founding,
        {"outcome": "established", "on": future, "established_by": "Quận đoàn"},
        "massorg_outreach",
        status=400,
    )
    assert response.context["error"]
    assert founding.stage == Founding.Stage.OUTREACH and not MassOrganization.objects.exists()


def test_closed_with_a_reason_from_the_outreach_task(client, field, enterprise, kinds):
    founding = start(client, field, enterprise, kinds["trade_union"])
    survey(client, founding)
    # No reason: refused, nothing written.
    post_task(client, founding, {"outcome": "closed", "on": TODAY.isoformat()}, "massorg_outreach", status=400)
    assert founding.stage == Founding.Stage.OUTREACH
    post_task(
        client,
        founding,
        {"outcome": "closed", "on": TODAY.isoformat(), "reason": "owner_refused", "note": "Chủ DN từ chối"},
        "massorg_outreach",
    )
    assert founding.stage == Founding.Stage.CLOSED and founding.close_reason == "owner_refused"
    assert founding.closed_on == TODAY and founding.organization is None
    assert FoundingProcess.objects.get(founding=founding).finished is not None
    assert not MassOrganization.objects.exists()


def test_closed_from_its_page_while_surveying_finishes_the_task(client, field, enterprise, kinds):
    founding = start(client, field, enterprise, kinds["trade_union"])
    task = open_task(founding)
    url = reverse("workflows:founding_close", args=[founding.pk])
    # "Other" needs the details; a missing reason is a 400.
    assert client.post(url, {"closed_on": TODAY.isoformat(), "reason": ""}).status_code == 400
    assert client.post(url, {"closed_on": TODAY.isoformat(), "reason": "other"}).status_code == 400
    founding.refresh_from_db()
    assert founding.stage == Founding.Stage.SURVEYING
    response = client.post(url, {"closed_on": TODAY.isoformat(), "reason": "enterprise_closed", "note": ""})
    assert response.status_code == 302
    founding.refresh_from_db()
    task.refresh_from_db()
    assert founding.stage == Founding.Stage.CLOSED and task.status == STATUS.DONE
    assert client.post(url, {"closed_on": TODAY.isoformat(), "reason": "other", "note": "x"}).status_code == 409
    # Closed work can start again (a new establishment of the same kind).
    again = founding_services.founding_start(actor=field, enterprise_id=enterprise.pk, kind=kinds["trade_union"])
    assert open_task(again).sla.step == Step.MASSORG_SURVEY


def test_no_second_open_work_nor_one_where_the_kind_exists(field, enterprise, kinds):
    founding_services.founding_start(actor=field, enterprise_id=enterprise.pk, kind=kinds["trade_union"])
    with pytest.raises(Conflict):
        founding_services.founding_start(actor=field, enterprise_id=enterprise.pk, kind=kinds["trade_union"])
    mass_organization_record(
        actor=field, enterprise_id=enterprise.pk, kind=kinds["youth_union"], established_on=TODAY, members=3
    )
    with pytest.raises(Conflict):
        founding_services.founding_start(actor=field, enterprise_id=enterprise.pk, kind=kinds["youth_union"])
    # A different kind in the same enterprise is its own work.
    other = founding_services.founding_start(actor=field, enterprise_id=enterprise.pk, kind=kinds["youth_federation"])
    assert other.stage == Founding.Stage.SURVEYING


def test_steps_out_of_order_are_refused_in_the_service(field, enterprise, kinds):
    founding = founding_services.founding_start(actor=field, enterprise_id=enterprise.pk, kind=kinds["trade_union"])
    with pytest.raises(Conflict):
        founding_services.founding_establish(
            actor=field, founding_id=founding.pk, established_on=TODAY, established_by="LĐLĐ"
        )
    with pytest.raises(Conflict):
        founding_services.founding_log_contact(actor=field, founding_id=founding.pk, contacted_on=TODAY, note="x")
    with pytest.raises(Invalid):
        founding_services.founding_record_survey(
            actor=field, founding_id=founding.pk, surveyed_on=TODAY - datetime.timedelta(days=30)
        )  # before the work started
    assert MembershipEntry.objects.count() == 0


def test_a_colleague_cannot_complete_someone_elses_step(client, field, enterprise, kinds, ward, make_official):
    founding = start(client, field, enterprise, kinds["trade_union"])
    client.force_login(make_official(ward, Role.WARD_OFFICIAL, username="b.canbo"))
    task = open_task(founding)
    response = client.post(reverse("workflows:task", args=[task.pk]), {"surveyed_on": TODAY.isoformat()})
    assert response.status_code == 403
    founding.refresh_from_db()
    assert founding.stage == Founding.Stage.SURVEYING


def test_an_overdue_establishment_step_is_reminded_exactly_once(client, field, enterprise, kinds):
    founding = start(client, field, enterprise, kinds["trade_union"])
    sla = open_task(founding).sla
    sla.due_on = sla.warn_on = TODAY - datetime.timedelta(days=3)
    sla.save()
    first = sweep_task_overdue(today=TODAY)
    second = sweep_task_overdue(today=TODAY)
    assert len(first) == 1 and second == []
    note = Notification.objects.get(occasion="task_overdue", recipient=field)
    assert enterprise.name in note.title and note.object_key == f"task:{sla.pk}"


def test_unassigned_goes_to_the_queue_and_is_claimed(client, ward, enterprise, kinds, make_official, province):
    # Nobody in the ward holds the step's role: the task waits in the queue of the unit.
    starter = make_official(province, Role.ORGANIZATION_OFFICER)
    founding = founding_services.founding_start(actor=starter, enterprise_id=enterprise.pk, kind=kinds["trade_union"])
    task = open_task(founding)
    assert task.status == STATUS.NEW
    field = make_official(ward, Role.WARD_OFFICIAL)
    client.force_login(field)
    assert task.pk in [r.pk for r in client.get(reverse("workflows:queue")).context["page"]]
    client.post(reverse("workflows:claim"), {"tasks": [task.pk]})
    task.refresh_from_db()
    assert task.owner == field


@pytest.mark.parametrize("viewer, seen", [("own", True), ("parent", True), ("sibling", False)])
def test_establishments_follow_jurisdiction(
    viewer, seen, client, field, enterprise, kinds, province, sibling_ward, make_official
):
    founding = start(client, field, enterprise, kinds["trade_union"])
    task = open_task(founding)
    official = {
        "own": field,
        "parent": make_official(province, Role.WARD_OFFICIAL),
        "sibling": make_official(sibling_ward, Role.WARD_OFFICIAL),
    }[viewer]
    client.force_login(official)
    expected = 200 if seen else 404
    assert client.get(reverse("workflows:founding", args=[founding.pk])).status_code == expected
    assert client.get(reverse("workflows:task", args=[task.pk])).status_code == expected
    assert client.get(reverse("workflows:founding_new", args=[enterprise.pk])).status_code == expected
    if not seen:
        response = client.post(
            reverse("workflows:founding_close", args=[founding.pk]),
            {"closed_on": TODAY.isoformat(), "reason": "owner_refused"},
        )
        assert response.status_code == 404
        with pytest.raises(Exception) as raised:
            founding_services.founding_close(
                actor=official, founding_id=founding.pk, closed_on=TODAY, reason="owner_refused"
            )
        assert getattr(raised.value, "status", None) == 404
        founding.refresh_from_db()
        assert founding.stage == Founding.Stage.SURVEYING


@pytest.mark.parametrize("n", [3, 300])
def test_inbox_and_queue_counts_stay_constant_with_three_kinds_of_task(
    n, client, ward, make_official, django_assert_max_num_queries
):
    me = make_official(ward, Role.WARD_OFFICIAL)
    for i, subject in enumerate(("case", "candidate", "founding")):
        bulk_tasks(unit=ward, n=n, owner=me, subject=subject, start=i * 1000)
        bulk_tasks(unit=ward, n=n, subject=subject, start=10_000 + i * 1000)
    client.force_login(me)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workflows:inbox"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3 * n
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workflows:queue"))
    assert response.context["page"].paginator.count == 3 * n
    assert {sla.step for sla in TaskSLA.objects.all()} == {"survey", "candidate_course", "massorg_survey"}
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workflows:inbox"), {"step": "massorg_survey"})
    assert response.context["page"].paginator.count == n


@pytest.mark.parametrize("n", [1, 12])
def test_establishment_pages_run_a_constant_number_of_queries(
    n, client, field, enterprise, kinds, django_assert_max_num_queries
):
    founding = start(client, field, enterprise, kinds["trade_union"])
    survey(client, founding)
    for i in range(n):
        founding_services.founding_log_contact(
            actor=field, founding_id=founding.pk, contacted_on=TODAY, note=f"Lần {i}"
        )
    task = open_task(founding)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("workflows:founding", args=[founding.pk]))
    assert page.status_code == 200 and f"Lần {n - 1}" in page.content.decode()
    with django_assert_max_num_queries(16):
        page = client.get(reverse("workflows:task", args=[task.pk]))
    assert page.status_code == 200 and "Mass organization: outreach" in page.content.decode() or page.status_code == 200
