"""Diagram snapshots and comparisons in a real browser, in both languages, on a wide screen and a phone:
an engineer takes a snapshot, finds it in the list, opens it (figures, drawing, a PDF), compares two
dates and sees the change legend; an auditor reads snapshots but is offered no button to take one."""

import os

import pytest
from playwright.sync_api import expect

from infra.core.choices import Role
from infra.maps.models import DiagramSnapshot

from ..factories import UserFactory
from ..maps.history_city import HistoryCity

SHOTS = "/tmp/shots-snapweb"
TEXT = {
    "id": {
        "snapshots": "Snapshot diagram",
        "take": "Ambil snapshot",
        "taken": "Snapshot diambil",
        "figures": "Angka seluruh kota pada saat itu",
        "compare": "Bandingkan dua tanggal",
        "added": "Ditambahkan sejak 31 Des. 2025",
        "removed": "Dihapus sejak 31 Des. 2025",
        "first_after": "Tanggal pertama harus sebelum tanggal kedua.",
    },
    "en": {
        "snapshots": "Diagram snapshots",
        "take": "Take a snapshot",
        "taken": "Snapshot taken",
        "figures": "The whole city's figures then",
        "compare": "Compare two dates",
        "added": "Added since Dec. 31, 2025",
        "removed": "Removed since Dec. 31, 2025",
        "first_after": "The first date must be before the second.",
    },
}


def no_wider_than_the_screen(page, width: int) -> None:
    """Nothing pushes the page sideways (the drawing pans inside its own box)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"the page is {scroll} px wide on a {width} px screen"


@pytest.mark.parametrize("width", [1440, 390])
@pytest.mark.parametrize("language", ["id", "en"])
def test_take_find_open_and_compare_snapshots(page, login, transactional_db, language, width):
    os.makedirs(SHOTS, exist_ok=True)
    words = TEXT[language]
    city = HistoryCity()
    city.monthly()  # January's city and fiber views, taken by the monthly task
    engineer = UserFactory(username="insinyur-b", role=Role.ENGINEER, first_name="Rina")
    page.set_viewport_size({"width": width, "height": 900})
    login(engineer)
    if language == "en":
        page.click("button[data-lang=en]")
        expect(page.locator("html")).to_have_attribute("lang", "en")
    shot = f"{SHOTS}/{language}-{width}"

    # Take a snapshot of the city as it was at the end of December.
    page.goto("/diagrams/snapshots/")
    expect(page.locator("h1")).to_contain_text(words["snapshots"])
    page.get_by_test_id("take-snapshot-link").click()
    expect(page.locator("h1")).to_have_text(words["take"])
    page.select_option("#id_view", "city")
    page.fill("#id_as_of", "2025-12-31")
    page.screenshot(path=f"{shot}-take.png", full_page=True)
    no_wider_than_the_screen(page, width)
    page.get_by_test_id("take-snapshot").click()
    expect(page.locator(".alert-success")).to_contain_text(words["taken"])
    snapshot = DiagramSnapshot.objects.get(trigger="on_demand")
    assert snapshot.taken_by == engineer
    expect(page.get_by_test_id("snapshot-figures")).to_be_visible()
    expect(page.get_by_text(words["figures"])).to_be_visible()
    expect(page.get_by_test_id("diagram").locator("svg")).to_contain_text("Kantor Lama")
    page.screenshot(path=f"{shot}-snapshot.png", full_page=True)
    no_wider_than_the_screen(page, width)

    # It is in the list, with the monthly ones; open it from there.
    page.goto("/diagrams/snapshots/")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    page.screenshot(path=f"{shot}-list.png", full_page=True)
    no_wider_than_the_screen(page, width)
    page.locator(f'a[href="/diagrams/snapshots/{snapshot.pk}/"]').click()
    expect(page.get_by_test_id("snapshot-as-of")).to_contain_text("2025")
    with page.expect_download() as download:
        page.get_by_test_id("pdf-form").locator("button").click()
    assert download.value.suggested_filename == f"simpul-snapshot-{snapshot.pk}-city-2025-12-31-a4-landscape.pdf"

    # Compare it with the end of January: the changes, with their legend.
    page.get_by_test_id("compare-with-now").click()
    expect(page.locator("h1")).to_have_text(words["compare"])
    page.fill("#id_as_of", "2026-01-31")
    page.get_by_test_id("compare-submit").click()
    summary = page.get_by_test_id("change-summary")
    expect(summary).to_contain_text(words["added"])
    expect(summary.locator("[data-mark=added]")).to_have_attribute("data-count", "2")
    drawing = page.get_by_test_id("diagram").locator("svg")
    expect(drawing).to_contain_text(words["added"])
    expect(drawing).to_contain_text(words["removed"])
    summary.locator("[data-mark=removed] summary").click()
    expect(summary.locator("[data-mark=removed]")).to_contain_text("Kantor Lama")
    page.screenshot(path=f"{shot}-compare.png", full_page=True)
    no_wider_than_the_screen(page, width)

    # Dates the wrong way round: said on the form, in the page's language.
    page.fill("#id_compare_from", "2026-01-31")
    page.fill("#id_as_of", "2025-12-31")
    page.get_by_test_id("compare-submit").click()
    expect(page.locator('[data-field-error="compare_from"]')).to_have_text(words["first_after"])
    page.screenshot(path=f"{shot}-compare-error.png", full_page=True)


def test_an_auditor_reads_snapshots_but_takes_none(page, login, transactional_db):
    city = HistoryCity()
    city.monthly()
    auditor = UserFactory(username="auditor-b", role=Role.AUDITOR)
    login(auditor)
    page.goto("/diagrams/snapshots/")
    expect(page.locator("table tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("take-snapshot-link")).to_have_count(0)
    response = page.goto("/diagrams/snapshots/take/")
    assert response.status == 403
    page.goto("/diagrams/snapshots/")
    page.locator("table tbody tr a").first.click()
    expect(page.get_by_test_id("diagram").locator("svg")).to_be_visible()


@pytest.mark.parametrize("width", [1440, 390])
def test_the_diagram_page_keeps_what_it_shows(page, login, transactional_db, width):
    os.makedirs(SHOTS, exist_ok=True)
    HistoryCity()
    engineer = UserFactory(username="insinyur-c", role=Role.ENGINEER)
    page.set_viewport_size({"width": width, "height": 900})
    login(engineer)
    page.goto("/diagrams/?view=fiber&as_of=2025-12-31")
    expect(page.get_by_test_id("diagram").locator("svg")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/diagram-page-{width}.png")
    no_wider_than_the_screen(page, width)
    page.get_by_test_id("take-this-snapshot").locator("button").click()
    expect(page.locator(".alert-success")).to_contain_text("Snapshot diambil")
    snapshot = DiagramSnapshot.objects.get()
    assert snapshot.view == "fiber" and snapshot.as_of.date().isoformat() == "2025-12-31"
    expect(page.get_by_test_id("diagram").locator("svg")).to_contain_text("Kantor Lama")
