"""schemathesis against the live schema, in process (WSGI): every operation with a bounded number of generated
requests, authenticated as an official of one ward by an API token with every scope. No 5xx; every response
matches the schema (status codes, content type, body, headers)."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import override_settings
from hypothesis import HealthCheck, settings

from org.models import Role

from .conftest import issue

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# config.wsgi's application, without its import's side effect: a web process's 30 s statement timeout on every
# connection the test process opens afterwards (the 100,000-row import in tests/registry ran into it).
application = get_wsgi_application()


@pytest.fixture
def keep_connection():
    """The WSGI app closes the database connection at the end of each request (Django's test client switches that
    off; a raw WSGI call does not): on PostgreSQL that would drop the test's transaction after the first request."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(sites, units, make_official, keep_connection):
    official = make_official(
        units["own"], Role.WARD_OFFICIAL, Role.ORGANIZATION_OFFICER, Role.SUPERVISOR, username="z-schemathesis"
    )
    _token, raw = issue(official, units["own"])
    return raw


# Loaded at collection from the app itself (the schema view reads no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@override_settings(CELLFLOW_API_TOKEN_RATE="", CELLFLOW_API_SESSION_RATE="")
def test_api_conforms_to_its_schema(case, token):
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        # A valid request may still be refused by a rule (404 for an id outside the jurisdiction, 409 for a guard).
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )
    STATUSES[case.operation.label][response.status_code] += 1


STATUSES: defaultdict[str, Counter[int]] = defaultdict(Counter)


def test_the_generated_requests_reached_the_endpoints():
    """Runs after the operations above: each list answered 200 to the authenticated official at least once (the
    generated data is not all refused), and nothing answered 5xx."""
    if not STATUSES:
        pytest.skip("the schemathesis operations did not run (deselected)")
    for operation, statuses in sorted(STATUSES.items()):
        print(operation, dict(statuses))
        assert not [s for s in statuses if s >= 500], operation
        if operation.startswith("GET") and "{" not in operation:  # a list, not one object by its path
            assert statuses[200] > 0, (operation, statuses)
