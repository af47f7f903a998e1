"""Reminders people can act on: those of one kind for one recipient on the same morning hang under one item
("12 việc quá hạn") with the list behind it; the bell counts the item once; one e-mail, not twelve."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from devdata.builders import bulk_tasks
from notifications import reminders
from notifications.models import EmailState, Notification, Occasion, ReminderSweep
from notifications.reminders.writes import GROUP_KEY, group_min, group_title
from notifications.selectors import unread_count
from org.models import Role

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 12, 8)


@pytest.fixture(autouse=True)
def an_ordinary_morning(db):
    """The sweep ran yesterday: not the first sweep, which summarises every kind (test_reminder_summary.py)."""
    ReminderSweep.objects.create(day=TODAY - datetime.timedelta(days=1))


def overdue(unit, owner, n, start=0):
    return bulk_tasks(unit=unit, n=n, owner=owner, due_on=D(2026, 12, 1), start=start)


def test_one_item_per_recipient_kind_and_day(
    ward, make_official, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.CELLFLOW_REMINDER_EMAIL_WORKING_HOURS = False  # mail at once, whatever the hour the test runs
    owner = make_official(ward, Role.WARD_OFFICIAL, email="an@example.vn")
    other = make_official(ward, Role.WARD_OFFICIAL)
    overdue(ward, owner, 12)
    overdue(ward, other, group_min() - 1, start=100)

    with django_capture_on_commit_callbacks(execute=True):
        counts = reminders.sweep_all(today=TODAY, size=5)  # several chunks: one item all the same

    assert counts["task_overdue"] == 12 + group_min() - 1
    (item,) = Notification.objects.filter(recipient=owner, object_key=GROUP_KEY)
    assert item.occasion == Occasion.TASK_OVERDUE and item.offset == "day:2026-12-08"
    with translation.override("vi"):
        assert item.title == group_title(Occasion.TASK_OVERDUE, 12) == "12 việc quá hạn"
    behind = Notification.objects.filter(group=item)
    assert (
        behind.count() == 12
        and not Notification.objects.filter(recipient=owner, group__isnull=True).exclude(pk=item.pk).exists()
    )
    assert unread_count(official=owner) == 1
    # Below the threshold reminders stay single.
    assert unread_count(official=other) == group_min() - 1
    assert not Notification.objects.filter(recipient=other, object_key=GROUP_KEY).exists()
    # One e-mail for the item, none for the twelve behind it.
    assert [m.to for m in mailoutbox] == [["an@example.vn"]]
    assert "12" in mailoutbox[0].subject + mailoutbox[0].body
    assert set(behind.values_list("email_state", flat=True)) == {EmailState.NONE}


def test_the_next_morning_is_a_new_item_and_a_rerun_adds_nothing(ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    overdue(ward, owner, 4)
    reminders.sweep_all(today=TODAY)
    reminders.sweep_all(today=TODAY)
    assert Notification.objects.filter(object_key=GROUP_KEY).count() == 1
    # New tasks fall overdue tomorrow: tomorrow's item.
    overdue(ward, owner, 3, start=50)
    reminders.sweep_all(today=TODAY + datetime.timedelta(days=1))
    assert sorted(Notification.objects.filter(object_key=GROUP_KEY).values_list("offset", flat=True)) == [
        "day:2026-12-08",
        "day:2026-12-09",
    ]


def test_a_later_sweep_the_same_morning_joins_the_item(ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    overdue(ward, owner, 3)
    reminders.sweep_all(today=TODAY)
    item = Notification.objects.get(object_key=GROUP_KEY)
    Notification.objects.filter(pk=item.pk).update(read_at=item.created_at)
    overdue(ward, owner, 1, start=50)
    reminders.sweep_all(today=TODAY)
    item.refresh_from_db()
    assert Notification.objects.filter(group=item).count() == 4 and item.read_at is None
    assert item.title.startswith("4")


def test_the_list_behind_the_item_and_reading_it(client, ward, make_official, django_assert_max_num_queries):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    overdue(ward, owner, 5)
    reminders.sweep_all(today=TODAY)
    item = Notification.objects.get(object_key=GROUP_KEY)
    client.force_login(owner)
    html = client.get(reverse("notifications:list")).content.decode()
    assert f"?group={item.pk}" in html and "Công ty Hàng loạt" not in html
    with django_assert_max_num_queries(8):
        behind = client.get(reverse("notifications:list"), {"group": item.pk}).content.decode()
    assert behind.count("Công ty Hàng loạt") == 5
    client.post(reverse("notifications:mark_read"), {"ids": item.pk})
    assert not Notification.objects.filter(recipient=owner, read_at__isnull=True).exists()
    # Someone else's item is not found.
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    assert client.get(reverse("notifications:list"), {"group": item.pk}).status_code == 404
    assert client.get(reverse("notifications:list"), {"group": "9" * 30}).status_code == 400  # the input guard


def test_ids_in_the_list_are_not_written_with_thousands_separators(client, ward, make_official):
    """Vietnamese number formatting writes 1811 as "1.811": an id in a link or a form must not be formatted."""
    owner = make_official(ward, Role.WARD_OFFICIAL)
    item = Notification.objects.create(
        pk=1_234_567, recipient=owner, occasion=Occasion.TASK_OVERDUE, object_key=GROUP_KEY, title="3 việc quá hạn"
    )
    client.force_login(owner)
    html = client.get(reverse("notifications:list")).content.decode()
    assert f"?group={item.pk}" in html and f'name="ids" value="{item.pk}"' in html
    assert client.get(reverse("notifications:list"), {"group": item.pk}).status_code == 200
