"""The import page's column mapping in a browser: a server list as a city office keeps it is mapped
by hand where needed, checked again and imported. Screenshots go to /tmp/shots-web."""

import os

import openpyxl
import pytest
from playwright.sync_api import expect

from infra.inventory import models
from infra.inventory.choices import ImportStatus

from ..factories import OrganizationFactory, SiteFactory

SHOTS = "/tmp/shots-web"


@pytest.fixture
def places(transactional_db):
    OrganizationFactory(short_name="Diskominfo", name="Dinas Komunikasi dan Informatika")
    return SiteFactory(name="Gedung A")


def _server_list(path) -> None:
    """A BMD-style server list: a merged title block and a blank row above the header, a numbering
    column, Indonesian titles (one no synonym knows), no "jenis" column, a signature block below."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DAFTAR SERVER PEMERINTAH KOTA BANDAR LAMPUNG"])
    sheet.merge_cells("A1:E1")
    sheet.append(["Dinas Komunikasi dan Informatika, Tahun Anggaran 2026"])
    sheet.merge_cells("A2:E2")
    sheet.append([])
    sheet.append(["No", "Identitas Mesin", "Nama OPD", "Lokasi", "Merk"])
    sheet.append([1, "srv-keu-01", "Diskominfo", "Gedung A", "Dell"])
    sheet.append([2, "srv-keu-02", "Diskominfo", "Gedung A", "HPE"])
    sheet.append([])
    sheet.append([])
    sheet.append(["", "", "", "Bandar Lampung, 30 November 2026"])
    sheet.append(["", "", "", "Mengetahui,"])
    sheet.append(["", "", "", "Kepala Bidang Infrastruktur"])
    book.save(path)


def _map_and_import(page, file, width: int, shot: str, rows: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/import/")
    page.select_option("#id_kind", "devices")
    page.set_input_files("#id_file", str(file))
    page.get_by_test_id("check").click()
    panel = page.get_by_test_id("mapping-panel")
    expect(panel).to_be_visible()
    # The column nothing recognises is offered as ignored, with its first values to tell what it is.
    row = panel.locator('[data-column="Identitas Mesin"]')
    expect(row).to_contain_text("srv-keu-01")
    expect(row.locator("select")).to_have_value("")
    expect(page.get_by_test_id("confirm-import")).to_have_count(0)
    row.locator("select").select_option("nama")
    page.select_option("#id_constant-jenis", "server")
    page.get_by_test_id("save-as").fill("Daftar server BMD")
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{shot}-mapped-{width}.png", full_page=True)
    page.get_by_test_id("recheck").click()
    ready = page.get_by_test_id("import-ready")
    expect(ready).to_be_visible()
    expect(page.locator('[data-status="new"]')).to_have_count(rows)
    expect(page.get_by_test_id("mapping-saved-name")).to_contain_text("Daftar server BMD")
    page.screenshot(path=f"{SHOTS}/{shot}-ready-{width}.png", full_page=True)
    assert models.Device.objects.count() == 0
    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()


def test_a_server_list_with_a_title_block_is_mapped_and_imported(page, login, engineer_user, places, tmp_path):
    path = tmp_path / "daftar-server.xlsx"
    _server_list(path)
    login(engineer_user)
    _map_and_import(page, path, 1440, "import-mapping", rows=2)
    expect(page.get_by_test_id("import-done")).to_be_visible()
    stored = sorted(models.Device.objects.values_list("name", "kind", "vendor", "organization__short_name"))
    assert stored == [
        ("srv-keu-01", "server", "Dell", "Diskominfo"),
        ("srv-keu-02", "server", "HPE", "Diskominfo"),
    ]
    assert models.ImportMapping.objects.get().constants == {"jenis": "server"}
    assert models.ImportJob.objects.get().status == ImportStatus.IMPORTED


def test_the_mapping_panel_works_on_a_phone(page, login, engineer_user, places, tmp_path):
    path = tmp_path / "server.csv"
    path.write_text("Identitas Mesin;opd;lokasi;merek\nsrv-keu-01;Diskominfo;Gedung A;Dell\n", encoding="cp1252")
    login(engineer_user)
    _map_and_import(page, path, 390, "import-mapping-phone", rows=1)
    # Nothing of the page is wider than the phone's screen but the preview table, which scrolls.
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 390, overflow
    assert list(models.Device.objects.values_list("name", "kind")) == [("srv-keu-01", "server")]
