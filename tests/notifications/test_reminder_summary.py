"""The first sweep on a new database, or the first after a pause: each recipient's reminders of every kind hang under
ONE summary item ("Tóm tắt: 12 việc quá hạn · 4 việc sắp đến hạn"), not one item per kind, and certainly not
hundreds; the next morning is an ordinary one again (one item per recipient, kind and day)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from devdata.builders import bulk_tasks
from notifications import reminders, services, tasks
from notifications.models import EmailState, Notification, NotificationPreference, Occasion, ReminderSweep
from notifications.reminders.writes import GROUP_KEY, group_min
from notifications.selectors import unread_count
from org.models import Role

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 12, 8)
DAY = datetime.timedelta(days=1)


def overdue(unit, owner, n, start=0):
    return bulk_tasks(unit=unit, n=n, owner=owner, due_on=D(2026, 12, 1), start=start)


def due_soon(unit, owner, n, start):
    return bulk_tasks(unit=unit, n=n, owner=owner, due_on=TODAY + 2 * DAY, start=start)


def items(official):
    """What the official's bell and list show (grouped reminders only behind their item)."""
    return list(Notification.objects.filter(recipient=official, group__isnull=True))


def test_the_first_sweep_gives_one_summary_per_recipient(
    ward, make_official, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.CELLFLOW_REMINDER_EMAIL_WORKING_HOURS = False  # mail at once, whatever the hour the test runs
    owner = make_official(ward, Role.WARD_OFFICIAL, email="an@example.vn")
    few = make_official(ward, Role.WARD_OFFICIAL)
    overdue(ward, owner, 12)
    due_soon(ward, owner, 4, start=100)
    overdue(ward, few, 1, start=200)
    due_soon(ward, few, 1, start=300)
    assert not ReminderSweep.objects.exists()  # a new database

    with django_capture_on_commit_callbacks(execute=True):
        counts = reminders.sweep_all(today=TODAY, size=5)  # several chunks of each kind: one item all the same

    assert counts["task_overdue"] == 13 and counts["task_warning"] == 5
    assert ReminderSweep.objects.get(day=TODAY).summary
    (summary,) = items(owner)
    assert summary.occasion == Occasion.SUMMARY and summary.object_key == GROUP_KEY
    assert summary.offset == "day:2026-12-08"
    assert summary.title == "Tóm tắt: 4 việc sắp đến hạn · 12 việc quá hạn"
    behind = Notification.objects.filter(group=summary)
    assert set(behind.values_list("occasion", flat=True)) == {"task_overdue", "task_warning"}
    assert behind.count() == 16
    assert unread_count(official=owner) == 1
    assert not Notification.objects.filter(object_key=GROUP_KEY).exclude(occasion=Occasion.SUMMARY).exists()
    # However few (fewer than the grouping's threshold of a kind), one item too.
    assert group_min() > 2
    (theirs,) = items(few)
    assert theirs.title == "Tóm tắt: 1 việc sắp đến hạn · 1 việc quá hạn"
    assert unread_count(official=few) == 1
    # One e-mail, for the summary.
    assert [m.to for m in mailoutbox] == [["an@example.vn"]]
    assert "12" in mailoutbox[0].subject + mailoutbox[0].body
    assert set(behind.values_list("email_state", flat=True)) == {EmailState.NONE}


def test_the_summary_is_decided_once_for_the_day_on_the_workers(ward, make_official):
    """Celery's path: the plan queues one task per chunk, each decides alike from the day's record."""
    owner = make_official(ward, Role.WARD_OFFICIAL)
    overdue(ward, owner, 6)
    due_soon(ward, owner, 3, start=100)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reminders.sweeps, "chunk_size", lambda: 4)
        tasks.sweep_reminders(today=TODAY.isoformat())  # eager in the tests: the chunks run here
        tasks.sweep_reminders(today=TODAY.isoformat())  # a second plan the same day (beat restarted) adds nothing

    (summary,) = items(owner)
    assert summary.occasion == Occasion.SUMMARY and Notification.objects.filter(group=summary).count() == 9
    assert list(ReminderSweep.objects.values_list("day", "summary")) == [(TODAY, True)]


def test_the_next_morning_is_ordinary_and_a_long_pause_summarises_again(ward, make_official, settings):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    overdue(ward, owner, 4)
    reminders.sweep_all(today=TODAY)
    assert [n.occasion for n in items(owner)] == [Occasion.SUMMARY]

    # The next morning: new overdue tasks, one item per kind as on every ordinary day.
    overdue(ward, owner, 3, start=50)
    due_soon(ward, owner, 3, start=80)
    reminders.sweep_all(today=TODAY + DAY)
    assert not ReminderSweep.objects.get(day=TODAY + DAY).summary
    today_items = Notification.objects.filter(recipient=owner, object_key=GROUP_KEY, offset="day:2026-12-09")
    assert sorted(today_items.values_list("occasion", flat=True)) == ["task_overdue", "task_warning"]

    # Beat stopped for a week: the first sweep after the pause is a summary again.
    pause = settings.CELLFLOW_REMINDER_SUMMARY_AFTER_DAYS
    back = TODAY + DAY + (pause + 1) * DAY
    overdue(ward, owner, 5, start=120)
    reminders.sweep_all(today=back)
    assert ReminderSweep.objects.get(day=back).summary
    (summary,) = Notification.objects.filter(recipient=owner, object_key=GROUP_KEY, offset=f"day:{back.isoformat()}")
    assert summary.occasion == Occasion.SUMMARY
    # A shorter gap (pause days minus one without a sweep) is not a pause.
    shorter = back + pause * DAY
    reminders.sweep_all(today=shorter)
    assert not ReminderSweep.objects.get(day=shorter).summary


def test_never_when_turned_off(ward, make_official, settings):
    settings.CELLFLOW_REMINDER_SUMMARY_AFTER_DAYS = 0
    owner = make_official(ward, Role.WARD_OFFICIAL)
    overdue(ward, owner, 4)
    due_soon(ward, owner, 3, start=100)
    reminders.sweep_all(today=TODAY)
    assert sorted(n.occasion for n in items(owner)) == ["task_overdue", "task_warning"]


def test_the_summary_cannot_be_hidden_and_its_list_opens(client, ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    # Every kind the settings page offers is unticked but the overdue tasks.
    preference = services.notification_preference_save(
        actor=owner,
        shown_occasions=[Occasion.TASK_OVERDUE],
        email_enabled=False,
        email_mode="immediate",
        email_occasions=[],
    )
    assert Occasion.SUMMARY not in preference.hidden_occasions
    assert NotificationPreference.objects.get(official=owner).shows(Occasion.SUMMARY)
    overdue(ward, owner, 3)
    due_soon(ward, owner, 3, start=100)  # hidden: not stored

    reminders.sweep_all(today=TODAY)

    (summary,) = items(owner)
    assert summary.occasion == Occasion.SUMMARY and Notification.objects.filter(group=summary).count() == 3
    client.force_login(owner)
    with translation.override("vi"):
        page = client.get(reverse("notifications:list"), {"group": summary.pk})
    assert page.status_code == 200 and page.content.decode().count("Công ty Hàng loạt") == 3
    form = client.get(reverse("notifications:preferences")).context["form"]
    assert Occasion.SUMMARY not in dict(form.fields["shown_occasions"].choices)


@pytest.mark.parametrize("summary", [True, False], ids=["summary", "grouped"])
def test_grouping_writes_do_not_grow_with_the_recipients(ward, make_official, summary, settings):
    """A national first sweep hangs reminders of some 10,000 officials under their items: the statements per chunk
    stay the same for 2 recipients or 12 (one UPDATE per recipient took the sweep from 48 s to 405 s)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.reminders.writes import group_reminders

    settings.CELLFLOW_REMINDER_GROUP_MIN = 2

    def statements(n_recipients: int, start: int) -> int:
        created = []
        for i in range(n_recipients):
            owner = make_official(ward, Role.WARD_OFFICIAL)
            for sla in overdue(ward, owner, 3, start=start + 10 * i):
                n = Notification.objects.create(
                    recipient=owner, occasion=Occasion.TASK_OVERDUE, object_key=f"task:{sla.pk}", offset="0"
                )
                created.append((n.pk, owner.pk))
        with CaptureQueriesContext(connection) as queries:
            items = group_reminders(created, day=TODAY, summary=summary)
        assert len(items) == n_recipients
        assert Notification.objects.filter(pk__in=[pk for pk, _r in created], group__isnull=True).count() == 0
        return len(queries)

    assert statements(2, 10_000) == statements(12, 20_000)
