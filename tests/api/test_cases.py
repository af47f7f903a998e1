"""Case actions through the API call the page's form and service: the same history rows, the same refusals (status
and message), in the request's language with both texts in the error."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.models import Case, CaseHistory
from org.models import Role
from tests.factories import CaseFactory, EnterpriseFactory, add_full_members

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()


def _history(case):
    return [
        (h.event, h.from_state, h.to_state, h.actor_id, h.note, h.data)
        for h in CaseHistory.objects.filter(case=case).order_by("pk")
    ]


def test_the_whole_path_through_the_api(api, ward, make_official):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    field = make_official(ward, Role.WARD_OFFICIAL)
    officer = make_official(ward, Role.ORGANIZATION_OFFICER)
    decider = make_official(ward, Role.DECISION_MAKER)
    case = CaseFactory(enterprise=enterprise)

    def act(who, slug, body):
        api.force_login(who)
        response = api.post(reverse(f"api:case_{slug.replace('-', '_')}", args=[case.pk]), body, format="json")
        assert response.status_code == 200, response.json()
        return response.json()

    act(field, "survey", {"kind": "deep", "surveyed_on": TODAY, "worker_count": 120, "expected_state": "surveying"})
    assert act(field, "assess", {"expected_state": "surveying"})["state"] == "outreach"
    act(field, "start-proposal", {"owner_initiative": True, "expected_state": "outreach"})
    act(officer, "submit-proposal", {"expected_state": "proposal"})
    body = act(
        decider,
        "approve",
        {"decision_number": "147-QĐ/ĐU", "decision_date": TODAY, "deciding_committee": ward.pk, "note": "ok"},
    )
    assert body["state"] == "established" and body["decision_number"] == "147-QĐ/ĐU"
    assert [h["event"] for h in body["history"]] == [
        "survey",
        "start_outreach",
        "start_proposal",
        "submit_proposal",
        "approve",
    ]
    assert body["history"][-1]["actor"]["id"] == decider.pk
    assert body["available_actions"] == []


def test_api_and_page_write_the_same_history_row(api, client, ward, make_official):
    field = make_official(ward, Role.WARD_OFFICIAL)
    by_page, by_api = (CaseFactory(enterprise=EnterpriseFactory(unit=ward)) for _ in range(2))
    for case in (by_page, by_api):
        add_full_members(case.enterprise, 3)
    client.force_login(field)
    api.force_login(field)
    client.post(
        reverse("cases:case_action", args=[by_page.pk, "assess"]),
        {"expected_state": "surveying", "assess-note": "Đủ điều kiện"},
    )
    api.post(
        reverse("api:case_assess", args=[by_api.pk]), {"expected_state": "surveying", "note": "Đủ điều kiện"}, "json"
    )
    assert _history(by_page) == _history(by_api) != []
    body = {"kind": "basic", "surveyed_on": TODAY, "worker_count": 30, "note": "Khảo sát"}
    client.post(reverse("cases:case_action", args=[by_page.pk, "survey"]), {f"survey-{k}": v for k, v in body.items()})
    api.post(reverse("api:case_survey", args=[by_api.pk]), body, format="json")
    assert _history(by_page) == _history(by_api)
    assert Case.objects.get(pk=by_page.pk).state == Case.State.OUTREACH == Case.objects.get(pk=by_api.pk).state


@pytest.mark.parametrize("language", ["vi", "en"])
def test_approve_with_two_full_members_is_refused_as_on_the_page(api, client, ward, make_official, language):
    decider = make_official(ward, Role.DECISION_MAKER)
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 2)
    case = CaseFactory(enterprise=enterprise, decision=True)
    client.force_login(decider)
    api.force_login(decider)
    data = {"decision_number": "9-QĐ/ĐU", "decision_date": TODAY, "deciding_committee": ward.pk}
    page = client.post(
        reverse("cases:case_action", args=[case.pk, "approve"]),
        {"expected_state": "decision", **{f"approve-{k}": v for k, v in data.items()}},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    response = api.post(
        reverse("api:case_approve", args=[case.pk]),
        {**data, "expected_state": "decision"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert page.status_code == response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "not_allowed"
    assert error["message"] == page.context["error"]
    assert escape(error["message"]) in page.content.decode()
    assert error["message"] == error[f"message_{language}"]
    assert error["message_en"] == (
        "The enterprise has 2 full party members; at least 3 are needed (probationary members do not count)."
    )
    assert error["message_vi"] != error["message_en"] and "2" in error["message_vi"]
    assert Case.objects.get(pk=case.pk).state == Case.State.DECISION
    assert not CaseHistory.objects.filter(case=case).exists()


def test_a_state_name_in_a_refusal_is_translated_in_both_texts(api, ward, make_official):
    api.force_login(make_official(ward, Role.DECISION_MAKER))
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), outreach=True)
    error = api.post(reverse("api:case_refuse", args=[case.pk]), {"reason": "x"}, format="json").json()["error"]
    assert error["message_en"] == "This action is not possible while the case is “Outreach to the owner”."
    assert "Vận động chủ doanh nghiệp" in error["message_vi"]


def test_invalid_input_is_400_with_the_forms_field_errors(api, ward, make_official):
    api.force_login(make_official(ward, Role.DECISION_MAKER))
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), decision=True)
    response = api.post(reverse("api:case_approve", args=[case.pk]), {"decision_date": "hôm qua"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"decision_number", "decision_date", "deciding_committee"}
    assert error["message_vi"] == "Vui lòng sửa các lỗi bên dưới." or error["message_vi"] != error["message_en"]
    for body in ([1, 2], {"decision_number": ["a"]}):
        response = api.post(reverse("api:case_approve", args=[case.pk]), body, format="json")
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    response = api.post(reverse("api:case_approve", args=[case.pk]), "{", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"


def test_a_committee_outside_the_cases_ancestors_is_refused(api, ward, sibling_ward, make_official):
    api.force_login(make_official(ward, Role.DECISION_MAKER))
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    case = CaseFactory(enterprise=enterprise, decision=True)
    body = {"decision_number": "9-QĐ/ĐU", "decision_date": TODAY, "deciding_committee": sibling_ward.pk}
    response = api.post(reverse("api:case_approve", args=[case.pk]), body, format="json")
    assert response.status_code == 400 and "deciding_committee" in response.json()["error"]["fields"]


def test_stale_expected_state_is_409_and_a_role_refusal_is_403(api, ward, make_official):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), decision=True)
    api.force_login(make_official(ward, Role.DECISION_MAKER))
    url = reverse("api:case_refuse", args=[case.pk])
    assert api.post(url, {"reason": "a", "expected_state": "decision"}, format="json").status_code == 200
    response = api.post(url, {"reason": "b", "expected_state": "decision"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "stale"
    other = CaseFactory(enterprise=EnterpriseFactory(unit=ward), decision=True)
    api.force_login(make_official(ward, Role.WARD_OFFICIAL))
    response = api.post(reverse("api:case_refuse", args=[other.pk]), {"reason": "x"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "role"
    assert Case.objects.get(pk=other.pk).state == Case.State.DECISION


def test_unknown_addresses_and_methods_keep_the_error_shape(api, ward_official):
    api.force_login(ward_official)
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = api.delete(reverse("api:case_list"))
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    for url in ("/api/v1/tasks/81181767953399929039224832/claim/", "/api/v1/cases/99999999999999999999/"):
        response = api.post(url) if "claim" in url else api.get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    # Refused by config.middleware.RequestInputGuard before the view: the same shape.
    for params in ({"state": "a\x00b"}, {"cursor": "99999999999999999999999"}):
        response = api.get(reverse("api:case_list"), params)
        assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request", params
        assert response.json()["error"]["message_vi"] != response.json()["error"]["message_en"]
    response = api.get(reverse("api:case_list"), {"state": "flying"})
    assert response.status_code == 400 and "state" in response.json()["error"]["fields"]


def test_opening_a_case_for_an_enterprise(api, ward, sibling_ward, make_official):
    enterprise = EnterpriseFactory(unit=ward)
    theirs = EnterpriseFactory(unit=sibling_ward)
    field = make_official(ward, Role.WARD_OFFICIAL)
    api.force_login(field)
    url = reverse("api:enterprise_open_case", args=[enterprise.pk])
    response = api.post(url, {"note": "Khảo sát đợt 1"}, format="json")
    assert response.status_code == 201
    case = Case.objects.get(enterprise=enterprise)
    assert response.json()["id"] == case.pk and case.state == Case.State.SURVEYING
    assert _history(case)[0][:5] == ("open", "", "surveying", field.pk, "Khảo sát đợt 1")
    twice = api.post(url, {}, format="json")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "duplicate_open_case"
    assert api.post(reverse("api:enterprise_open_case", args=[theirs.pk]), {}, format="json").status_code == 404

    api.force_login(make_official(ward, Role.SUPERVISOR))
    other = EnterpriseFactory(unit=ward)
    refused = api.post(reverse("api:enterprise_open_case", args=[other.pk]), {}, format="json")
    assert refused.status_code == 403 and not Case.objects.filter(enterprise=other).exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"deciding_committee": "province", "decision_number": "9-QĐ/TU"}, "committee_not_yours"),
        ({"decision_date": datetime.date(2026, 9, 1)}, "decision_date_too_early"),
        ({"decision_number": "9-QĐ/TU"}, "decision_number_series"),
    ],
)
def test_refused_decisions_answer_400_with_the_pages_message(api, client, province, ward, make_official, change, code):
    from cases.models import Survey

    decider = make_official(ward, Role.DECISION_MAKER)
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    case = CaseFactory(enterprise=enterprise, decision=True)
    Survey.objects.create(case=case, surveyed_on=datetime.date(2026, 10, 1))
    data = {"decision_number": "9-QĐ/ĐU", "decision_date": datetime.date(2026, 11, 2), "deciding_committee": ward.pk}
    data.update({k: province.pk if v == "province" else v for k, v in change.items()})
    client.force_login(decider)
    api.force_login(decider)
    page = client.post(
        reverse("cases:case_action", args=[case.pk, "approve"]),
        {"expected_state": "decision", **{f"approve-{k}": v for k, v in data.items()}},
    )
    response = api.post(
        reverse("api:case_approve", args=[case.pk]), {**data, "expected_state": "decision"}, format="json"
    )
    assert page.status_code == response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and error["message"] == page.context["error"]
    assert error["message_vi"] != error["message_en"]
    assert Case.objects.get(pk=case.pk).state == Case.State.DECISION
    assert not CaseHistory.objects.filter(case=case).exists()
