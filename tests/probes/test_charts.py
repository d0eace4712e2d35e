"""The charts' figures (probes.charts) against hand-built roll-ups, events and windows: bucket edges in
the city's time zone (Asia/Jakarta, UTC+7), aggregation across checks, the state band and its
availability, a fiber link from its two ends; the JSON endpoint's answers, refusals and bad input; and
its query count, the same for a scope of a few checks and of many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from infra.inventory.models import FiberLink
from infra.probes import charts
from infra.probes.models import Check, CheckEvent, DailyRollup, HourlyRollup, MaintenanceWindow
from tests.factories import DeviceFactory, FiberLinkFactory, InterfaceFactory, OrganizationFactory, SiteFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
DAY = datetime.date(2026, 3, 10)  # Tuesday 10 March 2026, Jakarta: 9 March 17:00 UTC to 10 March 17:00 UTC
START = datetime.datetime(2026, 3, 9, 17, tzinfo=UTC)
AFTER = datetime.datetime(2026, 4, 1, tzinfo=UTC)  # "now" well after the day


def at(hours: float) -> datetime.datetime:
    """An instant ``hours`` after local midnight of DAY."""
    return START + datetime.timedelta(hours=hours)


def hourly(check, start, **figures) -> HourlyRollup:
    values = {"count": 60, "answered": 60, "sent": 180, "received": 180, "rtt_avg": 1.0, "rtt_p95": 2.0}
    values |= {"rtt_p50": 1.0, "rtt_max": 3.0} | figures
    return HourlyRollup.objects.create(probe_check=check, start=start, **values)


def event(check, when, new, old="unknown") -> None:
    CheckEvent.objects.create(probe_check=check, at=when, kind="state", old_state=old, new_state=new)


def test_buckets_follow_the_city_calendar():
    start, end = charts.period("day", DAY)
    assert (start, end) == (START, START + datetime.timedelta(days=1))
    day = charts.edges("day", start, end)
    assert len(day) == 25 and day[0] == START and day[-1] == end
    month = charts.edges("month", *charts.period("month", DAY))
    assert len(month) == 31 * 24 + 1 and month[0] == datetime.datetime(2026, 2, 28, 17, tzinfo=UTC)
    year = charts.edges("year", *charts.period("year", DAY))
    assert len(year) == 366 and year[0] == datetime.datetime(2025, 12, 31, 17, tzinfo=UTC)
    assert year[1] == datetime.datetime(2026, 1, 1, 17, tzinfo=UTC)  # local midnights
    assert charts.step("month", DAY, -3) == datetime.date(2025, 12, 1)
    assert charts.step("month", datetime.date(2026, 12, 5), 1) == datetime.date(2027, 1, 1)
    assert charts.step("year", DAY, 1) == datetime.date(2027, 1, 1)
    assert charts.step("day", datetime.date(2026, 3, 1), -1) == datetime.date(2026, 2, 28)


def test_figures_add_up_across_checks_and_stay_in_their_buckets():
    device = DeviceFactory()
    one = Check.objects.create(device=device, address="127.40.0.1")
    two = Check.objects.create(device=device, address="127.40.0.2")
    snmp = Check.objects.create(device=device, kind="snmp", address="127.40.0.1")  # not reachability: left out
    hourly(one, at(3), answered=60, sent=180, received=171, rtt_avg=10, rtt_p95=20, rtt_max=30)
    hourly(two, at(3), answered=30, sent=180, received=90, rtt_avg=40, rtt_p95=50, rtt_max=45)
    hourly(snmp, at(3), sent=10, received=0, rtt_avg=900, rtt_p95=900, rtt_max=900)
    hourly(one, at(-1), rtt_avg=500)  # 16:00 UTC of the 9th: 23:00 of the day before in Jakarta
    hourly(one, at(23), sent=100, received=75, rtt_avg=7, rtt_p95=8, rtt_max=9)  # 23:00 local: the last bucket
    hourly(one, at(24), rtt_avg=600)  # the next day
    figures = charts.series("device", device, "day", DAY, now=AFTER)
    assert len(figures.loss) == 24
    assert figures.loss[3] == pytest.approx(100 * (360 - 261) / 360, abs=1e-3)  # 27.5 %
    assert figures.rtt_avg[3] == pytest.approx((10 * 60 + 40 * 30) / 90)  # weighted by answered probes: 20
    assert (figures.rtt_p95[3], figures.rtt_max[3]) == (50, 45)  # the worst check's
    assert (figures.loss[23], figures.rtt_avg[23], figures.rtt_max[23]) == (25.0, 7, 9)
    assert [i for i, v in enumerate(figures.rtt_avg) if v is not None] == [3, 23]
    assert figures.checks == 2


def test_a_device_without_icmp_checks_is_charted_from_its_snmp_checks():
    device = DeviceFactory()
    snmp = Check.objects.create(device=device, kind="snmp", address="127.40.1.1")
    hourly(snmp, at(0), sent=10, received=5, rtt_avg=4)
    figures = charts.series("device", device, "day", DAY, now=AFTER)
    assert (figures.loss[0], figures.rtt_avg[0], figures.checks) == (50.0, 4, 1)


def test_the_state_band_and_availability_come_from_events_and_windows():
    device = DeviceFactory()
    check = Check.objects.create(device=device, address="127.40.2.1")
    event(check, at(-30), "up")  # the state before the day
    event(check, at(3.25), "down", "up")
    event(check, at(3.75), "up", "down")
    MaintenanceWindow.objects.create(device=device, start=at(10), end=at(11), reason="UPS")
    figures = charts.series("device", device, "day", DAY, now=AFTER)
    assert figures.band == [
        (at(0), at(3.25), "up"),
        (at(3.25), at(3.75), "down"),
        (at(3.75), at(10), "up"),
        (at(10), at(11), "maintenance"),
        (at(11), at(24), "up"),
    ]
    assert figures.availability[3] == 50.0  # 30 minutes down of 60
    assert figures.availability[10] is None  # all of it in maintenance: no figure, not 100 %
    assert figures.availability[2] == figures.availability[11] == 100.0
    assert not figures.empty  # a known state is something to draw, even without roll-ups


def test_the_current_day_stops_at_now():
    device = DeviceFactory()
    check = Check.objects.create(device=device, address="127.40.3.1")
    event(check, at(-1), "up")
    figures = charts.series("device", device, "day", DAY, now=at(5.5))
    assert figures.band == [(at(0), at(5.5), "up")]
    assert figures.availability[5] == 100.0  # the half hour that has been
    assert figures.availability[6:] == [None] * 18  # not begun: no figure
    later = Check.objects.create(device=DeviceFactory(), address="127.40.3.2")
    event(later, at(2.5), "down")  # monitored from 02:30: unknown before
    figures = charts.series("device", later.device, "day", DAY, now=AFTER)
    assert figures.band[:2] == [(at(0), at(2.5), "unknown"), (at(2.5), at(24), "down")]
    assert figures.availability[:3] == [None, None, 0.0]  # not known at all: no figure; half unknown: not up
    future = charts.series("device", device, "day", DAY, now=at(-2))
    assert future.band == [] and future.empty


def test_a_site_is_up_while_one_of_its_devices_is_and_an_opd_while_one_site_is():
    organization = OrganizationFactory()
    site, other = SiteFactory(organization=organization), SiteFactory(organization=organization)
    a = Check.objects.create(device=DeviceFactory(site=site, organization=organization), address="127.40.4.1")
    b = Check.objects.create(device=DeviceFactory(site=site, organization=organization), address="127.40.4.2")
    c = Check.objects.create(device=DeviceFactory(site=other, organization=organization), address="127.40.4.3")
    for check in (a, b, c):
        event(check, at(-1), "up")
    event(a, at(2), "down", "up")  # one device down: the site still answers
    event(b, at(4), "down", "up")  # both: the site is down
    event(c, at(6), "down", "up")  # the other site too: the OPD is down
    hourly(a, at(2), sent=100, received=0, rtt_avg=None, rtt_p95=None, rtt_max=None, answered=0)
    hourly(b, at(2), sent=100, received=100, rtt_avg=5)
    site_figures = charts.series("site", site, "day", DAY, now=AFTER)
    assert site_figures.band == [(at(0), at(4), "up"), (at(4), at(24), "down")]
    assert site_figures.loss[2] == 50.0 and site_figures.rtt_avg[2] == 5  # the silent check adds no latency
    opd = charts.series("organization", organization, "day", DAY, now=AFTER)
    assert opd.band == [(at(0), at(6), "up"), (at(6), at(24), "down")]
    assert opd.checks == 3


def test_a_fiber_link_is_down_while_either_end_is():
    site_a, site_b = SiteFactory(), SiteFactory()
    left = InterfaceFactory(device=DeviceFactory(site=site_a, organization=site_a.organization))
    right_device = DeviceFactory(site=site_b, organization=site_b.organization)
    bystander = DeviceFactory(site=site_b, organization=site_b.organization)  # at B, not on the link's port
    link = FiberLinkFactory(site_a=site_a, site_b=site_b, interface_a=left)
    a = Check.objects.create(device=left.device, address="127.40.5.1")
    b = Check.objects.create(device=right_device, address="127.40.5.2")
    c = Check.objects.create(device=bystander, address="127.40.5.3")
    for check in (a, b, c):
        event(check, at(-1), "up")
    event(a, at(1), "down", "up")
    event(a, at(2), "up", "down")
    event(b, at(5), "down", "up")  # B has no port named: B is its whole site, still up through the bystander
    event(c, at(7), "down", "up")  # now all of B is down
    obj = FiberLink.objects.select_related("interface_a", "interface_b").get(pk=link.pk)
    figures = charts.series("fiberlink", obj, "day", DAY, now=AFTER)
    assert figures.band == [
        (at(0), at(1), "up"),
        (at(1), at(2), "down"),
        (at(2), at(7), "up"),
        (at(7), at(24), "down"),
    ]
    named = FiberLinkFactory(
        site_a=site_a, site_b=site_b, interface_a=left, interface_b=InterfaceFactory(device=right_device)
    )
    obj = FiberLink.objects.select_related("interface_a", "interface_b").get(pk=named.pk)
    assert charts.series("fiberlink", obj, "day", DAY, now=AFTER).band[2:] == [
        (at(2), at(5), "up"),
        (at(5), at(24), "down"),  # the port's device is down: the link is
    ]


def test_a_year_reads_the_daily_figures_by_local_day():
    device = DeviceFactory()
    check = Check.objects.create(device=device, address="127.40.6.1")
    values = {"count": 1440, "answered": 1440, "sent": 4320, "received": 4320, "rtt_p50": 1, "rtt_p95": 2}
    DailyRollup.objects.create(probe_check=check, start=START, rtt_avg=3, rtt_max=4, **values)  # 10 March
    DailyRollup.objects.create(
        probe_check=check, start=datetime.datetime(2025, 12, 31, 17, tzinfo=UTC), rtt_avg=5, rtt_max=6, **values
    )  # 1 January 2026, local
    figures = charts.series("device", device, "year", DAY, now=AFTER)
    assert len(figures.rtt_avg) == 365
    assert figures.rtt_avg[0] == 5 and figures.rtt_avg[31 + 28 + 9] == 3
    assert sum(v is not None for v in figures.rtt_avg) == 2
    assert figures.empty is False


def test_nothing_probed_is_empty():
    figures = charts.series("device", DeviceFactory(), "month", DAY, now=AFTER)
    assert figures.empty and figures.checks == 0


# --- the endpoint ---------------------------------------------------------------------------------


def test_the_endpoint_answers_json_for_every_scope(client, engineer):
    device = DeviceFactory()
    check = Check.objects.create(device=device, address="127.40.7.1")
    event(check, at(-1), "up")
    hourly(check, at(3), sent=10, received=9)
    link = FiberLinkFactory(site_a=device.site)
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    url = reverse("probes:chart", args=["device", device.pk])
    body = client.get(url, {"range": "day", "date": "2026-03-10"}).json()
    assert body["title"] == "Tuesday, 10 March 2026"
    assert body["previous"] == "2026-03-09" and body["next"] == "2026-03-11"
    assert body["x"][0] == int(START.timestamp()) and len(body["x"]) == 25 and len(body["loss"]) == 24
    assert body["loss"][3] == 10.0 and body["empty"] is False
    assert body["band"][0][2] == "up"
    client.cookies["django_language"] = "id"
    body = client.get(url, {"range": "month", "date": "2026-03-10"}).json()
    assert body["title"] == "Maret 2026" and body["previous"] == "2026-02-01"
    assert client.get(url, {"range": "year", "date": "2026-03-10"}).json()["title"] == "2026"
    for scope, pk in (("site", device.site_id), ("organization", device.site.organization_id), ("fiberlink", link.pk)):
        body = client.get(reverse("probes:chart", args=[scope, pk]), {"range": "day", "date": "2026-03-10"}).json()
        assert body["checks"] == 1 and body["band"][0][2] == "up", scope
    today = client.get(url).json()  # today by default: no next period
    assert today["next"] is None and today["range"] == "day"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"range": "week"}, "Pilih rentang: hari, bulan atau tahun."),
        ({"date": "10/03/2026"}, "Tulis tanggal sebagai YYYY-MM-DD."),
        ({"date": "1900-01-01"}, "Pilih tanggal antara tahun 2000 dan 2100."),
    ],
)
def test_bad_input_is_a_400_in_the_users_language(client, engineer, query, message):
    device = DeviceFactory()
    client.force_login(engineer)
    response = client.get(reverse("probes:chart", args=["device", device.pk]), query)
    assert response.status_code == 400
    assert response.json() == {"detail": message}


def test_unknown_scopes_and_objects_are_not_found_and_strangers_sign_in(client, engineer):
    device = DeviceFactory()
    assert client.get(reverse("probes:chart", args=["device", device.pk])).status_code == 302  # to the login page
    client.force_login(engineer)
    assert client.get(reverse("probes:chart", args=["rack", device.pk])).status_code == 404
    assert client.get(reverse("probes:chart", args=["device", device.pk + 1000])).status_code == 404


def test_the_panel_is_on_each_page(client, engineer):
    device = DeviceFactory()
    link = FiberLinkFactory(site_a=device.site)
    client.force_login(engineer)
    for name, pk, scope in (
        ("inventory:device", device.pk, "device"),
        ("inventory:site", device.site_id, "site"),
        ("inventory:organization", device.organization_id, "organization"),
        ("inventory:fiberlink", link.pk, "fiberlink"),
    ):
        page = client.get(reverse(name, args=[pk])).content.decode()
        assert f'data-url="{reverse("probes:chart", args=[scope, pk])}"' in page, name
        assert 'id="chart-labels"' in page and "uPlot.iife.min.js" in page


# --- query counts -----------------------------------------------------------------------------------


def _grow(organization, site, devices: int, link: FiberLink) -> None:
    """Devices at the site with two ICMP checks each, their events, windows and a day of roll-ups."""
    for _ in range(devices):
        device = DeviceFactory(site=site, organization=organization)
        n = Check.objects.count()
        checks = [Check.objects.create(device=device, address=f"127.41.{n // 200}.{n % 200 + i + 1}") for i in (0, 1)]
        for check in checks:
            event(check, at(-2), "up")
            event(check, at(4), "down", "up")
            for hour in range(24):
                hourly(check, at(hour))
        MaintenanceWindow.objects.create(device=device, start=at(8), end=at(9), reason="UPS")


@pytest.mark.query_counts
@pytest.mark.parametrize("scope", charts.SCOPES)
def test_the_endpoint_costs_the_same_queries_for_one_device_or_many(client, engineer, scope, query_counts):
    organization = OrganizationFactory()
    site = SiteFactory(organization=organization)
    first = DeviceFactory(site=site, organization=organization)
    link = FiberLinkFactory(site_a=site, interface_a=InterfaceFactory(device=first))
    pk = {"device": first.pk, "site": site.pk, "organization": organization.pk, "fiberlink": link.pk}[scope]
    url = reverse("probes:chart", args=[scope, pk])
    client.force_login(engineer)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"range": "day", "date": DAY.isoformat()}).status_code == 200
        return len(queries)

    for check in (Check.objects.create(device=first, address="127.41.250.1"),):
        event(check, at(-2), "up")
        hourly(check, at(1))
    _grow(organization, site, 1, link)
    few = measure()
    _grow(organization, site, 6, link)
    for check in [Check.objects.create(device=first, address=f"127.41.251.{i}") for i in (1, 2, 3)]:
        event(check, at(5), "down")
        hourly(check, at(2))
    many = measure()
    assert few == many
    query_counts.check(f"web/probes-chart/{scope}", many)
