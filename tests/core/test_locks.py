"""core.locks: a lock wait that times out, or a deadlock PostgreSQL broke, is a Conflict (409 "reload"), never a
crash; other errors pass through unchanged; the lock timeout covers only the transaction the service began."""

import threading

import psycopg.errors
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from viewflow.workflow.exceptions import FlowLockFailed

from core.errors import Conflict, Invalid
from core.locks import DEADLOCK_DETECTED, LOCK_NOT_AVAILABLE, lock_failure, locked_atomic
from registry.models import Enterprise
from tests.factories import EnterpriseFactory
from tests.race import run

RELOAD = "Một cán bộ khác vừa cập nhật hồ sơ này. Vui lòng tải lại trang."


def django_error(driver_error):
    """What Django raises for a driver error: its own OperationalError, caused by the driver's."""
    try:
        raise OperationalError(*driver_error.args) from driver_error
    except OperationalError as exc:
        return exc


def test_lock_failure_reads_the_sqlstate_anywhere_in_the_chain():
    timeout = django_error(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"))
    assert lock_failure(timeout) == LOCK_NOT_AVAILABLE
    assert lock_failure(django_error(psycopg.errors.DeadlockDetected("deadlock detected"))) == DEADLOCK_DETECTED
    # viewflow raises FlowLockFailed while handling the failed SELECT ... FOR UPDATE of the process row.
    try:
        try:
            raise timeout
        except OperationalError:
            raise FlowLockFailed("Lock failed") from None
    except FlowLockFailed as exc:
        flow_failed = exc
    assert lock_failure(flow_failed) == LOCK_NOT_AVAILABLE
    assert lock_failure(django_error(psycopg.errors.UndefinedTable("no such table"))) is None
    assert lock_failure(ValueError("x")) is None


@pytest.mark.django_db
def test_a_lock_failure_inside_becomes_a_conflict_and_rolls_back(ward):
    enterprise = EnterpriseFactory(unit=ward, name="Before")
    with pytest.raises(Conflict) as caught:
        with locked_atomic():
            Enterprise.objects.filter(pk=enterprise.pk).update(name="After")
            raise django_error(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"))
    assert caught.value.status == 409 and caught.value.code == "locked"
    assert str(caught.value.message) == RELOAD
    enterprise.refresh_from_db()
    assert enterprise.name == "Before"
    with pytest.raises(Conflict) as caught:
        with locked_atomic():
            raise django_error(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert caught.value.code == "deadlock"


@pytest.mark.django_db
def test_other_errors_pass_through_unchanged():
    with pytest.raises(IntegrityError):
        with locked_atomic():
            raise IntegrityError("duplicate key")
    refusal = Invalid("Say why.", code="invalid")
    with pytest.raises(Invalid) as caught:
        with locked_atomic():
            raise refusal
    assert caught.value is refusal
    with pytest.raises(OperationalError):
        with locked_atomic():
            raise django_error(psycopg.errors.UndefinedTable("no such table"))


# --- On PostgreSQL ----------------------------------------------------------------------------------------


def lock_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_lock_timeout_covers_only_the_transaction_the_service_began(require_postgres, settings):
    settings.CELLFLOW_LOCK_TIMEOUT_MS = 250
    default = lock_timeout()
    with locked_atomic():
        assert lock_timeout() == "250ms"
        with locked_atomic():  # a service called by another service: the same transaction, the same limit
            assert lock_timeout() == "250ms"
    assert lock_timeout() == default
    with transaction.atomic():  # a caller's own transaction (the registry import) keeps its own setting
        with locked_atomic():
            assert lock_timeout() == default
    settings.CELLFLOW_LOCK_TIMEOUT_MS = 0
    with locked_atomic():
        assert lock_timeout() == "0"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_becomes_a_conflict_for_one_and_the_other_goes_on(require_postgres, ward):
    first, second = EnterpriseFactory(unit=ward), EnterpriseFactory(unit=ward)
    both_hold_one = threading.Barrier(2)

    def lock_in_order(a, b):
        def call():
            with locked_atomic():
                list(Enterprise.objects.select_for_update().filter(pk=a.pk))
                both_hold_one.wait(5)
                list(Enterprise.objects.select_for_update().filter(pk=b.pk))  # each waits for the other
                Enterprise.objects.filter(pk=a.pk).update(name=f"won by {a.pk}")

        return call

    results, _took = run([lock_in_order(first, second), lock_in_order(second, first)])
    assert sorted(r == "ok" for r in results) == [False, True]
    refused = next(r for r in results if r != "ok")
    assert isinstance(refused, Conflict) and refused.code == "deadlock" and str(refused.message) == RELOAD
    winner = first if results[0] == "ok" else second
    assert Enterprise.objects.filter(name__startswith="won by").get().pk == winner.pk
