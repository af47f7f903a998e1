"""My sessions: where I am signed in (browser, address, sign-in, last activity, this one marked), signing one other
session out or every other one, and what ends sessions by itself (a new password, deactivation)."""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import gate, services
from accounts.models import AccountEvent, BrowserSession
from accounts.sessions import ACTIVITY_RESOLUTION_SECONDS, session_ref
from accounts.useragent import describe
from org.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "pw-secret-123"  # what OfficialFactory sets
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
COCCOC_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/128.0.294 "
    "Chrome/122.0.6261.164 Mobile Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
    "Mobile/15E148 Safari/604.1"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SESSIONS = reverse("accounts:my_sessions")
INBOX = reverse("workflows:inbox")


def signed_in(official, user_agent, ip="203.0.113.7"):
    """A browser signed in through the sign-in form."""
    browser = Client(headers={"user-agent": user_agent}, REMOTE_ADDR=ip)
    response = browser.post("/accounts/login/", {"username": official.username, "password": PASSWORD})
    assert response.status_code == 302 and browser.session[SESSION_KEY] == str(official.pk)
    return browser


def key_of(browser) -> str:
    return browser.cookies["sessionid"].value


@pytest.fixture
def me(ward, make_official):
    return make_official(ward, Role.WARD_OFFICIAL, username="toi")


@pytest.fixture
def colleague(ward, make_official):
    return make_official(ward, Role.WARD_OFFICIAL, username="dong.nghiep")


def test_the_list_shows_my_sessions_only(me, colleague, django_assert_max_num_queries):
    laptop = signed_in(me, CHROME_WINDOWS, ip="203.0.113.7")
    phone = signed_in(me, COCCOC_ANDROID, ip="198.51.100.20")
    signed_in(colleague, FIREFOX_LINUX, ip="192.0.2.99")

    with django_assert_max_num_queries(6):
        response = laptop.get(SESSIONS)

    assert response.status_code == 200
    rows = response.context["sessions"]
    assert [(str(r.device), r.ip_address, r.current) for r in rows] == [
        ("Chrome 131 · Windows", "203.0.113.7", True),  # this session first
        ("Cốc Cốc 128 · Android", "198.51.100.20", False),
    ]
    assert all(r.signed_in_at is not None and r.last_activity is not None for r in rows)
    html = response.content.decode()
    assert "Firefox" not in html and "192.0.2.99" not in html
    assert "Phiên này" in html  # "This session", in Vietnamese
    # The keys are the browsers' credentials: the page names sessions by a reference derived from them.
    assert key_of(laptop) not in html and key_of(phone) not in html
    assert session_ref(key_of(phone)) in html


def test_the_page_is_linked_from_my_account_and_the_password_page(me):
    laptop = signed_in(me, CHROME_WINDOWS)
    assert SESSIONS in laptop.get(reverse("accounts:my_account")).content.decode()
    assert SESSIONS in laptop.get(reverse("accounts:password_change")).content.decode()


def test_sign_out_everywhere_else(me):
    laptop = signed_in(me, CHROME_WINDOWS)
    phone = signed_in(me, COCCOC_ANDROID)
    tablet = signed_in(me, SAFARI_IPHONE)
    assert phone.get(INBOX).status_code == 200

    response = laptop.post(SESSIONS, {"action": "end_others"})

    assert response.status_code == 302 and response["Location"] == SESSIONS
    for other in (phone, tablet):  # at their next request, the sign-in page
        ended = other.get(INBOX)
        assert ended.status_code == 302 and ended["Location"].startswith(reverse("login"))
    assert laptop.get(INBOX).status_code == 200
    assert list(BrowserSession.objects.filter(official=me).values_list("session_key", flat=True)) == [key_of(laptop)]
    event = AccountEvent.objects.get(official=me, event=AccountEvent.Event.SIGNED_OUT_ELSEWHERE)
    assert event.actor == me and event.details == {"count": 2}
    page = laptop.get(SESSIONS).content.decode()
    assert "Bạn không đăng nhập ở nơi nào khác." in page


def test_sign_out_one_session(me):
    laptop = signed_in(me, CHROME_WINDOWS)
    phone = signed_in(me, COCCOC_ANDROID, ip="198.51.100.20")
    tablet = signed_in(me, SAFARI_IPHONE)
    phone_key = key_of(phone)

    response = laptop.post(SESSIONS, {"action": "end", "session": session_ref(phone_key)})

    assert response.status_code == 302
    assert phone.get(INBOX).status_code == 302
    assert tablet.get(INBOX).status_code == 200 and laptop.get(INBOX).status_code == 200
    event = AccountEvent.objects.get(official=me, event=AccountEvent.Event.SESSION_ENDED)
    assert event.details["browser"] == "Cốc Cốc 128 · Android" and event.details["ip"] == "198.51.100.20"
    assert phone_key not in str(event.details)
    # Ended already: not found.
    assert laptop.post(SESSIONS, {"action": "end", "session": session_ref(phone_key)}).status_code == 404


def test_someone_elses_session_cannot_be_ended(me, colleague):
    laptop = signed_in(me, CHROME_WINDOWS)
    theirs = signed_in(colleague, FIREFOX_LINUX)

    response = laptop.post(SESSIONS, {"action": "end", "session": session_ref(key_of(theirs))})

    assert response.status_code == 404
    assert theirs.get(INBOX).status_code == 200
    assert not AccountEvent.objects.filter(event=AccountEvent.Event.SESSION_ENDED).exists()
    # "Everywhere else" is mine only, too.
    laptop.post(SESSIONS, {"action": "end_others"})
    assert theirs.get(INBOX).status_code == 200


def test_this_session_is_signed_out_with_the_log_out_button(me):
    laptop = signed_in(me, CHROME_WINDOWS)
    response = laptop.post(SESSIONS, {"action": "end", "session": session_ref(key_of(laptop))})
    assert response.status_code == 409
    assert laptop.get(INBOX).status_code == 200
    assert laptop.post(SESSIONS, {"action": "nothing"}).status_code == 400


def test_sign_out_removes_the_session(me):
    laptop = signed_in(me, CHROME_WINDOWS)
    phone = signed_in(me, COCCOC_ANDROID)
    phone.post(reverse("logout"))
    rows = laptop.get(SESSIONS).context["sessions"]
    assert [str(r.device) for r in rows] == ["Chrome 131 · Windows"]


def test_a_new_password_signs_the_other_sessions_out(me):
    laptop = signed_in(me, CHROME_WINDOWS)
    phone = signed_in(me, COCCOC_ANDROID)
    new = "mat-khau-moi-2026"

    response = laptop.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    assert laptop.get(INBOX).status_code == 200  # the session that changed it stays (under a new key)
    assert phone.get(INBOX).status_code == 302
    assert BrowserSession.objects.filter(official=me).count() == 1
    rows = laptop.get(SESSIONS).context["sessions"]
    assert len(rows) == 1 and rows[0].current and str(rows[0].device) == "Chrome 131 · Windows"
    event = AccountEvent.objects.get(official=me, event=AccountEvent.Event.PASSWORD_CHANGED)
    assert event.details == {"sessions_ended": 1}


def test_deactivation_and_a_temporary_password_end_every_session(ward, make_official, me):
    admin = make_official(ward, Role.ADMINISTRATOR)
    signed_in(me, CHROME_WINDOWS)
    services.official_set_temporary_password(actor=admin, official_id=me.pk, password="tam-thoi-2026-x")
    assert not BrowserSession.objects.filter(official=me).exists()
    me.set_password(PASSWORD)
    me.save()
    signed_in(me, CHROME_WINDOWS)
    services.official_set_active(actor=admin, official_id=me.pk, active=False)
    assert not BrowserSession.objects.filter(official=me).exists()


def test_the_last_activity_moves_on_without_rewriting_the_session(me, monkeypatch, django_assert_max_num_queries):
    laptop = signed_in(me, CHROME_WINDOWS)
    phone = signed_in(me, COCCOC_ANDROID)
    row = BrowserSession.objects.get(session_key=key_of(phone))
    data = row.session_data
    later = (gate.now() // ACTIVITY_RESOLUTION_SECONDS + 2) * ACTIVITY_RESOLUTION_SECONDS + 1  # a new span begins
    monkeypatch.setattr(gate, "now", lambda: later)

    with django_assert_max_num_queries(12) as captured:
        assert phone.get(INBOX).status_code == 200

    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "last_activity" in updates[0] and "session_data" not in updates[0]
    row.refresh_from_db()
    assert row.session_data == data
    assert row.last_activity == datetime.datetime.fromtimestamp(later, tz=datetime.UTC)
    # A minute later, within the same span: no update.
    monkeypatch.setattr(gate, "now", lambda: later + 61)
    with django_assert_max_num_queries(12) as captured:
        phone.get(INBOX)
    assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    shown = {str(r.device): r.last_activity for r in laptop.get(SESSIONS).context["sessions"]}
    assert shown["Cốc Cốc 128 · Android"] == row.last_activity


def test_an_idle_session_is_not_listed(me, settings):
    laptop = signed_in(me, CHROME_WINDOWS)
    phone = signed_in(me, COCCOC_ANDROID)
    long_ago = timezone.now() - datetime.timedelta(minutes=settings.CELLFLOW_IDLE_TIMEOUT_MINUTES + 10)
    BrowserSession.objects.filter(session_key=key_of(phone)).update(last_activity=long_ago)
    rows = laptop.get(SESSIONS).context["sessions"]
    assert [r.current for r in rows] == [True]


def test_the_sessions_page_needs_a_sign_in(client):
    response = client.get(SESSIONS)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "user_agent,expected",
    [
        (CHROME_WINDOWS, "Chrome 131 · Windows"),
        (COCCOC_ANDROID, "Cốc Cốc 128 · Android"),
        (SAFARI_IPHONE, "Safari 17 · iPhone"),
        (FIREFOX_LINUX, "Firefox 133 · Linux"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
            "Edge 131 · macOS",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
            "Safari/605.1.15",
            "Safari 17 · macOS",
        ),
        ("", "Unknown browser"),
        ("curl/8.5.0", "Unknown browser"),
    ],
)
def test_the_browser_in_words(user_agent, expected, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        assert str(describe(user_agent)) == expected
