"""Schema-driven fuzzing: every GET endpoint, with generated parameters, never errors.

Bounded (a few examples per operation) so it runs in CI within seconds; a 400 that names
the parameter is the right answer to nonsense, so only server errors and responses that
break the schema fail.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application).include(method="GET")

# The demo funds give the fuzzer allocations with every nullable field empty somewhere.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


@pytest.fixture(autouse=True)
def wsgi_in_a_test_transaction(settings):
    """As Django's test client does: keep the test's connection open across requests."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
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
