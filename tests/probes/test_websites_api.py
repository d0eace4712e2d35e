# ruff: noqa: F811  (the city fixture is imported from test_websites_report)
"""The websites report in the API: pages, filters, ordering, files, permissions, a fixed query count,
its schema; and what a website check found, nested in the check."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infra.core.choices import Role

from ..api.conftest import token_client
from ..factories import UserFactory
from .test_websites_report import _grow, city  # noqa: F401  (the same small city)

URL = "/api/probes/websites/"


@pytest.fixture
def api(db):
    client = token_client(UserFactory(role=Role.AUDITOR))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_report_pages_filters_and_orders(api, city):
    body = api.get(URL, {"limit": 2}).json()
    assert body["count"] >= 4 and len(body["results"]) == 2 and body["next"]
    assert body["results"][0]["state"] == "down"  # worst first
    stale = api.get(URL, {"stale": "true"}).json()["results"]
    assert [r["name"] for r in stale] == ["Dinkes"]
    row = stale[0]
    assert row["warnings"] == ["cert_expiring", "mixed_content", "stale"]  # in WebsiteWarning order
    assert row["update_source"] == "sitemap" and row["days_since_update"] == 120
    assert row["check"] == city["checks"]["stale"].pk and row["enabled"] is True
    assert row["organization"] == city["stale"].pk
    names = [r["name"] for r in api.get(URL, {"state": ["off", "no_website"], "ordering": "name"}).json()["results"]]
    assert names == ["Bappeda", "Satpol"]
    assert [r["name"] for r in api.get(URL, {"warning": "cert_expiring,plain_http"}).json()["results"]] == ["Dinkes"]
    assert [r["name"] for r in api.get(URL, {"q": "komunikasi"}).json()["results"]] == ["Diskominfo"]
    apps = api.get(URL + "applications/").json()["results"]
    assert [(r["name"], r["organization_name"], r["kind"]) for r in apps] == [
        ("E-Planning", "Diskominfo", "application")
    ]


def test_bad_questions_are_400s(api, city):
    for params in ({"state": "broken"}, {"warning": "nope"}, {"ordering": "password"}, {"organization": "x"}):
        response = api.get(URL, params)
        assert response.status_code == 400, params


def test_files_hold_the_filtered_rows_with_english_keys(api, city):
    response = api.get(URL, {"format": "csv", "stale": "1"})
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert table[0][:4] == ["name", "full_name", "website", "state"]
    assert [(r[0], r[3]) for r in table[1:]] == [("Dinkes", "down")]
    assert api.get(URL, {"format": "xlsx"})["Content-Type"].startswith("application/vnd.openxmlformats")


def test_who_may_read_it(city):
    assert token_client(UserFactory(role=Role.OPD_OPERATOR, organization=city["bare"])).get(URL).status_code == 200
    anonymous = token_client(UserFactory(role=Role.AUDITOR))
    anonymous.credentials()
    assert anonymous.get(URL).status_code in (401, 403)


@pytest.mark.query_counts
def test_the_api_costs_the_same_queries_at_two_sizes(api, city, query_counts):
    def count(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(URL, params).status_code == 200
        return len(queries)

    _grow(2)
    count()  # the token's first use is written down once
    small = count(limit="10")
    _grow(30)
    assert count(limit="10") == small
    assert count(limit="100") == small
    query_counts.check("api/probes/websites", small)


def test_a_website_check_carries_what_it_found(api, city):
    check = city["checks"]["stale"]
    body = api.get(f"/api/probes/checks/{check.pk}/").json()
    assert body["kind"] == "http" and body["target_url"] == "http://127.0.0.2/"
    assert body["website"]["status_code"] == 503
    assert body["website"]["warnings"] == ["stale", "cert_expiring", "mixed_content"]
    assert body["website"]["mixed_content"] == ["http://127.0.0.2/logo.png"]


def test_an_http_check_is_made_from_its_url(city):
    engineer = token_client(UserFactory(role=Role.ENGINEER))
    response = engineer.post(
        "/api/probes/checks/",
        {"kind": "http", "target_url": "https://127.0.0.7:8443/", "interval": 300, "timeout": 10, "stale_days": 30},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["address"] == "127.0.0.7" and response.json()["website"] is None


def test_the_schema_describes_the_report():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/probes/websites/"]["get"]
    params = {p["name"] for p in operation["parameters"]}
    assert {"limit", "offset", "state", "warning", "stale", "ordering", "q", "organization"} <= params
    assert "WebsiteStatus" in schema["components"]["schemas"]


def test_organizations_carry_their_website(api, city):
    found = api.get("/api/organizations/", {"has_website": "false", "limit": 1000}).json()["results"]
    assert "Satpol" in {o["short_name"] for o in found} and "Dinkes" not in {o["short_name"] for o in found}
    dinkes = api.get(f"/api/organizations/{city['stale'].pk}/").json()
    assert dinkes["website"] == "http://127.0.0.2/"
