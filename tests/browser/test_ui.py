"""What an engineer, an operator and an auditor do in the web UI, in a real browser."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from infra.core.choices import Role
from infra.core.models import ObjectChange
from infra.inventory import choices, models

from ..factories import (
    DeviceFactory,
    FiberLinkFactory,
    MigrationFactory,
    OrganizationFactory,
    SiteFactory,
    UserFactory,
)
from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_refuses_a_wrong_password_then_lets_the_user_in(page, engineer_user):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.fill("#id_username", engineer_user.username)
    page.fill("#id_password", "salah")
    page.get_by_test_id("login").click()
    expect(page.locator(".alert-danger")).to_contain_text("Nama pengguna atau kata sandi salah.")
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("whoami")).to_contain_text("Rina")
    expect(page.get_by_test_id("headline")).to_be_visible()


def test_create_a_site_and_a_device_after_a_validation_error(page, login, engineer_user):
    organization = OrganizationFactory(short_name="Diskominfo")
    login(engineer_user)
    page.goto("/sites/add/")
    page.fill("#id_name", "Kantor Kecamatan Enggal")
    page.select_option("#id_kind", "district_office")
    page.fill("#id_latitude", "-95")  # out of range
    page.fill("#id_longitude", "105.26")
    page.get_by_test_id("save").click()
    expect(page.locator('[data-field-error="latitude"]')).to_be_visible()
    assert not models.Site.objects.filter(name="Kantor Kecamatan Enggal").exists()
    page.fill("#id_latitude", "-5.42")
    page.get_by_test_id("save").click()
    expect(page.locator("h1")).to_contain_text("Kantor Kecamatan Enggal")
    site = models.Site.objects.get(name="Kantor Kecamatan Enggal")

    page.goto("/devices/add/")
    page.fill("#id_name", "srv-simpeg-01")
    page.select_option("#id_organization", str(organization.pk))
    page.select_option("#id_site", str(site.pk))
    page.select_option("#id_kind", "server")
    page.fill("#id_purchase_year", "1900")  # before any plausible purchase
    page.get_by_test_id("save").click()
    expect(page.locator('[data-field-error="purchase_year"]')).to_be_visible()
    page.fill("#id_purchase_year", "2021")
    page.get_by_test_id("save").click()
    expect(page.locator("h1")).to_contain_text("srv-simpeg-01")
    device = models.Device.objects.get(name="srv-simpeg-01")
    assert device.purchase_year == 2021
    change = ObjectChange.objects.get(object_id=device.pk, object_repr="srv-simpeg-01", action="create")
    assert (change.user_id, change.source) == (engineer_user.pk, "web")


def test_pick_an_interface_among_hundreds_for_an_address(page, login, engineer_user):
    """The address form's interface is a search box once there are hundreds: type, pick, save."""
    organization = OrganizationFactory()
    site = SiteFactory(organization=organization)
    devices = models.Device.objects.bulk_create(
        models.Device(name=f"srv-{i:04d}", organization=organization, site=site, kind="server") for i in range(120)
    )
    interfaces = models.Interface.objects.bulk_create(
        models.Interface(device=d, name=f"eth{k}") for d in devices for k in range(2)
    )
    address = models.IPAddress.objects.create(address="127.0.42.1", prefix_length=24, interface=interfaces[0])
    target = next(i for i in interfaces if i.device.name == "srv-0042" and i.name == "eth1")
    login(engineer_user)
    page.goto(f"/ip-addresses/{address.pk}/edit/")
    expect(page.locator("#id_interface option")).to_have_count(2 + 50)  # empty, the current one, a start
    page.locator("[data-picker-search]").fill("srv-0042 eth1")
    expect(page.locator("#id_interface option", has_text="srv-0042 eth1")).to_have_count(1)
    page.select_option("#id_interface", label="srv-0042 eth1")
    page.get_by_test_id("save").click()
    expect(page.locator("h1")).to_contain_text("127.0.42.1")
    address.refresh_from_db()
    assert address.interface_id == target.pk


def test_edit_a_fiber_link_and_see_it_in_history(page, login, engineer_user):
    link = FiberLinkFactory(code="FO-BL-007", core_count=12, status=choices.FiberLinkStatus.PLANNED)
    login(engineer_user)
    page.goto(f"/fiber-links/{link.pk}/")
    expect(page.get_by_test_id("cores").locator("tbody tr, tr")).to_have_count(13)  # header + 12 cores
    page.get_by_test_id("edit").click()
    page.select_option("#id_core_count", "24")
    page.select_option("#id_status", "active")
    page.fill("#id_measured_loss_db", "9.5")
    page.get_by_test_id("save").click()
    # Indonesian number format: decimal comma.
    expect(page.get_by_test_id("loss-budget")).to_contain_text("9,50 dB")
    link.refresh_from_db()
    assert (link.core_count, link.status, link.cores.count()) == (24, "active", 24)
    page.get_by_test_id("history-tab").click()
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("core_count")
    expect(history).to_contain_text("24")


def test_move_a_migration_through_states_with_a_refused_move(page, login, engineer_user):
    device = DeviceFactory(name="srv-sipd")
    migration = MigrationFactory(device=device)
    login(engineer_user)
    page.goto(f"/migrations/{migration.pk}/")
    form = page.get_by_test_id("transition-form")
    options = form.locator("select[name=to_state] option")
    expect(options).to_have_count(3)  # assessed, retired, retained: only allowed moves are offered
    form.locator("select[name=to_state]").select_option("assessed")
    form.locator("input[name=reason]").fill("Penilaian selesai")
    form.locator("button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    form.locator("select[name=to_state]").select_option("scheduled")
    form.locator("button").click()
    # Scheduled -> migrating without gates met and without an override is refused.
    form.locator("select[name=to_state]").select_option("migrating")
    form.locator("input[name=reason]").fill("Mulai pindah")
    form.locator("button").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    migration.refresh_from_db()
    assert migration.state == "scheduled"
    form.locator("select[name=to_state]").select_option("migrating")
    form.locator("input[name=override_reason]").fill("Disetujui Kadis, backup manual")
    form.locator("button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    migration.refresh_from_db()
    assert migration.state == "migrating"
    assert list(migration.transitions.values_list("to_state", flat=True)) == [
        "inventoried",
        "assessed",
        "scheduled",
        "migrating",
    ]
    # An illegal move forged past the form is refused by the server too.
    response = page.request.post(
        f"/migrations/{migration.pk}/transition/",
        form={"to_state": "accepted", "csrfmiddlewaretoken": page.context.cookies()[0]["value"]},
    )
    assert response.ok  # redirected back with an error message
    migration.refresh_from_db()
    assert migration.state == "migrating"


def test_bulk_edit_devices_from_the_list(page, login, engineer_user):
    organization = OrganizationFactory()
    devices = [DeviceFactory(organization=organization, status="active") for _ in range(3)]
    other = DeviceFactory(status="active")
    login(engineer_user)
    page.goto(f"/devices/?organization={organization.pk}")
    expect(page.get_by_test_id("total")).to_have_text("3")
    page.locator("th input[data-toggle-all]").check()
    page.get_by_test_id("bulk-edit").click()
    page.select_option("#id_status", "offline")
    page.get_by_test_id("apply").click()
    expect(page.locator(".alert-success")).to_be_visible()
    for device in devices:
        device.refresh_from_db()
        assert device.status == "offline"
    other.refresh_from_db()
    assert other.status == "active"


def test_switch_language(page, login, engineer_user):
    login(engineer_user)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("h1")).to_have_text("Dasbor")
    page.click("button[data-lang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Dashboard")
    page.click("button[data-lang=id]")
    expect(page.locator("h1")).to_have_text("Dasbor")


def test_opd_operator_cannot_edit_another_opds_device(page, login):
    own, other = OrganizationFactory(short_name="Disdukcapil"), OrganizationFactory(short_name="Dinkes")
    operator = UserFactory(username="opd.disdukcapil", role=Role.OPD_OPERATOR, organization=own)
    own_device = DeviceFactory(organization=own, name="srv-capil")
    other_device = DeviceFactory(organization=other, name="srv-dinkes")
    login(operator)
    page.goto(f"/devices/{other_device.pk}/")
    expect(page.locator("h1")).to_contain_text("srv-dinkes")
    expect(page.get_by_test_id("edit")).to_have_count(0)
    response = page.goto(f"/devices/{other_device.pk}/edit/")
    assert response.status == 403
    page.goto(f"/devices/{own_device.pk}/")
    page.get_by_test_id("edit").click()
    page.fill("#id_os", "Ubuntu 24.04")
    page.get_by_test_id("save").click()
    expect(page.locator("h1")).to_contain_text("srv-capil")
    own_device.refresh_from_db()
    assert own_device.os == "Ubuntu 24.04"
    other_device.refresh_from_db()
    assert other_device.os == ""


def test_saving_over_a_newer_change_is_refused(page, login, engineer_user):
    site = SiteFactory(name="Kantor Lama")
    login(engineer_user)
    page.goto(f"/sites/{site.pk}/edit/")
    # Someone else saves first.
    models.Site.objects.get(pk=site.pk).__class__.objects.get(pk=site.pk).save()
    fresh = models.Site.objects.get(pk=site.pk)
    fresh.address = "Jl. Dr. Susilo No. 2"
    fresh.save()
    page.fill("#id_name", "Kantor Baru")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    site.refresh_from_db()
    assert (site.name, site.address) == ("Kantor Lama", "Jl. Dr. Susilo No. 2")


def test_import_with_bad_rows_then_a_good_file(page, login, engineer_user, tmp_path):
    OrganizationFactory(short_name="Diskominfo")
    bad = tmp_path / "lokasi.csv"
    bad.write_text(
        "nama,jenis,status,opd,wilayah,alamat,lintang,bujur,keterangan\n"
        "Kantor Kelurahan Gedong Air,village_office,active,Diskominfo,,Jl. Imam Bonjol,-5.41,105.24,\n"
        "Kantor Kelurahan Sukajawa,kantor_antah,active,Diskominfo,,,-5.40,105.25,\n"
        "Kantor Kelurahan Kaliawi,village_office,active,OPD Hilang,,,-95,105.26,\n",
        encoding="utf-8",
    )
    login(engineer_user)
    page.goto("/import/")
    page.select_option("#id_kind", "sites")
    page.set_input_files("#id_file", str(bad))
    page.get_by_test_id("check").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_be_visible()
    expect(page.locator("tr[data-bad]")).to_have_count(2)
    expect(page.locator('tr[data-row="3"]')).to_have_attribute("data-bad", "1")
    expect(page.locator('tr[data-row="4"]')).to_have_attribute("data-bad", "1")
    expect(page.get_by_test_id("confirm-import")).to_have_count(0)
    assert models.Site.objects.count() == 0

    good = tmp_path / "lokasi-baik.csv"
    good.write_text(
        "nama,jenis,status,opd,wilayah,alamat,lintang,bujur,keterangan\n"
        "Kantor Kelurahan Gedong Air,village_office,active,Diskominfo,,Jl. Imam Bonjol,-5.41,105.24,\n"
        "Kantor Kelurahan Sukajawa,village_office,active,Diskominfo,,,-5.40,105.25,\n",
        encoding="utf-8",
    )
    page.set_input_files("#id_file", str(good))
    page.get_by_test_id("check").click()
    expect(page.get_by_test_id("import-ready")).to_contain_text("2")
    assert models.Site.objects.count() == 0  # checked, not saved
    page.get_by_test_id("confirm-import").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert set(models.Site.objects.values_list("name", flat=True)) == {
        "Kantor Kelurahan Gedong Air",
        "Kantor Kelurahan Sukajawa",
    }
    assert ObjectChange.objects.filter(source="import", user=engineer_user, action="create").count() == 2


def test_an_import_shows_its_progress_bar_until_the_preview_and_the_result(
    page, login, engineer_user, tmp_path, sqlite_readers_do_not_lock, consumer
):
    """The check and the import run on huey's real consumer; the page's bar follows them (htmx)."""
    OrganizationFactory(short_name="Diskominfo")
    path = tmp_path / "lokasi.csv"
    path.write_text(
        "nama,jenis,status,opd,wilayah,alamat,lintang,bujur,keterangan\n"
        + "".join(f"Kantor {i},opd_office,active,Diskominfo,,,-5.4,105.2,\n" for i in range(20_000)),
        encoding="utf-8",
    )
    login(engineer_user)
    page.goto("/import/")
    page.select_option("#id_kind", "sites")
    page.set_input_files("#id_file", str(path))
    page.get_by_test_id("check").click()
    bar = page.get_by_test_id("import-progress-bar")
    expect(bar).to_be_visible()
    ready = page.get_by_test_id("import-ready")
    values = []
    for _ in range(600):
        if ready.count():
            break
        try:  # the bar as it is now, if any: the page may be reloading to show the preview
            values += [int(v) for v in bar.evaluate_all("bars => bars.map(b => b.value)")]
        except PlaywrightError:
            pass
        page.wait_for_timeout(200)
    expect(ready).to_contain_text("20.000")  # the page is in Indonesian
    assert values == sorted(values), values
    assert any(0 < v < 100 for v in values), values
    assert models.Site.objects.count() == 0

    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("import-done")).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("import-done")).to_contain_text("20000")
    assert models.Site.objects.count() == 20_000
