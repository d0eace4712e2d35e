"""The status page: what is down now, its root cause and impact, largest first, in fixed queries."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from infra.inventory.choices import DeviceKind, SiteKind
from infra.probes import status
from infra.probes.models import Check, CheckStatus, MaintenanceWindow, Prober
from infra.probes.services.recording import Observation, record
from tests.factories import ApplicationFactory, DeviceFactory, FiberLinkFactory, SiteFactory

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def _sweeps(checks_ok: dict, start, sweeps: int = 3) -> None:
    prober, _ = Prober.objects.get_or_create(name="t")
    for i in range(sweeps):
        at = start + i * MINUTE
        record(
            [
                Observation(c.pk, at, 0, 3, 3, 1, 1, 1, 0) if ok else Observation(c.pk, at, 1, 3, 0)
                for c, ok in checks_ok.items()
            ],
            prober.pk,
        )


@pytest.fixture
def city():
    """DC - A - B (B reached only through A), C on the DC; servers at A and B, a switch at C."""
    dc = SiteFactory(kind=SiteKind.DATA_CENTER, name="DC")
    a, b, c = SiteFactory(name="Kantor A"), SiteFactory(name="Kantor B"), SiteFactory(name="Kantor C")
    FiberLinkFactory(site_a=dc, site_b=a)
    FiberLinkFactory(site_a=a, site_b=b)
    FiberLinkFactory(site_a=dc, site_b=c)
    devices = {
        "dc": DeviceFactory(site=dc, organization=dc.organization, kind=DeviceKind.SWITCH),
        "a": DeviceFactory(site=a, organization=a.organization, kind=DeviceKind.SERVER),
        "b1": DeviceFactory(site=b, organization=b.organization, kind=DeviceKind.SERVER),
        "b2": DeviceFactory(site=b, organization=b.organization, kind=DeviceKind.VIRTUAL_MACHINE),
        "c1": DeviceFactory(site=c, organization=c.organization, kind=DeviceKind.SWITCH),
        "c2": DeviceFactory(site=c, organization=c.organization, kind=DeviceKind.SERVER),
    }
    ApplicationFactory(organization=b.organization).devices.add(devices["b1"], devices["b2"])
    checks = {
        name: Check.objects.create(device=d, address=f"127.0.11.{i + 1}") for i, (name, d) in enumerate(devices.items())
    }
    return {"sites": {"dc": dc, "a": a, "b": b, "c": c}, "devices": devices, "checks": checks}


def test_an_upstream_outage_is_one_incident_with_what_sits_behind_it_and_comes_first(city):
    checks = city["checks"]
    start = timezone.now() - datetime.timedelta(hours=1)
    _sweeps({c: True for c in checks.values()}, start, sweeps=2)
    # A goes down, and with it B behind it; at C only the switch c1 stops answering
    down = {"a", "b1", "b2", "c1"}
    _sweeps({c: name not in down for name, c in checks.items()}, start + 2 * MINUTE)
    now = status.current()
    assert [(i.kind, i.site.name if i.kind == "site" else i.device.name) for i in now.incidents] == [
        ("site", "Kantor A"),
        ("device", city["devices"]["c1"].name),
    ]
    outage, switch = now.incidents
    assert [s.name for s in outage.behind_sites] == ["Kantor B"]
    assert (outage.devices, outage.servers, outage.applications, outage.organizations) == (3, 3, 1, 2)
    assert outage.since == start + 4 * MINUTE  # the third failed sweep took it down
    assert (switch.devices, switch.servers, switch.applications) == (1, 0, 0)
    assert (now.down_checks, now.unknown_checks) == (4, 0)


def test_an_incident_in_maintenance_is_marked_and_comes_after_the_others(city):
    checks = city["checks"]
    start = timezone.now() - datetime.timedelta(hours=1)
    _sweeps({c: True for c in checks.values()}, start, sweeps=2)
    _sweeps({c: name not in {"a", "b1", "b2", "c1"} for name, c in checks.items()}, start + 2 * MINUTE)
    MaintenanceWindow.objects.create(
        site=city["sites"]["a"], start=start, end=timezone.now() + datetime.timedelta(hours=1), reason="ganti UPS"
    )
    incidents = status.current().incidents
    assert [(i.kind, i.in_maintenance) for i in incidents] == [("device", False), ("site", True)]


def test_the_page_lists_incidents_refreshes_itself_and_says_when_all_is_up(client, engineer, city):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("probes:status")).content.decode()
    assert 'data-testid="all-up"' in page and 'hx-trigger="every 30s"' in page
    checks = city["checks"]
    start = timezone.now() - datetime.timedelta(hours=1)
    _sweeps({c: True for c in checks.values()}, start, sweeps=2)
    _sweeps({c: name not in {"a", "b1", "b2"} for name, c in checks.items()}, start + 2 * MINUTE)
    fragment = client.get(reverse("probes:status"), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'data-testid="incident"' in fragment
    assert "Kantor A" in fragment and "1 site cut off behind it" in fragment and "Kantor B" in fragment


def test_a_cut_off_prober_is_said_first(client, engineer):
    Prober.objects.create(name="probe-dc", reference="127.0.0.9", reference_ok=False, reference_at=timezone.now())
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("probes:status")).content.decode()
    assert 'data-testid="cut-off"' in page and "probe-dc" in page and "unknown, not down" in page


@pytest.mark.query_counts
def test_the_status_costs_the_same_queries_for_a_small_or_a_large_outage(client, engineer, query_counts):
    client.force_login(engineer)

    def outage(sites: int, devices_per_site: int) -> int:
        dc = SiteFactory(kind=SiteKind.DATA_CENTER)
        previous = dc
        checks = []
        for _ in range(sites):
            site = SiteFactory()
            FiberLinkFactory(site_a=previous, site_b=site)
            previous = site
            for _ in range(devices_per_site):
                device = DeviceFactory(site=site, organization=site.organization)
                ApplicationFactory(organization=site.organization).devices.add(device)
                checks.append(
                    Check.objects.create(device=device, address=f"127.12.{len(checks) // 250}.{len(checks) % 250 + 1}")
                )
        start = timezone.now() - datetime.timedelta(hours=1)
        _sweeps(dict.fromkeys(checks, True), start, sweeps=2)
        _sweeps(dict.fromkeys(checks, False), start + 2 * MINUTE)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("probes:status")).status_code == 200
        return len(queries)

    few = outage(1, 1)
    many = outage(4, 3)
    assert few == many
    query_counts.check("web/probes-status", many)


def test_the_dashboard_shows_what_is_down_now_largest_first_and_refreshes_itself(client, engineer, city):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    home = client.get("/").content.decode()
    assert 'data-testid="down-now-none"' in home and "Nothing is down." in home
    checks = city["checks"]
    start = timezone.now() - datetime.timedelta(hours=1)
    _sweeps({c: True for c in checks.values()}, start, sweeps=2)
    _sweeps({c: name not in {"a", "b1", "b2", "c1"} for name, c in checks.items()}, start + 2 * MINUTE)
    home = client.get("/").content.decode()
    panel = home[home.index('data-testid="down-now"') :]
    items = panel.split('data-testid="down-now-incident"')[1:]
    assert len(items) == 2
    assert "Kantor A" in items[0] and "+ 1 site behind it" in items[0] and "3 servers" in items[0]
    assert city["devices"]["c1"].name in items[1] and "0 servers" in items[1]
    assert "4 checks down, 0 unknown" in panel and 'hx-get="/probes/status/?panel=home"' in panel
    fragment = client.get("/probes/status/?panel=home", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and fragment.count('data-testid="down-now-incident"') == 2


def test_the_dashboard_shows_the_first_five_incidents_and_how_many_more(client, engineer):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    dc = SiteFactory(kind=SiteKind.DATA_CENTER)
    site = SiteFactory()
    FiberLinkFactory(site_a=dc, site_b=site)
    checks = [
        Check.objects.create(device=DeviceFactory(site=site, organization=site.organization), address=f"127.0.13.{i}")
        for i in range(1, 10)
    ]
    keeper = Check.objects.create(
        device=DeviceFactory(site=site, organization=site.organization), address="127.0.13.99"
    )
    start = timezone.now() - datetime.timedelta(hours=1)
    _sweeps({**dict.fromkeys(checks, True), keeper: True}, start, sweeps=2)
    _sweeps({**dict.fromkeys(checks, False), keeper: True}, start + 2 * MINUTE)  # the site answers: 9 lone devices
    home = client.get("/").content.decode()
    assert home.count('data-testid="down-now-incident"') == 5
    assert "and 4 more incidents" in home


@pytest.mark.query_counts
def test_the_dashboard_costs_the_same_queries_for_a_small_or_a_large_outage(client, engineer, query_counts):
    client.force_login(engineer)

    def outage(devices: int) -> int:
        dc = SiteFactory(kind=SiteKind.DATA_CENTER)
        site = SiteFactory()
        FiberLinkFactory(site_a=dc, site_b=site)
        checks = [
            Check.objects.create(
                device=DeviceFactory(site=site, organization=site.organization),
                address=f"127.14.{Check.objects.count() // 250}.{Check.objects.count() % 250 + 1}",
            )
            for _ in range(devices)
        ]
        start = timezone.now() - datetime.timedelta(hours=1)
        _sweeps(dict.fromkeys(checks, True), start, sweeps=2)
        _sweeps(dict.fromkeys(checks, False), start + 2 * MINUTE)
        client.get("/")
        cache.clear()  # the status computed, not taken from the cache (a hit costs one query: below)
        with CaptureQueriesContext(connection) as queries:
            assert 'data-testid="down-now-incident"' in client.get("/").content.decode()
        with CaptureQueriesContext(connection) as cached:  # within CACHE_SECONDS, no new event
            client.get("/")
        assert len(cached) < len(queries)
        query_counts.check("web/home-down-now-cached", len(cached))
        return len(queries)

    few = outage(1)
    many = outage(8)
    assert few == many
    query_counts.check("web/home-down-now", many)


def test_the_page_shows_the_largest_incidents_and_all_of_them_on_request(client, engineer, monkeypatch):
    from infra.probes import views

    monkeypatch.setattr(views, "STATUS_INCIDENTS_SHOWN", 3)
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    dc = SiteFactory(kind=SiteKind.DATA_CENTER)
    site = SiteFactory(name="Kantor Camat")
    FiberLinkFactory(site_a=dc, site_b=site)
    keeper = Check.objects.create(device=DeviceFactory(site=site, organization=site.organization), address="127.0.15.1")
    # five servers down on their own at a site that answers: five incidents of the same size and age,
    # which come by name
    names = ["srv-e", "srv-b", "srv-d", "srv-a", "srv-c"]
    checks = [
        Check.objects.create(
            device=DeviceFactory(site=site, organization=site.organization, name=name), address=f"127.0.15.{i + 2}"
        )
        for i, name in enumerate(names)
    ]
    since = timezone.now() - datetime.timedelta(hours=1)
    CheckStatus.objects.filter(probe_check__in=checks).update(state="down", since=since)
    CheckStatus.objects.filter(probe_check=keeper).update(state="up", since=since)

    with CaptureQueriesContext(connection) as largest:
        page = client.get(reverse("probes:status")).content.decode()
    assert "5 incidents" in page
    rows = page.split('data-testid="incident"')[1:]
    assert [next(n for n in sorted(names) if n in row) for row in rows] == ["srv-a", "srv-b", "srv-c"]
    assert 'data-testid="more-incidents"' in page and "and 2 more incidents" in page
    assert 'href="/probes/status/?all=1"' in page and 'hx-get="/probes/status/"' in page

    cache.clear()
    with CaptureQueriesContext(connection) as everything:
        page = client.get(reverse("probes:status") + "?all=1").content.decode()
    assert len(everything) == len(largest)
    assert page.count('data-testid="incident"') == 5 and 'data-testid="more-incidents"' not in page
    assert "Show the largest 3 only" in page and 'hx-get="/probes/status/?all=1"' in page
    # the refresh asks for all of them again, and gets them
    fragment = client.get(reverse("probes:status") + "?all=1", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and fragment.count('data-testid="incident"') == 5

    # a city with no more incidents than the page shows says neither "more" nor "largest only"
    monkeypatch.setattr(views, "STATUS_INCIDENTS_SHOWN", 5)
    page = client.get(reverse("probes:status") + "?all=1").content.decode()
    assert page.count('data-testid="incident"') == 5
    assert 'data-testid="more-incidents"' not in page and 'data-testid="fewer-incidents"' not in page
