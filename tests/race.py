"""Run calls in real threads, each with its own database connection (the PostgreSQL race tests)."""

import threading
import time

from django.db import connection

from core.errors import ServiceError


def run(calls, *, after: threading.Event | None = None):
    """Run calls in threads. With ``after``, every call but the first waits for that event before starting;
    without it, all start together at a barrier. Returns (results, seconds each call took)."""
    results, took = [None] * len(calls), [0.0] * len(calls)
    barrier = threading.Barrier(len(calls))

    def worker(i, call):
        try:
            barrier.wait()
            if after is not None and i > 0:
                assert after.wait(10), "the first call never reached its hold point"
            started = time.monotonic()
            try:
                call()
                results[i] = "ok"
            finally:
                took[i] = time.monotonic() - started
        except Exception as exc:  # checked below: only ServiceError is acceptable
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    for r in results:
        assert r == "ok" or isinstance(r, ServiceError), r  # never anything but a clear refusal
    return results, took


def hold_first_call(monkeypatch, module, name: str, seconds: float = 0.3) -> threading.Event:
    """Patch ``module.<name>``: its first call runs, sets the returned event, then keeps its caller's transaction
    (and the locks it holds) open for ``seconds`` before returning. Later calls run unchanged."""
    original = getattr(module, name)
    entered = threading.Event()

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        if not entered.is_set():
            entered.set()
            time.sleep(seconds)
        return result

    monkeypatch.setattr(module, name, wrapper)
    return entered
