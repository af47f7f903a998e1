"""Account administration by a unit's administrators: the jurisdiction matrix (own unit, a child unit, a sibling),
roles never reaching beyond the administrator's unit, moves, deactivation, history, and the pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AccountEvent, PasswordState
from core.errors import Conflict, Forbidden, Invalid, NotFound
from devdata.builders import bulk_tasks
from org.models import Official, Role
from tests.factories import UnitFactory
from workflows.models import AssignmentRule, Step, Substitute, TaskSLA

pytestmark = pytest.mark.django_db

PASSWORD = "Tạm-thời-2026!"


@pytest.fixture
def bloc(ward):
    return UnitFactory(code="B01", name="Đảng ủy Khối doanh nghiệp", parent=ward, level="bloc")


@pytest.fixture
def admins(province, ward, make_official):
    return {
        "province": make_official(province, Role.ADMINISTRATOR, username="p.admin"),
        "ward": make_official(ward, Role.ADMINISTRATOR, username="w.admin"),
    }


def events(official, event=None):
    qs = AccountEvent.objects.filter(official=official)
    return list(qs.filter(event=event) if event else qs)


# --- The jurisdiction matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "target_unit", "allowed"),
    [
        ("ward", "ward", True),  # own unit
        ("ward", "bloc", True),  # a unit below
        ("ward", "sibling_ward", False),  # a sibling
        ("ward", "province", False),  # the unit above
        ("province", "ward", True),  # a child
        ("province", "sibling_ward", True),
        ("province", "province", True),
    ],
)
def test_the_jurisdiction_matrix(request, admins, make_official, actor, target_unit, allowed):
    unit = request.getfixturevalue(target_unit)
    official = make_official(unit, Role.WARD_OFFICIAL, username="target")
    admin = admins[actor]
    attempts = [
        lambda: services.official_update(actor=admin, official_id=official.pk, title="Chuyên viên"),
        lambda: services.official_roles_set(
            actor=admin, official_id=official.pk, roles=[Role.WARD_OFFICIAL, Role.COMMITTEE_MEMBER]
        ),
        lambda: services.official_set_temporary_password(actor=admin, official_id=official.pk, password=PASSWORD),
        lambda: services.official_set_active(actor=admin, official_id=official.pk, active=False),
    ]
    for attempt in attempts:
        if allowed:
            attempt()
        else:
            with pytest.raises(NotFound):
                attempt()
    official.refresh_from_db()
    if allowed:
        assert official.title == "Chuyên viên" and not official.is_active
        assert set(official.role_assignments.values_list("role", flat=True)) == {
            Role.WARD_OFFICIAL,
            Role.COMMITTEE_MEMBER,
        }
        assert [e.event for e in reversed(events(official))] == [
            "updated",
            "role_granted",
            "password_set",
            "deactivated",
        ]
    else:
        assert official.title == "" and official.is_active and not events(official)
        assert list(official.role_assignments.values_list("role", flat=True)) == [Role.WARD_OFFICIAL]


@pytest.mark.parametrize(
    ("unit", "allowed"), [("ward", True), ("bloc", True), ("sibling_ward", False), ("province", False)]
)
def test_a_ward_administrator_creates_officials_only_within_the_ward(request, admins, unit, allowed):
    target = request.getfixturevalue(unit)

    def create():
        return services.official_create(
            actor=admins["ward"],
            username="moi.canbo",
            first_name="Bình",
            last_name="Trần Văn",
            unit=target,
            password=PASSWORD,
            roles=[Role.SUPERVISOR],
        )

    if allowed:
        official = create()
        # The role is held in the official's unit: it reaches no further than the administrator's.
        assert official.unit == target and official.has_role(Role.SUPERVISOR)
        assert official.check_password(PASSWORD)
        assert PasswordState.objects.get(official=official).must_change
        (created,) = events(official)
        assert created.event == "created" and created.actor == admins["ward"]
        assert created.details == {"unit": target.pk, "roles": [Role.SUPERVISOR]}
    else:
        with pytest.raises(Forbidden):
            create()
        assert not Official.objects.filter(username="moi.canbo").exists()


@pytest.mark.parametrize(("unit", "allowed"), [("bloc", True), ("sibling_ward", False), ("province", False)])
def test_moving_an_official_stays_within_reach(request, admins, ward, make_official, unit, allowed):
    official = make_official(ward, Role.WARD_OFFICIAL)
    target = request.getfixturevalue(unit)
    if allowed:
        services.official_move(actor=admins["ward"], official_id=official.pk, unit=target)
        official.refresh_from_db()
        assert official.unit == target
        (moved,) = events(official, "moved")
        assert moved.details == {"unit_from": ward.pk, "unit_to": target.pk}
    else:
        with pytest.raises(Forbidden):
            services.official_move(actor=admins["ward"], official_id=official.pk, unit=target)
        official.refresh_from_db()
        assert official.unit == ward and not events(official)


def test_only_administrators_manage_accounts(ward, make_official):
    supervisor = make_official(ward, Role.SUPERVISOR)
    official = make_official(ward, Role.WARD_OFFICIAL)
    with pytest.raises(Forbidden):
        services.official_update(actor=supervisor, official_id=official.pk, title="x")
    with pytest.raises(Forbidden):
        services.official_create(
            actor=supervisor, username="x", first_name="x", last_name="x", unit=ward, password=PASSWORD
        )


def test_the_back_office_and_ones_own_account_are_out_of_reach(admins, ward, make_official):
    staff = make_official(ward, is_staff=True)
    superuser = make_official(ward, is_superuser=True)
    for target in (staff, superuser):
        with pytest.raises(NotFound):
            services.official_set_active(actor=admins["ward"], official_id=target.pk, active=False)
    with pytest.raises(Forbidden):
        services.official_roles_set(actor=admins["ward"], official_id=admins["ward"].pk, roles=[])
    assert admins["ward"].has_role(Role.ADMINISTRATOR)


def test_unknown_roles_and_weak_or_taken_passwords_are_refused(admins, ward, make_official):
    official = make_official(ward, Role.WARD_OFFICIAL, username="da.co")
    with pytest.raises(Invalid):
        services.official_roles_set(actor=admins["ward"], official_id=official.pk, roles=["superuser"])
    with pytest.raises(Invalid):  # Django's password validators
        services.official_set_temporary_password(actor=admins["ward"], official_id=official.pk, password="12345678")
    with pytest.raises(Conflict):
        services.official_create(
            actor=admins["ward"], username="DA.CO", first_name="A", last_name="B", unit=ward, password=PASSWORD
        )
    assert not events(official)


def test_withdrawing_roles_is_written_per_role(admins, ward, make_official):
    official = make_official(ward, Role.WARD_OFFICIAL, Role.COMMITTEE_MEMBER)
    services.official_roles_set(actor=admins["province"], official_id=official.pk, roles=[Role.ORGANIZATION_OFFICER])
    assert sorted((e.event, e.details["role"]) for e in events(official)) == [
        ("role_granted", Role.ORGANIZATION_OFFICER),
        ("role_withdrawn", Role.COMMITTEE_MEMBER),
        ("role_withdrawn", Role.WARD_OFFICIAL),
    ]


def test_account_history_is_append_only(admins, ward, make_official):
    official = make_official(ward, Role.WARD_OFFICIAL)
    services.official_update(actor=admins["ward"], official_id=official.pk, title="Phó chủ tịch")
    (event,) = events(official)
    assert event.details == {"changes": {"title": ["", "Phó chủ tịch"]}}
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        event.delete()


# --- Deactivation and moves wait for the hand-over -----------------------------------------------------------


def test_deactivation_waits_for_the_hand_over(admins, ward, make_official):
    official = make_official(ward, Role.WARD_OFFICIAL)
    bulk_tasks(unit=ward, n=2, owner=official)
    with pytest.raises(Conflict) as exc:
        services.official_set_active(actor=admins["ward"], official_id=official.pk, active=False)
    assert "2" in str(exc.value.message)
    official.refresh_from_db()
    assert official.is_active


def test_a_move_that_would_strand_open_tasks_is_refused(admins, ward, bloc, make_official):
    official = make_official(ward, Role.WARD_OFFICIAL)
    bulk_tasks(unit=ward, n=1, owner=official)
    with pytest.raises(Conflict):
        services.official_move(actor=admins["ward"], official_id=official.pk, unit=bloc)


# --- Hand-over ----------------------------------------------------------------------------------------------


def test_hand_over_moves_every_open_item_and_writes_history(admins, ward, bloc, make_official):
    leaving = make_official(ward, Role.WARD_OFFICIAL, username="di")
    successor = make_official(ward, Role.WARD_OFFICIAL, username="den")
    colleague = make_official(bloc, Role.WARD_OFFICIAL, username="nghi.phep")
    tasks = bulk_tasks(unit=ward, n=3, owner=leaving) + bulk_tasks(unit=bloc, n=2, owner=leaving, start=10)
    others = bulk_tasks(unit=ward, n=1, owner=colleague, start=20)
    rule = AssignmentRule.objects.create(unit=bloc, step=Step.SURVEY, official=leaving)
    today = timezone.localdate()
    covering = Substitute.objects.create(
        official=colleague, substitute=leaving, starts_on=today, ends_on=today + datetime.timedelta(days=10)
    )
    ended = Substitute.objects.create(
        official=colleague,
        substitute=leaving,
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today - datetime.timedelta(days=20),
    )

    result = services.official_hand_over(actor=admins["ward"], official_id=leaving.pk, successor_id=successor.pk)

    assert sorted(result.task_ids) == sorted(t.pk for t in tasks)
    assert set(TaskSLA.objects.filter(task_owner=successor).values_list("pk", flat=True)) == {t.pk for t in tasks}
    assert not TaskSLA.objects.filter(task_owner=leaving, task_status="ASSIGNED").exists()
    assert TaskSLA.objects.get(pk=others[0].pk).task_owner_id == colleague.pk
    rule.refresh_from_db()
    covering.refresh_from_db()
    ended.refresh_from_db()
    assert rule.official == successor and covering.substitute == successor
    assert ended.substitute == leaving  # history of a finished leave stays as it was
    assert services.open_work_of(official=leaving).total == 0
    (given,) = events(leaving, "handed_over")
    (received,) = events(successor, "received")
    assert given.actor == received.actor == admins["ward"]
    assert given.details["successor"] == successor.pk and received.details["predecessor"] == leaving.pk
    assert sorted(given.details["tasks"]) == sorted(t.pk for t in tasks)
    assert given.details["assignment_rules"] == [rule.pk] and given.details["substitutions"] == [covering.pk]
    # Now the account can be closed.
    services.official_set_active(actor=admins["ward"], official_id=leaving.pk, active=False)


def test_a_hand_over_the_successor_cannot_take_changes_nothing(admins, ward, make_official):
    leaving = make_official(ward, Role.WARD_OFFICIAL)
    wrong_role = make_official(ward, Role.ORGANIZATION_OFFICER)
    tasks = bulk_tasks(unit=ward, n=2, owner=leaving)
    AssignmentRule.objects.create(unit=ward, step=Step.SURVEY, official=leaving)
    with pytest.raises(Invalid):
        services.official_hand_over(actor=admins["ward"], official_id=leaving.pk, successor_id=wrong_role.pk)
    assert all(TaskSLA.objects.get(pk=t.pk).task_owner_id == leaving.pk for t in tasks)
    assert AssignmentRule.objects.get().official == leaving
    assert not AccountEvent.objects.exists()


@pytest.mark.parametrize("successor_unit", ["sibling_ward", "province"])
def test_the_successor_must_be_within_reach(request, admins, ward, make_official, successor_unit):
    leaving = make_official(ward, Role.WARD_OFFICIAL)
    outsider = make_official(request.getfixturevalue(successor_unit), Role.WARD_OFFICIAL)
    bulk_tasks(unit=ward, n=1, owner=leaving)
    with pytest.raises(Invalid):
        services.official_hand_over(actor=admins["ward"], official_id=leaving.pk, successor_id=outsider.pk)


# --- The pages ---------------------------------------------------------------------------------------------


def test_the_officials_list_shows_the_jurisdiction_only(
    client, admins, ward, sibling_ward, make_official, django_assert_max_num_queries
):
    for i in range(12):
        make_official(ward, Role.WARD_OFFICIAL, username=f"ward.{i}")
    make_official(sibling_ward, Role.WARD_OFFICIAL, username="sibling.one")
    client.force_login(admins["ward"])
    with django_assert_max_num_queries(8):
        html = client.get(reverse("accounts:official_list")).content.decode()
    assert "ward.11" in html and "sibling.one" not in html


def test_the_pages_are_for_administrators(client, ward, make_official):
    client.force_login(make_official(ward, Role.SUPERVISOR))
    assert client.get(reverse("accounts:official_list")).status_code == 403
    assert client.get(reverse("accounts:official_create")).status_code == 403


def test_an_administrator_creates_and_manages_an_official_on_the_pages(
    client, admins, ward, sibling_ward, make_official, django_assert_max_num_queries
):
    client.force_login(admins["ward"])
    response = client.post(
        reverse("accounts:official_create"),
        {
            "username": "hk.moi",
            "last_name": "Lê Thị",
            "first_name": "Hoa",
            "email": "hoa@example.vn",
            "unit": ward.pk,
            "roles": [Role.WARD_OFFICIAL],
            "password": PASSWORD,
        },
    )
    official = Official.objects.get(username="hk.moi")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:official_detail", args=[official.pk])
    # A unit outside the jurisdiction is not even a choice.
    refused = client.post(
        reverse("accounts:official_create"),
        {"username": "x", "last_name": "x", "first_name": "x", "unit": sibling_ward.pk, "password": PASSWORD},
    )
    assert refused.status_code == 400 and not Official.objects.filter(username="x").exists()

    bulk_tasks(unit=ward, n=3, owner=official)
    detail = reverse("accounts:official_detail", args=[official.pk])
    with django_assert_max_num_queries(14):
        page = client.get(detail)
    assert page.status_code == 200 and "hk.moi" in page.content.decode()
    successor = make_official(ward, Role.WARD_OFFICIAL, username="hk.tiep")
    assert client.post(detail, {"action": "deactivate"}).status_code == 409
    assert client.post(detail, {"action": "hand_over", "successor": successor.pk}).status_code == 302
    assert client.post(detail, {"action": "deactivate"}).status_code == 302
    official.refresh_from_db()
    assert not official.is_active
    assert client.post(detail, {"action": "nonsense"}).status_code == 400
    # A sibling's administrator gets "not found", as if the official did not exist.
    client.force_login(make_official(sibling_ward, Role.ADMINISTRATOR))
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"action": "reactivate"}).status_code == 404
