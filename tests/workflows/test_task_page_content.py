"""The task page carries what the step decides: the decision shows the proposal (cell name, kind, members full and
probationary, secretary, deputy, committee) and the history, and decides with "Phê duyệt" / "Trả lại" / "Từ chối";
every task shows the register's counts; no step is completed with "Lưu"."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from cases import services as case_services
from cases.models import Case
from tests.factories import PartyMemberFactory
from workflows import services

from .conftest import open_task

DAY = datetime.date(2026, 11, 2)


@pytest.fixture
def decision_task(team, eligible_enterprise, ward):
    PartyMemberFactory(enterprise=eligible_enterprise, full_name="Đỗ Văn Dự Bị")  # probationary
    case = case_services.case_open(actor=team["field"], enterprise=eligible_enterprise)
    services.task_complete_survey(
        actor=team["field"], task_id=open_task(case).pk, kind="deep", surveyed_on=DAY, worker_count=80, note=""
    )
    services.task_log_contact(
        actor=team["field"],
        task_id=open_task(case).pk,
        contacted_on=DAY,
        met_whom="Ông A",
        stance="agrees",
        next_contact_on=None,
    )
    members = list(eligible_enterprise.members.order_by("pk"))
    services.task_submit_proposal(
        actor=team["officer"],
        task_id=open_task(case).pk,
        cell_name="Chi bộ Công ty Ánh Dương",
        members=members,
        secretary=members[0],
        deputy=members[1],
        reports_to=ward,
    )
    return case, open_task(case), members


def test_the_decision_task_shows_the_proposal_and_decides_with_three_buttons(
    client, team, decision_task, ward, django_assert_max_num_queries
):
    case, task, members = decision_task
    client.force_login(team["decider"])
    with translation.override("vi"), django_assert_max_num_queries(30):
        response = client.get(reverse("workflows:task", args=[task.pk]), HTTP_ACCEPT_LANGUAGE="vi")
    html = response.content.decode()
    assert response.status_code == 200
    proposal = html[html.index('id="proposal"') : html.index('id="step"')]
    assert "Chi bộ Công ty Ánh Dương" in proposal and "Chi bộ cơ sở" in proposal
    assert "3 đảng viên chính thức, 1 dự bị" in proposal
    assert members[0].full_name in proposal and members[1].full_name in proposal and "Đỗ Văn Dự Bị" in proposal
    assert str(ward.party_committee_name or ward) in proposal
    # The proposal's members in Vietnamese order (Đ after D).
    names = [m.full_name for m in members]
    listed = proposal[proposal.index("cf-proposal__members") :]
    positions = sorted(names, key=lambda n: listed.index(n))
    from core.collation import vi_sorted

    assert positions == vi_sorted(names)
    for value, label in (("approve", "Phê duyệt"), ("return", "Trả lại"), ("refuse", "Từ chối")):
        assert f'name="outcome" value="{value}"' in html and f">{label}</button>" in html
    assert 'value="approve" class="primary" data-primary-action data-confirm="' in html
    assert 'value="refuse" class="danger" data-confirm="' in html
    assert ">Lưu</button>" not in html
    assert 'id="history"' in html  # the case history on the decision task
    assert "3 đảng viên chính thức" in html[: html.index('id="proposal"')]  # the counts near the top


def test_the_return_button_sends_the_proposal_back(client, team, decision_task):
    case, task, _members = decision_task
    client.force_login(team["decider"])
    response = client.post(
        reverse("workflows:task", args=[task.pk]), {"outcome": "return", "reason": "Bổ sung danh sách"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == Case.State.PROPOSAL


def test_every_case_task_completes_with_hoan_thanh_buoc_and_shows_the_counts(client, team, eligible_enterprise):
    case = case_services.case_open(actor=team["field"], enterprise=eligible_enterprise)
    client.force_login(team["field"])
    with translation.override("vi"):
        html = client.get(reverse("workflows:task", args=[open_task(case).pk]), HTTP_ACCEPT_LANGUAGE="vi").content
    html = html.decode()
    assert ">Hoàn thành bước</button>" in html and ">Lưu</button>" not in html
    assert "3 đảng viên chính thức" in html and "0 dự bị" in html
    # The survey's date is a dd/mm/yyyy text field, whatever the browser's locale.
    assert 'name="surveyed_on"' in html and 'placeholder="dd/mm/yyyy"' in html
    assert (
        client.post(
            reverse("workflows:task", args=[open_task(case).pk]),
            {"kind": "deep", "surveyed_on": "02/11/2026", "worker_count": "40"},
        ).status_code
        == 302
    )
    assert case.surveys.get().surveyed_on == DAY
