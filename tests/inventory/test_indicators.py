"""SPBE indicator figures: each today and on a past date on a small city whose past differs from today,
the objects behind each figure, the API, the evidence page and its files, permissions, query counts,
and the yearly targets."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from infra.core.choices import ChangeSource, Role
from infra.core.context import change_context
from infra.core.models import ObjectChange
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


def test_a_token_gets_the_evidence_files_from_the_api(api, city):
    """An auditor's script takes the working paper's files with its token, in one call."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    book = api.get("/api/indicators/", {"as_of": PAST.isoformat(), "format": "xlsx"})
    assert book.status_code == 200
    assert book["Content-Disposition"] == 'attachment; filename="evidence-indicators-2025-06-30.xlsx"'
    summary = load_workbook(io.BytesIO(book.content))["Summary"]
    cells = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and row[0]}
    assert cells["Figures as of"] == "end of 30 June 2025" and cells["OPDs using the data center"] == 2
    pdf = api.get("/api/indicators/", {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert "3 OPDs" in text  # today's figure, not the past one
    refused = api.get("/api/indicators/", {"format": "docx"})
    assert refused.status_code == 400 and "docx" in refused.json()["format"][0]


def test_a_date_before_the_history_starts_is_refused_not_zero(api, web, city):
    """Before the change log's first record the city cannot be rebuilt: a 400 naming where it starts,
    never a page (or a signed working paper) of zeros."""
    starts = timezone.localtime(ObjectChange.objects.order_by("time").first().time).date().isoformat()
    for url in ("/api/indicators/", "/api/indicators/opd_using_data_center/objects/"):
        response = api.get(url, {"as_of": BEFORE.isoformat()})
        assert response.status_code == 400 and starts in response.json()["as_of"][0]
    for query in ({"as_of": BEFORE.isoformat()}, {"as_of": BEFORE.isoformat(), "export": "pdf"}):
        page = web.get("/evidence/", query)
        assert page.status_code == 400 and starts in page.content.decode()
    assert api.get("/api/indicators/", {"as_of": PAST.isoformat()}).status_code == 200


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


# --- The evidence page and its files ---------------------------------------------------------------


@pytest.fixture
def web(db):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(role=Role.AUDITOR, first_name="Rina", last_name="Auditor"))
    return client


def test_the_page_shows_every_figure_with_its_definition_and_target(web, city):
    models.YearTarget.objects.create(year=PAST.year, servers_moved=4, applications_integrated=10)
    html = web.get("/evidence/", {"as_of": PAST.isoformat()}).content.decode()
    for indicator in indicators.INDICATORS.values():
        assert f'data-testid="figure-{indicator.key}"' in html
        assert str(indicator.definition) in html
        assert f'href="/evidence/{indicator.key}/?as_of=2025-06-30"' in html
    assert "50.0 %" in html and "3.0 km" in html and "2 OPDs" in html
    assert "10 applications integrated by 31 December 2025 (now 1)" in html
    assert "Below target" in html and "No target set for 2025." in html  # the OPDs' figure has none
    today = web.get("/evidence/").content.decode()
    assert "66.7 %" in today and "3 OPDs" in today and "Figures for today" in today


def test_the_objects_page_lists_what_is_behind_a_figure(web, city):
    html = web.get("/evidence/opd_using_data_center/", {"as_of": PAST.isoformat()}).content.decode()
    assert f'href="/organizations/{city["z"].pk}/">Z</a>' in html and ">E-Office<" in html
    assert f"/organizations/{city['y'].pk}/" not in html  # Y came to the data center later
    assert web.get("/evidence/nothing/").status_code == 404


@pytest.mark.parametrize("url", ["/evidence/", "/evidence/sites_connected/"])
def test_a_bad_date_on_the_page_is_said_not_a_500(web, city, url):
    for bad in ("2025-13-01", "2999-01-01", "<script>"):
        response = web.get(url, {"as_of": bad})
        assert response.status_code == 400
        assert "YYYY-MM-DD" in response.content.decode() or "future" in response.content.decode()


def test_the_xlsx_holds_the_date_definitions_figures_and_signature_block(web, city):
    from openpyxl import load_workbook

    models.YearTarget.objects.create(year=PAST.year, servers_moved=4)
    response = web.get("/evidence/", {"as_of": PAST.isoformat(), "export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="evidence-indicators-2025-06-30.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    summary = [[c for c in row] for row in book["Summary"].iter_rows(values_only=True)]
    cells = {row[0]: tuple(row[1:]) for row in summary if row and row[0]}
    assert cells["Figures as of"][0] == "end of 30 June 2025"
    assert cells["Produced by"][0] == "Rina Auditor"
    assert cells["OPDs using the data center"][:3] == (2, "OPDs", None)
    assert cells["Share of servers migrated"][0] == 50.0
    assert cells["Share of servers migrated"][2] == "4 servers moved by 31 December 2025 (now 1)"
    assert cells["Active fiber"][0] == 3.0
    assert cells["Active fiber"][3] == str(indicators.INDICATORS["fiber_km_active"].definition)
    assert ("Prepared by", None, "Checked by") == tuple(summary[-6][:3])
    assert [row[0] for row in summary[-5:]] == ["Name", "NIP", "Date", "Place", "Signature"]
    opd_sheet = book.worksheets[1]
    headings = next(opd_sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert headings == ("id", "Name", "Servers in the data center", "Applications hosted there")
    names = [row[1] for row in opd_sheet.iter_rows(min_row=3, values_only=True)]
    assert names == ["X", "Z"]


def test_the_pdf_holds_the_figures_and_the_signature_block(web, city):
    from pypdf import PdfReader

    response = web.get("/evidence/", {"as_of": PAST.isoformat(), "export": "pdf"})
    assert response["Content-Type"] == "application/pdf" and len(response.content) > 1000
    pdf = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert round(float(pdf.pages[0].mediabox.width)) == 595  # A4
    for expected in ("30 June 2025", "OPDs using the data center", "2 OPDs", "50.0 %", "3.0 km"):
        assert expected in text
    for expected in ("Prepared by", "Checked by", "NIP", "Place", "Signature"):
        assert expected in text


def test_the_page_in_indonesian(city):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="id")
    client.force_login(UserFactory(role=Role.AUDITOR))
    html = client.get("/evidence/", {"as_of": PAST.isoformat()}, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "OPD yang memakai pusat data" in html and "50,0 %" in html and "Definisi" in html


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.OPD_OPERATOR, Role.ENGINEER, Role.ADMINISTRATOR])
def test_every_signed_in_role_reads_the_evidence(city, role):
    from django.test import Client

    client = Client()
    client.force_login(UserFactory(role=role, organization=city["y"] if role == Role.OPD_OPERATOR else None))
    assert client.get("/evidence/").status_code == 200
    assert client.get("/evidence/fiber_km_active/").status_code == 200


def test_a_visitor_is_sent_to_sign_in(city):
    from django.test import Client

    response = Client().get("/evidence/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.query_counts
@pytest.mark.parametrize("when", ["today", "past"])
def test_the_page_costs_a_fixed_number_of_queries(web, city, when, query_counts):
    params = {} if when == "today" else {"as_of": PAST.isoformat()}

    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert web.get(url, params).status_code == 200
        return len(queries)

    urls = ("/evidence/", "/evidence/opd_using_data_center/")
    count(urls[0])
    small = [count(url) for url in urls]
    with _at(THEN):
        for _n in range(5):
            org = OrganizationFactory()
            ApplicationFactory(organization=org).devices.add(DeviceFactory(organization=org, site=city["dc"]))
    assert [count(url) for url in urls] == small
    query_counts.check(f"web/evidence/{when}", small[0])
    query_counts.check(f"web/evidence-objects/{when}", small[1])


# --- Yearly targets ---------------------------------------------------------------------------------


def test_targets_are_kept_per_year_and_checked(db):
    from django.core.exceptions import ValidationError

    target = models.YearTarget(year=2026, servers_moved=10, fiber_km=Decimal("-1"))
    with pytest.raises(ValidationError) as error:
        target.full_clean()
    assert "fiber_km" in error.value.message_dict
    models.YearTarget.objects.create(year=2026, servers_moved=10)  # the new targets may stay empty
    assert indicators.targets_for(2026)["applications_integrated"] is None


def test_an_engineer_sets_the_new_targets_on_the_form_and_it_is_logged(engineer):
    from django.test import Client

    from infra.core.models import ObjectChange

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(engineer)
    data = {"year": 2026, "servers_moved": 30, "applications_integrated": 20, "sites_connected": 60}
    response = client.post("/yearly-targets/add/", {**data, "fiber_km": "250.5", "note": "Renstra"})
    assert response.status_code == 302, response.content.decode()[:2000]
    target = models.YearTarget.objects.get(year=2026)
    assert (target.applications_integrated, target.sites_connected, target.fiber_km) == (20, 60, Decimal("250.5"))
    assert ObjectChange.objects.filter(object_id=target.pk, after__applications_integrated=20).exists()
    bad = client.post("/yearly-targets/add/", {**data, "year": 2027, "fiber_km": "-3"})
    assert bad.status_code == 400 and not models.YearTarget.objects.filter(year=2027).exists()
    assert "Ensure this value is greater than or equal to 0" in bad.content.decode()


def test_an_auditor_cannot_set_targets_through_the_api(api, db):
    response = api.post("/api/yearly-targets/", {"year": 2026, "servers_moved": 1, "sites_connected": 5}, format="json")
    assert response.status_code == 403


def test_targets_over_the_api(db, engineer):
    client = token_client(engineer)
    body = {"year": 2026, "servers_moved": 5, "applications_integrated": 10, "fiber_km": "12.5"}
    response = client.post("/api/yearly-targets/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["applications_integrated"] == 10 and response.json()["sites_connected"] is None


def test_the_progress_page_and_the_dashboard_show_this_years_targets(city, engineer):
    from django.test import Client

    year = timezone.localdate().year
    models.YearTarget.objects.create(year=year, servers_moved=4, applications_integrated=2, sites_connected=5)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(engineer)
    for url in ("/", "/migrations/progress/"):
        html = client.get(url).content.decode()
        assert f"Targets {year} against today" in html
        assert 'data-target="servers_migrated"' in html and 'data-target="fiber_km_active"' not in html
        # servers moved 2 of 4: half-way; applications 2 of 2: met
        assert '<td class="text-end">2</td><td class="text-end">4</td>' in html and "pct-50" in html
        assert "bg-success pct-100" in html


@pytest.mark.query_counts
@pytest.mark.parametrize("url", ["/", "/migrations/progress/"])
def test_the_targets_keep_the_pages_query_counts_fixed(city, engineer, url, query_counts):
    from django.test import Client

    year = timezone.localdate().year
    models.YearTarget.objects.create(year=year, servers_moved=4, applications_integrated=2, sites_connected=5)
    models.YearTarget.objects.filter(year=year).update(fiber_km=Decimal("9"))
    client = Client()
    client.force_login(engineer)

    def count() -> int:
        client.get(url)  # warm: the status panel's cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    for _n in range(4):
        org = OrganizationFactory()
        device = DeviceFactory(organization=org, site=city["dc"])
        ApplicationFactory(organization=org, integration_status=choices.IntegrationStatus.SERVICE_BUS)
        start_tracking(device, state=S.CUT_OVER, imported=True)
        FiberLinkFactory(site_a=city["dc"])
    assert count() == small
    query_counts.check(f"web/{'home' if url == '/' else 'progress'}-with-targets", small)


def test_the_docs_give_each_definition_exactly_as_the_page(db):
    from pathlib import Path

    from django.utils import translation

    text = " ".join((Path(__file__).parents[2] / "docs" / "indicators.md").read_text().split())
    for indicator in indicators.INDICATORS.values():
        with translation.override("en"):
            assert str(indicator.definition) in text, indicator.key
        with translation.override("id"):
            assert str(indicator.definition) in text, indicator.key
