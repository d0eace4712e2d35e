"""The status page in a real browser, in both languages: an upstream outage with what sits behind
it, then the page refreshing itself when a device goes down too."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from infra.inventory.choices import DeviceKind, SiteKind
from infra.probes.models import Check, Prober
from infra.probes.services.recording import Observation, record

from ..factories import DeviceFactory, FiberLinkFactory, SiteFactory

MINUTE = datetime.timedelta(minutes=1)


def _sweeps(checks_ok: dict, start, sweeps: int) -> None:
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


def test_the_status_page_shows_an_outage_and_refreshes_itself(page, login, engineer_user):
    dc = SiteFactory(kind=SiteKind.DATA_CENTER, name="Pusat Data")
    hub, leaf = SiteFactory(name="Kantor Camat Hub"), SiteFactory(name="Kantor Lurah Ujung")
    FiberLinkFactory(site_a=dc, site_b=hub)
    FiberLinkFactory(site_a=hub, site_b=leaf)
    devices = [
        DeviceFactory(site=site, organization=site.organization, kind=DeviceKind.SERVER, name=f"srv-{n}")
        for n, site in enumerate((dc, hub, leaf))
    ]
    checks = [Check.objects.create(device=d, address=f"127.0.21.{i + 1}") for i, d in enumerate(devices)]
    start = timezone.now() - datetime.timedelta(hours=1)
    _sweeps(dict.fromkeys(checks, True), start, 2)
    _sweeps({c: c is checks[0] for c in checks}, start + 2 * MINUTE, 3)  # the hub falls, the leaf behind it

    login(engineer_user)
    page.goto("/probes/status/")
    incidents = page.get_by_test_id("incident")
    expect(incidents).to_have_count(1)
    expect(incidents.first).to_contain_text("Kantor Camat Hub")
    expect(incidents.first.get_by_test_id("root-cause")).to_contain_text("1 lokasi terputus di belakangnya")
    expect(incidents.first.get_by_test_id("behind")).to_have_text("Kantor Lurah Ujung")

    page.locator("button[data-lang=en]").click()
    page.goto("/probes/status/")
    expect(page.get_by_test_id("incident").first.get_by_test_id("root-cause")).to_contain_text(
        "1 site cut off behind it"
    )
    # the data center goes down too: now one outage with both sites behind it, which the page picks
    # up by itself (htmx every 30 s; here every second)
    page.evaluate("document.querySelector('[data-testid=status]').setAttribute('hx-trigger', 'every 1s')")
    page.evaluate("htmx.process(document.querySelector('[data-testid=status]'))")
    _sweeps({c: False for c in checks}, start + 5 * MINUTE, 3)
    expect(page.get_by_test_id("root-cause")).to_contain_text("2 sites cut off behind it", timeout=10_000)
    expect(page.get_by_test_id("incident")).to_have_count(1)
    expect(page.get_by_test_id("incident").first).to_contain_text("Pusat Data")


def test_the_dashboard_says_what_is_down_now_in_both_languages(page, login, engineer_user):
    dc = SiteFactory(kind=SiteKind.DATA_CENTER, name="Pusat Data")
    hub, leaf = SiteFactory(name="Kantor Camat Hub"), SiteFactory(name="Kantor Lurah Ujung")
    FiberLinkFactory(site_a=dc, site_b=hub)
    FiberLinkFactory(site_a=hub, site_b=leaf)
    devices = [
        DeviceFactory(site=site, organization=site.organization, kind=DeviceKind.SERVER, name=f"srv-{n}")
        for n, site in enumerate((dc, hub, leaf))
    ]
    checks = [Check.objects.create(device=d, address=f"127.0.22.{i + 1}") for i, d in enumerate(devices)]
    start = timezone.now() - datetime.timedelta(hours=1)
    _sweeps(dict.fromkeys(checks, True), start, 2)

    login(engineer_user)
    page.goto("/")
    expect(page.get_by_test_id("down-now-none")).to_have_text("Tidak ada yang mati.")
    _sweeps({c: c is checks[0] for c in checks}, start + 2 * MINUTE, 3)
    page.reload()
    incident = page.get_by_test_id("down-now-incident")
    expect(incident).to_have_count(1)
    expect(incident).to_contain_text("Kantor Camat Hub")
    expect(incident).to_contain_text("+ 1 lokasi di belakangnya")
    expect(page.get_by_test_id("down-now")).to_contain_text("Mati sekarang")

    page.locator("button[data-lang=en]").click()
    page.goto("/")
    expect(page.get_by_test_id("down-now")).to_contain_text("Down now")
    expect(page.get_by_test_id("down-now-incident")).to_contain_text("+ 1 site behind it")
    expect(page.get_by_test_id("down-now-incident")).to_contain_text("2 servers")
    # the panel links to the status page, which has the same incident
    page.get_by_test_id("down-now").get_by_role("link", name="Status now").click()
    expect(page.get_by_test_id("incident")).to_have_count(1)


def test_the_status_page_shows_the_largest_incidents_then_all_of_them(page, login, engineer_user, monkeypatch):
    from infra.probes import views
    from infra.probes.models import CheckStatus

    monkeypatch.setattr(views, "STATUS_INCIDENTS_SHOWN", 3)
    dc = SiteFactory(kind=SiteKind.DATA_CENTER, name="Pusat Data")
    site = SiteFactory(name="Kantor Camat")
    FiberLinkFactory(site_a=dc, site_b=site)
    keeper = Check.objects.create(device=DeviceFactory(site=site, organization=site.organization), address="127.0.23.1")
    checks = [
        Check.objects.create(
            device=DeviceFactory(site=site, organization=site.organization, name=f"srv-{n}"),
            address=f"127.0.23.{n + 2}",
        )
        for n in range(5)
    ]
    since = timezone.now() - datetime.timedelta(hours=1)
    CheckStatus.objects.filter(probe_check__in=checks).update(state="down", since=since)
    CheckStatus.objects.filter(probe_check=keeper).update(state="up", since=since)

    login(engineer_user)
    page.goto("/probes/status/")
    expect(page.get_by_test_id("incident")).to_have_count(3)
    expect(page.get_by_test_id("more-incidents")).to_contain_text("dan 2 gangguan lainnya")
    page.get_by_role("link", name="Tampilkan semua").click()
    expect(page.get_by_test_id("incident")).to_have_count(5)
    expect(page.get_by_test_id("fewer-incidents")).to_have_text("Tampilkan 3 terbesar saja")
    # the self-refresh keeps all of them
    page.evaluate("document.querySelector('[data-testid=status]').setAttribute('hx-trigger', 'every 1s')")
    page.evaluate("htmx.process(document.querySelector('[data-testid=status]'))")
    with page.expect_response(lambda r: "/probes/status/?all=1" in r.url and r.request.headers.get("hx-request")):
        pass
    expect(page.get_by_test_id("incident")).to_have_count(5)

    page.locator("button[data-lang=en]").click()
    page.goto("/probes/status/")
    expect(page.get_by_test_id("more-incidents")).to_contain_text("and 2 more incidents")
    page.get_by_role("link", name="Show all").click()
    expect(page.get_by_test_id("incident")).to_have_count(5)
    page.get_by_role("link", name="Show the largest 3 only").click()
    expect(page.get_by_test_id("incident")).to_have_count(3)
