"""SPBE indicator figures: each today and on a past date on a small city whose past differs from today,
the objects behind each figure, the API, the evidence page and its files, permissions, query counts,
and the yearly targets."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from infra.core.choices import ChangeSource, Role
from infra.core.context import change_context
from infra.inventory import choices, indicators, models
from infra.inventory.services.migration import start_tracking

from ..api.conftest import token_client
from ..factories import (
    ApplicationFactory,
    DeviceFactory,
    FiberLinkFactory,
    OrganizationFactory,
    SiteFactory,
    UserFactory,
)

S = choices.MigrationState
THEN = timezone.make_aware(datetime.datetime(2025, 1, 15, 10, 0))
PAST = datetime.date(2025, 6, 30)  # the day an auditor asks about
BEFORE = datetime.date(2024, 12, 31)  # before the registry held anything


def _at(moment):
    return change_context(source=ChangeSource.COMMAND, at=moment)


@pytest.fixture
def city(db):
    """In January 2025: OPD X runs a server in the data center, OPD Z an application on it, OPD Y a
    server in its own office; one active fiber link reaches office A. Since then: Y's server moved to
    the data center, Z's application was retired, OPD W arrived with a migrated server, the link A-B
    came into service, and W's application was integrated."""
    with _at(THEN):
        x, y, z = (OrganizationFactory(short_name=n, name=f"Dinas {n}") for n in ("X", "Y", "Z"))
        dc = SiteFactory(name="Pusat Data", kind=choices.SiteKind.DATA_CENTER, organization=x)
        a, b, c = (SiteFactory(name=f"Kantor {n}", organization=y) for n in "ABC")
        x1 = DeviceFactory(name="srv-x1", organization=x, site=dc)
        y1 = DeviceFactory(name="srv-y1", organization=y, site=a)
        y2 = DeviceFactory(name="srv-y2", organization=y, site=a)
        DeviceFactory(name="sw-x", organization=x, site=dc, kind=choices.DeviceKind.SWITCH)
        app_y = ApplicationFactory(
            name="SIMPEG", organization=y, integration_status=choices.IntegrationStatus.API_GATEWAY
        )
        app_y.devices.add(y1)
        app_z = ApplicationFactory(name="E-Office", organization=z)
        app_z.devices.add(x1)
        FiberLinkFactory(code="FO-1", site_a=dc, site_b=a, length_km=Decimal("3.000"))
        ab = FiberLinkFactory(
            code="FO-2", site_a=a, site_b=b, length_km=Decimal("2.000"), status=choices.FiberLinkStatus.PLANNED
        )
        FiberLinkFactory(
            code="FO-3", site_a=b, site_b=c, length_km=Decimal("1.500"), status=choices.FiberLinkStatus.PLANNED
        )
    start_tracking(x1, at=THEN, state=S.CUT_OVER, imported=True)
    start_tracking(y1, at=THEN)
    start_tracking(y2, at=THEN, state=S.RETAINED, imported=True, retain_justification="Data pasien")
    # Since then (now):
    y1.site = dc
    y1.save()
    app_z.status = choices.ApplicationStatus.RETIRED
    app_z.save()
    w = OrganizationFactory(short_name="W", name="Dinas W")
    w1 = DeviceFactory(name="srv-w1", organization=w, site=dc)
    start_tracking(w1, state=S.CUT_OVER, imported=True)
    ApplicationFactory(name="SIPD", organization=w, integration_status=choices.IntegrationStatus.SERVICE_BUS)
    ab.status = choices.FiberLinkStatus.ACTIVE
    ab.save()
    return {"dc": dc, "x": x, "y": y, "z": z, "w": w}


def _values(as_of=None) -> dict:
    return {f.key: f for f in indicators.figures(as_of)}


def _names(figure) -> list[str]:
    return [o.name for o in figure.result.objects]


def test_opds_using_the_data_center(city):
    today, past = _values()["opd_using_data_center"], _values(PAST)["opd_using_data_center"]
    assert (today.value, _names(today)) == (3, ["W", "X", "Y"])
    assert (past.value, _names(past)) == (2, ["X", "Z"])  # Z by its application on X's server alone
    assert _values(BEFORE)["opd_using_data_center"].value == 0


def test_share_of_servers_migrated(city):
    today, past = _values()["servers_migrated"], _values(PAST)["servers_migrated"]
    # The retained server is outside the programme's denominator; the switch is not a server.
    assert (today.value, today.result.numerator, today.result.denominator) == (Decimal("66.7"), 2, 3)
    assert (past.value, past.result.numerator, past.result.denominator) == (Decimal("50.0"), 1, 2)
    assert _names(today) == ["srv-w1", "srv-x1"] and _names(past) == ["srv-x1"]


def test_applications_integrated(city):
    today, past = _values()["applications_integrated"], _values(PAST)["applications_integrated"]
    assert (today.value, _names(today)) == (2, ["SIMPEG", "SIPD"])
    assert (past.value, _names(past)) == (1, ["SIMPEG"])


def test_active_fiber_km(city):
    today, past = _values()["fiber_km_active"], _values(PAST)["fiber_km_active"]
    assert today.value == Decimal("5.000") and _names(today) == ["FO-1", "FO-2"]
    assert past.value == Decimal("3.000") and _names(past) == ["FO-1"]
    assert sum(o.details["km"] for o in today.result.objects) == today.value


def test_sites_connected_to_the_data_center(city):
    today, past = _values()["sites_connected"], _values(PAST)["sites_connected"]
    assert (today.value, _names(today)) == (2, ["Kantor A", "Kantor B"])
    assert (past.value, _names(past)) == (1, ["Kantor A"])


@pytest.mark.parametrize("as_of", [None, PAST, BEFORE])
def test_the_objects_behind_each_figure_make_it(city, as_of):
    for figure in indicators.figures(as_of):
        count = len(figure.result.objects)
        if figure.key == "fiber_km_active":
            assert sum((o.details["km"] for o in figure.result.objects), Decimal(0)) == figure.value
        elif figure.key == "servers_migrated":
            assert count == figure.result.numerator
        else:
            assert count == figure.value


def test_a_past_figure_reads_history_not_todays_rows(city):
    """Today's rows changed after PAST; deleting a link today does not change the past."""
    link = models.FiberLink.objects.get(code="FO-1")
    link.cores.all().delete()
    link.delete()
    assert _values()["fiber_km_active"].value == Decimal("2.000")
    assert _values(PAST)["fiber_km_active"].value == Decimal("3.000")


def test_every_figure_has_its_definition_and_unit(db):
    for indicator in indicators.INDICATORS.values():
        assert len(str(indicator.definition)) > 40 and str(indicator.unit) and str(indicator.label)


@pytest.mark.query_counts
@pytest.mark.parametrize("when", ["today", "past"])
def test_the_figures_cost_a_fixed_number_of_queries(city, when, query_counts):
    as_of = None if when == "today" else PAST

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            indicators.figures(as_of)
        return len(queries)

    small = count()
    with _at(THEN):
        for _n in range(6):
            org = OrganizationFactory()
            device = DeviceFactory(organization=org, site=city["dc"])
            ApplicationFactory(organization=org).devices.add(device)
            FiberLinkFactory(site_a=city["dc"])
            start_tracking(device, at=THEN)
    assert count() == small
    query_counts.check(f"indicators/figures/{when}", small)


# --- API -------------------------------------------------------------------------------------------


@pytest.fixture
def api(db):
    client = token_client(UserFactory(role=Role.AUDITOR), read_only=True)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_api_gives_every_figure_with_its_target(api, city):
    models.YearTarget.objects.create(
        year=PAST.year, servers_moved=4, applications_integrated=10, fiber_km=Decimal("8.5")
    )
    body = api.get("/api/indicators/", {"as_of": PAST.isoformat()}).json()
    by_key = {row["key"]: row for row in body}
    assert list(by_key) == list(indicators.INDICATORS)
    opd = by_key["opd_using_data_center"]
    assert opd["value"] == 2 and opd["unit"] == "OPDs" and opd["as_of"] == "2025-06-30"
    assert opd["definition"] == str(indicators.INDICATORS["opd_using_data_center"].definition)
    assert opd["target"] is None and opd["spbe_indicator"] == "16"
    assert by_key["servers_migrated"]["target"] == 4 and by_key["servers_migrated"]["target_actual"] == 1
    assert by_key["servers_migrated"]["value"] == 50.0
    assert by_key["applications_integrated"]["target"] == 10
    assert by_key["fiber_km_active"]["target"] == 8.5 and by_key["fiber_km_active"]["value"] == 3.0
    assert by_key["sites_connected"]["target"] is None
    assert opd["objects_url"].endswith("/api/indicators/opd_using_data_center/objects/?as_of=2025-06-30")
    today = {row["key"]: row for row in api.get("/api/indicators/").json()}
    assert today["opd_using_data_center"]["value"] == 3
    assert today["opd_using_data_center"]["as_of"] == timezone.localdate().isoformat()


def test_the_api_lists_the_objects_behind_a_figure(api, city):
    url = "/api/indicators/opd_using_data_center/objects/"
    body = api.get(url, {"as_of": PAST.isoformat()}).json()
    assert body["count"] == 2 and [r["name"] for r in body["results"]] == ["X", "Z"]
    assert body["results"][1]["details"]["applications"] == "E-Office"
    assert body["results"][0]["url"] == f"/organizations/{city['x'].pk}/"
    page = api.get(url, {"limit": 2, "offset": 2}).json()
    assert page["count"] == 3 and [r["name"] for r in page["results"]] == ["Y"]
    fiber = api.get("/api/indicators/fiber_km_active/objects/").json()
    assert sum(Decimal(str(r["details"]["km"])) for r in fiber["results"]) == Decimal("5")


@pytest.mark.parametrize(
    "query", [{"as_of": "31-12-2025"}, {"as_of": "2025-02-30"}, {"as_of": "x" * 300}, {"as_of": "2999-01-01"}]
)
def test_a_bad_date_is_a_clear_400(api, city, query):
    for url in ("/api/indicators/", "/api/indicators/sites_connected/objects/"):
        response = api.get(url, query)
        assert response.status_code == 400 and "as_of" in response.json()


def test_an_unknown_indicator_is_404(api, city):
    assert api.get("/api/indicators/nothing/objects/").status_code == 404


def test_the_api_answers_in_indonesian_by_default(city):
    client = token_client(UserFactory(role=Role.AUDITOR))
    body = client.get("/api/indicators/", HTTP_ACCEPT_LANGUAGE="id").json()
    assert body[0]["label"] == "OPD yang memakai pusat data"


def test_who_may_read_the_api(city):
    for role in (Role.AUDITOR, Role.OPD_OPERATOR, Role.ENGINEER):
        user = UserFactory(role=role, organization=city["y"] if role == Role.OPD_OPERATOR else None)
        assert token_client(user).get("/api/indicators/").status_code == 200
    anonymous = token_client(UserFactory(role=Role.AUDITOR))
    anonymous.credentials()
    assert anonymous.get("/api/indicators/").status_code in (401, 403)


def test_the_schema_documents_the_endpoints(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/indicators/" in schema["paths"]
    assert "as_of" in {p["name"] for p in schema["paths"]["/api/indicators/{key}/objects/"]["get"]["parameters"]}


@pytest.mark.query_counts
@pytest.mark.parametrize("when", ["today", "past"])
def test_the_api_costs_a_fixed_number_of_queries(api, city, when, query_counts):
    params = {} if when == "today" else {"as_of": PAST.isoformat()}

    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url, params).status_code == 200
        return len(queries)

    urls = ("/api/indicators/", "/api/indicators/opd_using_data_center/objects/")
    count(urls[0])  # the token's first use is written down once
    small = [count(url) for url in urls]
    with _at(THEN):
        for _n in range(5):
            org = OrganizationFactory()
            DeviceFactory(organization=org, site=city["dc"])
    assert [count(url) for url in urls] == small
    query_counts.check(f"api/indicators/{when}", small[0])
    query_counts.check(f"api/indicators-objects/{when}", small[1])
