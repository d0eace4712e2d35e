"""The API against its own OpenAPI schema: Schemathesis generates requests for every operation (reads
and writes, with an engineer's token) and checks that none makes a server error and that every
answer matches the schema.

The run is bounded to a few minutes: the coverage phase with schema-valid values (boundaries,
enums, each parameter alone), then a few random examples, valid and invalid, per operation. A deeper
run for a release: ``SCHEMATHESIS_EXAMPLES=100 SCHEMATHESIS_NEGATIVE=1 pytest tests/api/test_schemathesis.py``.
"""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from infra.core.models import Token
from infra.wsgi import application

from ..factories import DeviceFactory, FiberLinkFactory, MigrationFactory
from .endpoints import ENDPOINTS

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
NEGATIVE_COVERAGE = os.environ.get("SCHEMATHESIS_NEGATIVE", "") == "1"


def openapi_document() -> dict:
    """The schema exactly as /api/schema/ serves it, made without a request or a database."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=schemathesis.Config.from_dict(
        {
            "seed": 20251231,
            "phases": {
                "examples": {"enabled": False},
                "stateful": {"enabled": False},
                "coverage": {"generation": {"mode": "all" if NEGATIVE_COVERAGE else "positive"}},
            },
        }
    ),
)
schema.app = application  # requests go straight to the WSGI app, in the test's database transaction


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Django closes database connections when a request ends; the test client stops that, and so
    must requests sent straight to the WSGI app, or the test's transaction (PostgreSQL) is lost."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def city(db, engineer, wsgi_keeps_the_test_connection):
    """A few objects of every kind, so that generated ids (small numbers first) find some."""
    for endpoint in ENDPOINTS:
        endpoint.make()
        endpoint.make()
    migration = MigrationFactory(device=DeviceFactory())
    FiberLinkFactory(site_a=migration.device.site)
    return engineer


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema(case, city):
    # A fresh token for each request: a generated DELETE /api/tokens/{id}/ may revoke the last one.
    _token, key = Token.issue(city, read_only=False)
    case.call_and_validate(
        headers={"Authorization": f"Token {key}"},
        checks=[not_a_server_error, response_schema_conformance],
    )


def test_the_schema_is_valid_openapi():
    validate_schema(DOCUMENT)
    operations = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}
    # Every model endpoint with its list, bulk and detail operations; the change log, tokens, transitions.
    assert len(operations) >= 15 * 9
    assert ("/api/devices/", "put") in operations and ("/api/migrations/{id}/transition/", "post") in operations
    names = [op["operationId"] for item in DOCUMENT["paths"].values() for op in item.values()]
    assert len(names) == len(set(names))
    assert all("-" not in name for name in names)


@pytest.mark.django_db
def test_the_served_schema_is_this_one(api):
    served = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert served.status_code == 200
    assert json.loads(served.content)["paths"].keys() == DOCUMENT["paths"].keys()
