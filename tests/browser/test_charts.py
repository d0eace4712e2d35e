"""The charts panel in a real browser, in both languages, on a city built here: each chart draws, the
legends carry the translated words, day / month / year fetch and redraw, dragging zooms every chart's
time axis together and a double click zooms out, a period without data says so. Screenshots at 1440
and 390 px wide go to /tmp/shots-charts."""

import datetime
import os
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from infra.probes.models import Check, CheckEvent, DailyRollup, HourlyRollup, MaintenanceWindow

from ..factories import DeviceFactory, FiberLinkFactory, InterfaceFactory, OrganizationFactory, SiteFactory

SHOTS = "/tmp/shots-charts"
HOUR = datetime.timedelta(hours=1)


def _city():
    """An OPD with two sites joined by a fiber link; a router at each end with an ICMP check each, a
    day and a half of hourly figures, an outage of an hour three hours ago and a maintenance window."""
    organization = OrganizationFactory(name="Dinas Kesehatan", short_name="Dinkes")
    office, clinic = SiteFactory(organization=organization), SiteFactory(organization=organization)
    router = DeviceFactory(name="rtr-kantor", site=office, organization=organization)
    far = DeviceFactory(name="rtr-puskesmas", site=clinic, organization=organization)
    link = FiberLinkFactory(site_a=office, site_b=clinic, interface_a=InterfaceFactory(device=router))
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    for n, device in enumerate((router, far)):
        check = Check.objects.create(device=device, address=f"127.0.60.{n + 1}")
        CheckEvent.objects.create(probe_check=check, at=now - 40 * HOUR, kind="state", new_state="up")
        if n == 0:
            CheckEvent.objects.create(probe_check=check, at=hour - 3 * HOUR, kind="state", new_state="down")
            CheckEvent.objects.create(probe_check=check, at=hour - 2 * HOUR, kind="state", new_state="up")
        HourlyRollup.objects.bulk_create(
            HourlyRollup(
                probe_check=check,
                start=hour - i * HOUR,
                count=60,
                answered=60 - (i % 5),
                sent=180,
                received=180 - 3 * (i % 5) - (60 if i == 3 and n == 0 else 0),
                rtt_avg=2 + (i % 7) + n,
                rtt_p50=2 + (i % 7),
                rtt_p95=4 + (i % 7) * 1.5 + n,
                rtt_max=9 + (i % 4) * 2,
            )
            for i in range(1, 36)
        )
        DailyRollup.objects.bulk_create(
            DailyRollup(
                probe_check=check,
                start=datetime.datetime.combine(day, datetime.time(), ZoneInfo(settings.TIME_ZONE)),
                count=1440,
                answered=1440 - i,
                sent=4320,
                received=4320 - 5 * i,
                rtt_avg=3 + (i % 9) / 2 + n,
                rtt_p50=3,
                rtt_p95=6 + (i % 9) + n,
                rtt_max=12 + (i % 5) * 3,
            )
            for i, day in enumerate(timezone.localdate() - datetime.timedelta(days=d) for d in range(1, 60))
        )
    MaintenanceWindow.objects.create(device=router, start=hour - 7 * HOUR, end=hour - 6 * HOUR, reason="UPS")
    return {"organization": organization, "site": office, "device": router, "link": link}


def _drawn(page, prefix: str):
    panel = page.get_by_test_id("charts")
    expect(panel).to_have_attribute("data-drawn", re.compile(f"^{prefix}:"))
    return panel


def _x_span(page, chart: int = 1) -> float:
    return page.evaluate(
        f"(() => {{ const u = document.querySelector('.pc-panel')._charts[{chart}];"
        " return u.scales.x.max - u.scales.x.min; })()"
    )


def _shots(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # the resize listener redraws at the new width
        page.get_by_test_id("charts").screenshot(path=f"{SHOTS}/{name}-{width}.png")
    page.set_viewport_size({"width": 1400, "height": 900})


def test_the_charts_draw_zoom_and_switch_periods_in_both_languages(page, login, engineer_user):
    city = _city()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(engineer_user)

    # Indonesian: the device's day
    page.goto(reverse("inventory:device", args=[city["device"].pk]))
    panel = _drawn(page, "day")
    for name in ("band", "availability", "latency", "loss"):
        expect(panel.get_by_test_id(f"chart-{name}").locator("canvas")).to_have_count(1)
    legend = panel.locator(".u-legend")
    expect(legend.nth(1)).to_contain_text("Ketersediaan")
    expect(legend.nth(2)).to_contain_text("RTT rata-rata")
    expect(legend.nth(2)).to_contain_text("RTT persentil ke-95")
    expect(legend.nth(2)).to_contain_text("RTT maksimum")
    expect(legend.nth(3)).to_contain_text("Paket hilang")
    expect(panel.get_by_test_id("band-legend")).to_contain_text("Hidup")
    expect(panel.get_by_test_id("band-legend")).to_contain_text("Pemeliharaan")
    expect(panel.get_by_test_id("range-day")).to_have_attribute("aria-pressed", "true")
    expect(panel.get_by_test_id("chart-next")).to_be_disabled()  # today: nothing after it
    day_span = _x_span(page)
    assert 23 * 3600 <= day_span <= 25 * 3600
    # the band's canvas has its pieces painted: not one flat colour
    colours = page.evaluate(
        """(() => { const c = document.querySelector('[data-chart=band] canvas'); const x = c.getContext('2d');
        const d = x.getImageData(0, 0, c.width, c.height).data; const seen = new Set();
        for (let i = 0; i < d.length; i += 4 * 7) seen.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
        return seen.size; })()"""
    )
    assert colours > 5
    _shots(page, "device-day-id")

    # drag across the latency chart: every chart's time axis zooms in together
    over = panel.get_by_test_id("chart-latency").locator(".u-over")
    box = over.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=5)
    page.mouse.up()
    expect(panel).to_have_attribute("data-zoomed", "true")
    zoomed = _x_span(page, 2)
    assert zoomed < day_span * 0.5
    assert _x_span(page, 0) == _x_span(page, 3) == zoomed  # the band and the loss follow
    page.get_by_test_id("charts").screenshot(path=f"{SHOTS}/device-zoomed-id-1400.png")
    over.dblclick(position={"x": box["width"] * 0.5, "y": box["height"] / 2})
    expect(panel).to_have_attribute("data-zoomed", "false")
    assert _x_span(page) == day_span

    # a month: fetched and drawn again; then a year long past, with nothing in it
    panel.get_by_test_id("range-month").click()
    _drawn(page, "month")
    assert _x_span(page) >= 28 * 86400
    expect(panel.get_by_test_id("chart-title")).not_to_be_empty()
    _shots(page, "device-month-id")
    panel.get_by_test_id("range-year").click()
    _drawn(page, "year")
    assert _x_span(page) >= 365 * 86400
    _shots(page, "device-year-id")
    panel.get_by_test_id("chart-previous").click()
    panel = _drawn(page, "year")
    expect(panel.get_by_test_id("chart-empty")).to_be_visible()
    _shots(page, "device-empty-id")
    expect(panel.get_by_test_id("chart-empty")).to_have_text("Tidak ada data probe untuk periode ini.")
    expect(panel.locator(".pc-charts")).to_be_hidden()
    panel.get_by_test_id("chart-next").click()
    expect(panel.get_by_test_id("chart-empty")).to_be_hidden()
    expect(panel.get_by_test_id("chart-availability").locator("canvas")).to_have_count(1)

    # English: the site's, the OPD's and the fiber link's pages
    page.locator("button[data-lang=en]").click()
    page.goto(reverse("inventory:site", args=[city["site"].pk]))
    panel = _drawn(page, "day")
    legend = panel.locator(".u-legend")
    expect(legend.nth(1)).to_contain_text("Availability")
    expect(legend.nth(2)).to_contain_text("RTT average")
    expect(legend.nth(3)).to_contain_text("Packet loss")
    expect(panel.get_by_test_id("band-legend")).to_contain_text("Maintenance")
    expect(panel.get_by_test_id("range-month")).to_have_text("Month")
    _shots(page, "site-day-en")
    for path, name in (
        (reverse("inventory:organization", args=[city["organization"].pk]), "organization"),
        (reverse("inventory:fiberlink", args=[city["link"].pk]), "fiberlink"),
    ):
        page.goto(path)
        panel = _drawn(page, "day")
        expect(panel.get_by_test_id("chart-latency").locator("canvas")).to_have_count(1)
        expect(panel.get_by_test_id("chart-empty")).to_be_hidden()
        _shots(page, f"{name}-day-en")
    assert not [p for p in problems if "Content Security Policy" in p or "Error" in p], problems
