"""The availability report in a real browser, in both languages: the month and OPD pickers, the
figures, sorting, a link to an object, a download, and a bad month."""

import datetime
import re

from playwright.sync_api import expect

from infra.core.choices import Role
from infra.probes.models import CheckEvent, MaintenanceWindow

from ..factories import CheckFactory, DeviceFactory, OrganizationFactory, SiteFactory, UserFactory

UTC = datetime.UTC


def test_the_availability_report_in_both_languages(page, login, transactional_db):
    org = OrganizationFactory(short_name="Dinkes", name="Dinas Kesehatan")
    site = SiteFactory(name="Puskesmas Kemiling", organization=org)
    srv = DeviceFactory(name="srv-kemiling", site=site, organization=org)
    sw = DeviceFactory(name="sw-kemiling", site=site, organization=org)
    c1 = CheckFactory(device=srv, address="127.41.0.1")
    c2 = CheckFactory(device=sw, address="127.41.0.2")
    other = SiteFactory(name="Kantor Lain", organization=OrganizationFactory(short_name="Lain"))
    CheckFactory(device=DeviceFactory(name="srv-lain", site=other, organization=other.organization))
    for check in (c1, c2):
        CheckEvent.objects.create(
            probe_check=check, at=datetime.datetime(2026, 2, 1, tzinfo=UTC), kind="state", new_state="up"
        )
    # srv-kemiling down 2 h 14 m on 10 March (local), 30 minutes of it in maintenance
    down = datetime.datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    CheckEvent.objects.create(probe_check=c1, at=down, kind="state", new_state="down")
    CheckEvent.objects.create(
        probe_check=c1, at=down + datetime.timedelta(hours=2, minutes=44), kind="state", new_state="up"
    )
    MaintenanceWindow.objects.create(device=srv, start=down, end=down + datetime.timedelta(minutes=30), reason="uji")
    operator = UserFactory(username="operator-dinkes", role=Role.OPD_OPERATOR, organization=org)

    login(operator)
    page.get_by_test_id("nav-probes").click()
    page.get_by_test_id("nav-availability-report").click()
    # the operator's own OPD is chosen; the month picker sets March 2026
    expect(page.locator("#report-organization")).to_have_value(str(org.pk))
    page.fill("#report-month", "2026-03")
    page.get_by_test_id("report-show").click()
    expect(page.get_by_test_id("report-header")).to_contain_text("Zona waktu")
    expect(page.get_by_test_id("report-header")).to_contain_text("2026-03-01 00:00 – 2026-04-01 00:00")
    devices = page.get_by_test_id("report-devices")
    expect(devices).to_contain_text("srv-kemiling")
    expect(devices).not_to_contain_text("srv-lain")
    # sort the devices by total downtime, longest first: srv-kemiling with 2 j 14 m
    devices.get_by_role("link", name="Total waktu mati").click()
    devices.get_by_role("link", name="Total waktu mati").click()
    first = page.get_by_test_id("report-devices").get_by_test_id("report-row").first
    expect(first).to_contain_text("srv-kemiling")
    expect(first.locator("[data-field=downtime]")).to_have_text("2 j 14 m")
    expect(first.locator("[data-field=maintenance]")).to_have_text("30 m")
    expect(first.locator("[data-field=percent]")).to_have_text("99,69 %")
    with page.expect_download() as download:
        page.get_by_test_id("download-xlsx").click()
    assert download.value.suggested_filename == "ketersediaan-Dinas-Kesehatan-2026-03.xlsx"

    page.locator("button[data-lang=en]").click()
    page.select_option("#report-organization", "")
    page.fill("#report-month", "2026-03")
    page.get_by_test_id("report-show").click()
    expect(page.get_by_test_id("report-header")).to_contain_text("Whole city")
    expect(page.get_by_test_id("report-devices")).to_contain_text("srv-lain")
    row = page.get_by_test_id("report-devices").get_by_test_id("report-row").filter(has_text="srv-kemiling")
    expect(row.locator("[data-field=downtime]")).to_have_text("2 h 14 m")
    expect(row.locator("[data-field=percent]")).to_have_text("99.69 %")
    row.get_by_role("link", name="srv-kemiling").click()
    expect(page).to_have_url(re.compile(rf"/devices/{srv.pk}/$"))

    page.goto("/probes/reports/availability/?month=2026-13")
    expect(page.get_by_test_id("report-error")).to_contain_text("There is no such month")
