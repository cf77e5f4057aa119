"""Schema-driven fuzzing: every GET endpoint, with generated parameters, never errors; and
schemathesis' stateful phase, chaining every operation (writes with a fund admin's token)
along the links it infers, answers only as the schema says.

Bounded (a few examples per operation) so it runs in CI within seconds; a 400 that names
the parameter is the right answer to nonsense, so only server errors and responses that
break the schema fail.
"""

import pytest
import schemathesis
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from rest_framework.views import APIView
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    status_code_conformance,
)


@pytest.fixture
def api_schema():
    """The schema, read when a test here runs: reading it when the module is collected cost
    every test run seconds, this module's tests chosen or not. Django's WSGI handler, not
    config.wsgi: importing that would freeze this test process's objects after requests, as
    it does a web worker's."""
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


schema = schemathesis.pytest.from_fixture("api_schema").include(method="GET")

# The demo funds give the fuzzer allocations with every nullable field empty somewhere.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


@pytest.fixture(autouse=True)
def wsgi_in_a_test_transaction(monkeypatch):
    """As Django's test client does: keep the test's connection open across requests. And no
    throttling: the views bound their throttle classes when imported, so a changed setting
    would not reach them."""
    monkeypatch.setattr(APIView, "get_throttles", lambda view: [])
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_error_and_no_response_off_schema(case):
    case.call_and_validate(checks=(not_a_server_error, response_schema_conformance))


CONFORMANCE = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)


class Workflows:
    """What each scenario of the state machine does besides calling the operations."""

    token = ""
    answered: set[tuple[str, str, int]] = set()

    def setup(self):
        # Each scenario from the same data, so that hypothesis can replay one: what a scenario
        # writes (runs, tokens, a revoked token) is rolled back after it.
        self.scenario = transaction.atomic()
        self.scenario.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self.scenario.__exit__(None, None, None)
        for cache in caches.all():
            cache.clear()

    def after_call(self, response, case):
        self.answered.add((case.method, case.path, response.status_code))

    def get_call_kwargs(self, case):
        return {"headers": {"Authorization": f"Bearer {self.token}"}}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(response, checks=CONFORMANCE, transport_kwargs=kwargs)


@pytest.fixture
def admin_token(fund_admin):
    return AuthToken.objects.create(user=fund_admin)[1]


def test_stateful_workflows_answer_as_the_schema_says(api_schema, admin_token):
    machine = type("SchemaWorkflows", (Workflows, api_schema.as_state_machine()), {})
    machine.token = admin_token
    machine.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    # The fund operations were called, a write among them, and each answer was as the schema
    # says.
    called = {(method, path) for method, path, _ in Workflows.answered}
    assert {("GET", "/api/v1/funds/"), ("POST", "/api/v1/funds/{slug}/recompute/")} <= called
