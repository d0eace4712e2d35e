"""The diagram page and the wall screen in Chromium: zoom, pan, click through to an object, download each
format, and the wall refreshing itself with a change made meanwhile. In both languages at 1440 and 390 px;
screenshots go to /tmp/shots-web."""

import os
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from infra.core.choices import Role
from infra.inventory import choices

from ..factories import (
    CheckFactory,
    DeviceFactory,
    FiberLinkFactory,
    MigrationFactory,
    OrganizationFactory,
    SiteFactory,
    UserFactory,
    probe_history,
)
from ..maps.web_city import MAGIC, pdf_pages
from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-web"
WIDTHS = {1440: 900, 390: 844}

# Collects what the content security policy blocks.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def city(transactional_db):
    """A small city: a data center, three OPD offices on fiber, servers (one moving), an engineer."""
    diskominfo = OrganizationFactory(name="Dinas Komunikasi dan Informatika", short_name="Diskominfo")
    data_center = SiteFactory(
        name="Pusat Data Kota", kind=choices.SiteKind.DATA_CENTER, organization=diskominfo, latitude=Decimal("-5.4300")
    )
    offices = []
    for n, (name, lat, lon) in enumerate(
        [
            ("Kantor Disdukcapil", "-5.4100", "105.2500"),
            ("Kantor Dinkes", "-5.4400", "105.2800"),
            ("Kantor Bapenda", "-5.3900", "105.2700"),
        ]
    ):
        organization = OrganizationFactory(name=f"Dinas {n}", short_name=name.split()[-1])
        site = SiteFactory(name=name, organization=organization, latitude=Decimal(lat), longitude=Decimal(lon))
        offices.append(site)
        FiberLinkFactory(site_a=data_center, site_b=site, code=f"FO-{n:02d}")
        for i in range(2):
            device = DeviceFactory(
                name=f"srv-{site.name.split()[-1].lower()}-{i}", organization=organization, site=site
            )
            if i == 0:
                MigrationFactory(device=device)
    user = UserFactory(username="insinyur-peta", role=Role.ENGINEER, first_name="Rina")
    return {"data_center": data_center, "offices": offices, "user": user}


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def _open(user, *, language: str = "id", width: int = 1440, accept_downloads: bool = False, touch=False):
        context = browser.new_context(
            has_touch=touch,
            base_url=live_server.url,
            locale="id-ID" if language == "id" else "en-US",
            viewport={"width": width, "height": WIDTHS[width]},
            accept_downloads=accept_downloads,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.add_init_script(CSP_WATCH)
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.get_by_test_id("login").click()
        page.wait_for_url("**/")
        return page

    yield _open
    for context in contexts:
        context.close()


def _shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


def _state(page) -> dict:
    return page.evaluate("({zoom: window.simpulDiagram.getZoom(), pan: window.simpulDiagram.getPan()})")


def _menu_fits(page) -> None:
    """Every menu entry shows whole, left of the search field (the menu is one line at this width)."""
    overlap = page.evaluate(
        """() => {
        const search = document.querySelector('form[role=search]').getBoundingClientRect().left;
        const links = [...document.querySelectorAll('#mainnav .navbar-nav > li > a')];
        return Math.max(...links.map((a) => a.getBoundingClientRect().right)) - search;
      }"""
    )
    assert overlap <= 0, f"the menu runs {overlap:.0f} px under the search field"


def _no_horizontal_scroll(page) -> None:
    wider = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wider <= 1, f"the page is {wider} px wider than the screen"


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_zoom_pan_and_click_through_to_a_site(open_page, city, language, width):
    page = open_page(city["user"], language=language, width=width)
    if width < 768:
        page.locator(".navbar-toggler").click()  # the menu folds away on a phone
    else:
        _menu_fits(page)
    page.get_by_test_id("nav-diagrams").click()
    canvas = page.get_by_test_id("diagram")
    expect(canvas.locator("svg")).to_be_visible()
    expect(canvas).to_have_attribute("data-ready", "1")  # diagram.js is set up
    _shot(page, f"diagram-city-{language}")
    _no_horizontal_scroll(page)
    start = _state(page)

    page.get_by_test_id("zoom-in").click()
    zoomed = _state(page)
    assert zoomed["zoom"] > start["zoom"] * 1.1

    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*middle)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(100)
    wheeled = _state(page)
    assert wheeled["zoom"] > zoomed["zoom"]

    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] + 80, middle[1] + 40, steps=8)
    page.mouse.up()
    dragged = _state(page)
    assert dragged["pan"]["x"] > wheeled["pan"]["x"] + 50 and dragged["pan"]["y"] > wheeled["pan"]["y"] + 20
    assert page.url.endswith("/diagrams/") or "/diagrams/?" in page.url, "a drag does not follow a link"

    canvas.focus()
    page.keyboard.press("ArrowLeft")
    assert _state(page)["pan"]["x"] > dragged["pan"]["x"]
    page.keyboard.press("-")
    assert _state(page)["zoom"] < dragged["zoom"]
    page.keyboard.press("0")
    fitted = _state(page)
    assert abs(fitted["zoom"] - start["zoom"]) < 0.01
    _shot(page, f"diagram-city-moved-{language}")

    page.keyboard.press("Tab")  # from the drawing to its first node's link
    assert page.evaluate("document.activeElement.closest('#maps-diagram a') !== null")

    site = city["offices"][0]
    page.get_by_test_id("zoom-fit").click()
    canvas.locator("g.node", has_text=site.name).first.locator("text").first.click()
    expect(page).to_have_url(re.compile(rf"/sites/{site.pk}/$"))
    expect(page.locator("h1")).to_contain_text(site.name)
    assert page.evaluate("window.__cspViolations") == []


@pytest.mark.parametrize("language", ["id", "en"])
def test_each_view_and_a_refused_filter(open_page, city, language):
    page = open_page(city["user"], language=language)
    page.goto("/diagrams/")
    tabs = page.get_by_test_id("diagram-views").locator("a")
    names = [tabs.nth(i).get_attribute("data-view") for i in range(tabs.count())]
    assert names[0] == "city" and "geographic" in names
    page.locator('[data-view="fiber"]').first.click()
    expect(page.get_by_test_id("diagram").locator("svg")).to_be_visible()
    page.locator('[data-view="site"]').first.click()  # the site view wants a site
    error = page.locator('[data-field-error="site"]')
    expect(error).to_be_visible()
    _shot(page, f"diagram-site-refused-{language}")
    page.fill("#id_site", city["data_center"].name)
    page.get_by_test_id("apply-filters").click()
    expect(page.get_by_test_id("diagram").locator("svg")).to_be_visible()
    _shot(page, f"diagram-site-{language}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": WIDTHS[width]})
        page.goto("/diagrams/?view=geographic")
        expect(page.get_by_test_id("diagram").locator("svg")).to_be_visible()
        _no_horizontal_scroll(page)
        _shot(page, f"diagram-geographic-{language}")


def test_download_each_format(open_page, city, tmp_path):
    page = open_page(city["user"], language="en", accept_downloads=True)
    page.goto("/diagrams/?view=city")
    downloads = page.get_by_test_id("downloads")
    for fmt in ("svg", "png", "dot"):
        with page.expect_download() as info:
            downloads.locator(f'a[data-format="{fmt}"]').click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert path.suffix == f".{fmt}" and path.name.startswith("simpul-city-")
        assert MAGIC[fmt](path.read_bytes())
    page.select_option("#pdf-paper", "A3")
    page.select_option("#pdf-orientation", "portrait")
    with page.expect_download() as info:
        downloads.locator('button[data-format="pdf"]').click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.endswith("-a3-portrait.pdf")
    assert {(round(w), round(h)) for w, h in pdf_pages(path.read_bytes())} == {(842, 1191)}


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_wall_refreshes_itself_and_shows_a_change_made_meanwhile(
    open_page, city, settings, sqlite_readers_do_not_lock, language
):
    settings.SIMPUL_WALL_REFRESH_SECONDS = 1
    for width in WIDTHS:
        page = open_page(city["user"], language=language, width=width)
        page.goto("/diagrams/wall/?view=city")
        wall = page.get_by_test_id("wall-drawing")
        expect(wall.locator("svg")).to_be_visible()
        assert page.locator("nav").count() == 0 and page.locator("form").count() == 0
        assert page.evaluate("getComputedStyle(document.querySelector('.wall-drawing svg')).pointerEvents") == "none"
        _shot(page, f"wall-city-{language}")
        site = city["offices"][1]
        new_name = f"Kantor Dinkes Baru {width}"
        site.name = new_name
        site.save()
        expect(wall).to_contain_text(new_name, timeout=10_000)
        assert page.get_by_test_id("wall").get_attribute("data-refreshed")
        _shot(page, f"wall-city-changed-{language}")
        assert page.evaluate("window.__cspViolations") == []
    # A site goes down meanwhile: the probes' new event redraws the wall in its colour.
    office = city["offices"][2]
    probe_history(CheckFactory(device=office.devices.order_by("pk").first()))
    expect(page.locator('[data-status="reachability:down"]')).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("wall-drawing").locator(".status-reachability-down").first).to_be_attached()
    _shot(page, f"wall-city-down-{language}")
    page.goto("/diagrams/wall/?view=geographic")
    expect(page.get_by_test_id("wall-drawing").locator("svg")).to_be_visible()
    _shot(page, f"wall-geographic-{language}")


def test_two_fingers_zoom_on_a_phone(open_page, city):
    page = open_page(city["user"], language="id", width=390, touch=True)
    page.goto("/diagrams/?view=city")
    canvas = page.get_by_test_id("diagram")
    expect(canvas).to_have_attribute("data-ready", "1")  # diagram.js is set up
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before = _state(page)["zoom"]
    touch = page.context.new_cdp_session(page)

    def fingers(kind: str, apart: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x - apart, "y": y, "id": 0}, {"x": x + apart, "y": y, "id": 1}]
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    fingers("touchStart", 30)
    for apart in range(40, 130, 10):
        fingers("touchMove", apart)
    fingers("touchEnd", 0)
    after = _state(page)["zoom"]
    assert after > before * 2, (before, after)
