"""Root conftest: factories become fixtures (pytest-factoryboy); PostgreSQL-only tests are marked."""

import contextlib
import os

import pytest
from django.db import connection
from pytest_factoryboy import register

from org.models import Role

from .factories import CaseFactory, EnterpriseFactory, OfficialFactory, PartyMemberFactory, UnitFactory

register(UnitFactory)
register(OfficialFactory)
register(EnterpriseFactory)
register(PartyMemberFactory)
register(CaseFactory, "case")


@pytest.fixture(autouse=True)
def celery_runs_in_process(request, monkeypatch):
    """Tasks queued by the code under test run in this process, never on the real broker, where nothing would
    consume them (and a later worker test would find a backlog). Tests of real workers opt out: real_broker."""
    if request.node.get_closest_marker("real_broker") is None:
        from config.celery import app

        monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture(autouse=True)
def reminder_mails_at_any_hour(request, settings):
    """Reminder mails wait for a working morning (notifications.delivery.reminder_email_not_before): a test run at
    night or on a Sunday would otherwise see none sent. The tests of that rule are marked mail_hours."""
    if request.node.get_closest_marker("mail_hours") is None:
        settings.CELLFLOW_REMINDER_EMAIL_WORKING_HOURS = False


class _Demo:
    """The demo data set of ``seeded``, inside a transaction that the tests asking for it share: seed_demo takes
    about 90 s, and the modules asking for it run one after another (``pytest_collection_modifyitems``), so it is
    seeded once for all of them and rolled back when the next test does not ask for it."""

    atomic = None
    output = ""
    blocker = None


def _demo_roll_back() -> None:
    from django.db import transaction

    if _Demo.atomic is None:
        return
    with _Demo.blocker.unblock():
        transaction.set_rollback(True)
        _Demo.atomic.__exit__(None, None, None)
    _Demo.atomic = None


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """seed_demo (yields what it printed); each test rolls back its own changes, the set itself is rolled back after
    the last test that asks for it. Module scope: set up before any function's ``db`` transaction."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction

    if _Demo.atomic is None:
        with django_db_blocker.unblock():
            _Demo.blocker = django_db_blocker
            _Demo.atomic = transaction.atomic()
            _Demo.atomic.__enter__()
            try:
                out = StringIO()
                call_command("seed_demo", stdout=out)
            except BaseException:
                _demo_roll_back()
                raise
            _Demo.output = out.getvalue()
    return _Demo.output


def _uses_demo(item) -> bool:
    return "seeded" in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The tests asking for the demo run together (after pytest-django's ordering; each module's tests stay in their
    order), where the first of them was."""
    demo = [item for item in items if _uses_demo(item)]
    if not demo:
        return
    first = items.index(demo[0])
    rest = [item for item in items if not _uses_demo(item)]
    by_module: dict = {}
    for item in demo:
        by_module.setdefault(item.module, []).append(item)
    items[:] = rest[:first] + [item for group in by_module.values() for item in group] + rest[first:]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if nextitem is None or not _uses_demo(nextitem):
        _demo_roll_back()


def postgres_or_skip() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CELLFLOW_REQUIRE_SERVICES"):
            pytest.fail("CELLFLOW_REQUIRE_SERVICES is set but the database is not PostgreSQL")
        pytest.skip("needs PostgreSQL (row locks and real concurrency); set DATABASE_URL (make test in CI does)")


@pytest.fixture
def require_postgres(db):
    postgres_or_skip()


@contextlib.contextmanager
def module_transaction(django_db_blocker):
    """For a module-scoped fixture: what it writes is shared by the module's tests (each rolls back its own changes)
    and rolled back after the last of them."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def make_official(db):
    """make_official(unit, *roles) -> an official of that unit with those roles."""

    def make(unit, *roles, **kwargs):
        return OfficialFactory(unit=unit, roles=list(roles), **kwargs)

    return make


@pytest.fixture
def province(db):
    return UnitFactory(code="P01", name="Hà Nội", level="province")


@pytest.fixture
def ward(province):
    return UnitFactory(code="W01", name="Phường Hoàn Kiếm", parent=province)


@pytest.fixture
def sibling_ward(province):
    return UnitFactory(code="W02", name="Phường Cửa Nam", parent=province)


@pytest.fixture
def ward_official(make_official, ward):
    return make_official(ward, Role.WARD_OFFICIAL)


@pytest.fixture
def province_supervisor(make_official, province):
    return make_official(province, Role.SUPERVISOR)


@pytest.fixture
def org_officer(make_official, ward):
    return make_official(ward, Role.ORGANIZATION_OFFICER)


@pytest.fixture
def decision_maker(make_official, ward):
    return make_official(ward, Role.DECISION_MAKER)


def pytest_configure(config):
    from django.conf import settings

    # Hashing is not under test; the default hasher costs ~0.2 s per official.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
