"""The notification settings page: defaults, saving with validation, and what it stores."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from notifications.models import EmailMode, NotificationPreference, Occasion
from org.models import Role

pytestmark = pytest.mark.django_db
URL = reverse("notifications:preferences")
EVERY = [value for value, _label in Occasion.choices]
# What "Show in cellflow" offers: every kind but the summary, which holds the reminders of every kind.
SHOWABLE = [value for value in EVERY if value != Occasion.SUMMARY]


@pytest.fixture
def official(ward, make_official):
    return make_official(ward, Role.WARD_OFFICIAL, email="an@example.gov.vn")


@pytest.fixture
def logged_in(client, official):
    client.force_login(official)
    return client


def test_defaults_without_a_row_everything_by_e_mail_at_once(logged_in, official, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # session, official, roles, preference (absent)
        page = logged_in.get(URL)
    assert page.status_code == 200
    assert page.context["form"].initial == {
        "shown_occasions": SHOWABLE,
        "email_enabled": True,
        "email_mode": EmailMode.IMMEDIATE,
        "email_occasions": EVERY,
    }
    assert not NotificationPreference.objects.exists()  # reading the page stores nothing


def test_save_stores_exclusions_and_says_so(logged_in, official, django_assert_max_num_queries):
    data = {
        "shown_occasions": [o for o in SHOWABLE if o != Occasion.CASE_STALLED],
        "email_enabled": "on",
        "email_mode": EmailMode.DIGEST,
        "email_occasions": [Occasion.TASK_OVERDUE, Occasion.ESCALATION],
    }
    # session, official, preference, then update_or_create (select, insert and their savepoints), session save
    with django_assert_max_num_queries(9):
        response = logged_in.post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL
    pref = NotificationPreference.objects.get(official=official)
    assert pref.hidden_occasions == [Occasion.CASE_STALLED] and pref.email_mode == EmailMode.DIGEST
    assert set(pref.email_excluded_occasions) == set(EVERY) - {Occasion.TASK_OVERDUE, Occasion.ESCALATION}
    assert pref.email_for(Occasion.TASK_OVERDUE) == "digest" and pref.email_for(Occasion.NUDGE) == ""

    with django_assert_max_num_queries(6):  # + the success message
        page = logged_in.get(URL)
    assert [m.level_tag for m in page.context["messages"]] == ["success"]
    assert page.context["form"].initial["email_occasions"] == [Occasion.TASK_OVERDUE, Occasion.ESCALATION]
    # Saving again updates the same row.
    logged_in.post(URL, {**data, "email_enabled": "", "email_occasions": []})
    pref = NotificationPreference.objects.get(official=official)
    assert pref.email_enabled is False


@pytest.mark.parametrize(
    "data,field",
    [
        ({"email_mode": "weekly", "email_enabled": "on", "email_occasions": EVERY}, "email_mode"),
        (
            {"email_mode": EmailMode.IMMEDIATE, "email_enabled": "on", "email_occasions": ["birthday"]},
            "email_occasions",
        ),
        ({"email_mode": EmailMode.IMMEDIATE, "email_enabled": "on"}, "email_occasions"),  # e-mail on, no kind
        ({"email_mode": EmailMode.IMMEDIATE, "shown_occasions": ["nonsense"]}, "shown_occasions"),
    ],
    ids=["unknown mode", "unknown kind", "e-mail on without a kind", "unknown shown kind"],
)
def test_invalid_input_is_refused_with_a_message_and_nothing_saved(logged_in, data, field):
    response = logged_in.post(URL, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert not NotificationPreference.objects.exists()


def test_notice_when_the_account_has_no_address(client, ward, make_official):
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    page = client.get(URL)
    assert page.status_code == 200 and "notice" in page.content.decode()


def test_the_list_links_to_the_settings_and_strangers_are_sent_to_log_in(client, logged_in):
    assert URL in logged_in.get(reverse("notifications:list")).content.decode()
    logged_in.logout()
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_administrators_see_the_preferences_and_notifications_in_the_admin(client, admin_user, official):
    from notifications.services import notification_send

    NotificationPreference.objects.create(official=official, email_mode=EmailMode.DIGEST)
    note, _ = notification_send(recipient=official, occasion=Occasion.NUDGE, object_key="case:1", title="Nhắc")
    client.force_login(admin_user)
    page = client.get(reverse("admin:notifications_notificationpreference_changelist"))
    assert page.status_code == 200 and list(page.context["cl"].queryset) == [official.notification_preference]
    assert client.get(reverse("admin:notifications_notification_change", args=[note.pk])).status_code == 200
    assert client.get(reverse("admin:notifications_digestdelivery_changelist")).status_code == 200
