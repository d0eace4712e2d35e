# ruff: noqa: F811  (the city fixture is imported from test_websites_report)
"""The "Situs web OPD" report in a real browser, in both languages and on a phone: the way there, the
rows and their badges, a filter, sorting, the applications tab, a download, the engineers' switch-on,
and an OPD's page with its website panel.

``SIMPUL_SHOTS=/some/dir`` keeps screenshots of each step (for a person to look at)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from infra.core.choices import Role
from infra.probes.models import Check

from ..factories import UserFactory
from ..probes.test_websites_report import city  # noqa: F401  (the same small city)

SHOTS = os.environ.get("SIMPUL_SHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_the_report_in_indonesian_with_the_engineers_switch(page, login, transactional_db, city):
    engineer = UserFactory(username="insinyur-web", role=Role.ENGINEER)
    login(engineer)
    page.get_by_test_id("nav-probes").click()
    page.get_by_test_id("nav-websites").click()
    expect(page.locator("h1")).to_contain_text("Situs web OPD")
    rows = page.get_by_test_id("website-row")
    # what needs attention first: the stale, down site with its labelled warnings
    first = rows.first
    expect(first).to_contain_text("Dinkes")
    expect(first.locator("[data-field=state]")).to_have_text("Mati")
    expect(first.locator("[data-warning=stale]")).to_have_text("Tidak diperbarui")
    expect(first.locator("[data-field=last_update]")).to_contain_text("120 hari lalu")
    expect(page.locator("[data-testid=website-row][data-state=no_website]")).to_contain_text("Satpol")
    shot(page, "websites-id-1440")
    # sort by last update, newest first: Diskominfo (3 days) before Dinkes (120 days)
    page.locator("[data-sort=last_update]").click()
    page.locator("[data-sort=last_update]").click()
    expect(rows.first).to_contain_text("Diskominfo")
    # stale only
    page.get_by_label("Hanya yang tidak diperbarui").check()
    page.get_by_test_id("apply").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("total")).to_have_text("1")
    with page.expect_download() as download:
        page.get_by_role("button", name="Ekspor").click()
        page.locator("[data-export=csv]").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("OPD,Nama,Situs web,Status") and "Dinkes" in text and "Satpol" not in text
    # switch Bappeda's check on: its box, the button, and the row says so
    page.goto("/probes/websites/?state=off")
    expect(rows).to_have_count(1)
    rows.first.locator("input[name=pk]").check()
    page.get_by_test_id("switch-on").click()
    expect(page.locator(".alert")).to_contain_text("1 pemeriksaan situs web diaktifkan")
    assert Check.objects.get(pk=city["checks"]["off"].pk).enabled
    # the applications tab
    page.get_by_test_id("tab-applications").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("E-Planning")
    expect(rows.first.locator("[data-warning=plain_http]")).to_have_text("Hanya HTTP biasa")
    # an OPD's page shows its website's row and links to its check
    page.goto(city["stale"].get_absolute_url())
    panel = page.get_by_test_id("website-panel")
    expect(panel).to_contain_text("Sertifikat segera berakhir")
    panel.get_by_test_id("website-check").click()
    expect(page.get_by_test_id("website-response")).to_contain_text("503")
    expect(page.get_by_test_id("mixed-content")).to_contain_text("http://127.0.0.2/logo.png")
    shot(page, "check-http-id-1440")


@pytest.mark.parametrize("width", [390, 1440])
def test_the_report_in_english_for_an_auditor(browser, live_server, transactional_db, city, width):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    auditor = UserFactory(username="auditor-web", role=Role.AUDITOR)
    page.goto("/login/")
    page.fill("#id_username", auditor.username)
    page.fill("#id_password", "rahasia-uji-123")
    page.get_by_test_id("login").click()
    page.wait_for_url("**/")
    page.goto("/probes/websites/")
    expect(page.locator("h1")).to_contain_text("OPD websites")
    expect(page.get_by_test_id("switch-on")).to_have_count(0)
    expect(page.locator("input[name=pk]")).to_have_count(0)
    first = page.get_by_test_id("website-row").first
    expect(first.locator("[data-warning=cert_expiring]")).to_have_text("Certificate expires soon")
    if width == 390:
        # on a phone the filters fold away and the table scrolls sideways, not the page
        expect(page.locator("#filter-body")).to_be_hidden()
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width + 1, page_width
    shot(page, f"websites-en-{width}")
    page.goto(city["app"].get_absolute_url())
    expect(page.get_by_test_id("website-panel")).to_contain_text("Plain HTTP only")
    shot(page, f"application-en-{width}")
    context.close()
