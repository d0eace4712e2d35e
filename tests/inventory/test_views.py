"""Every page of every model answers, for a user who may see it."""

import pytest
from django.urls import reverse

from infra.inventory import models
from infra.inventory.urls import PAGES

from ..factories import (
    ApplicationFactory,
    CheckFactory,
    ContractFactory,
    DeviceFactory,
    FiberLinkFactory,
    IPAddressFactory,
    MaintenanceWindowFactory,
    MigrationFactory,
    MigrationWaveFactory,
    RackFactory,
    RegionFactory,
    SnmpCredentialFactory,
    probe_history,
)


@pytest.fixture
def city(db):
    device = DeviceFactory()
    ip = IPAddressFactory(interface__device=device)
    device.primary_ip = ip
    device.save()
    app = ApplicationFactory(organization=device.organization)
    app.devices.add(device)
    link = FiberLinkFactory(site_a=device.site, contract=ContractFactory(contracted_km=1))
    wave = MigrationWaveFactory()
    migration = MigrationFactory(device=device, wave=wave)
    models.MigrationBlocker.objects.create(migration=migration, category="backup")
    RackFactory()
    RegionFactory()
    models.Contact.objects.create(organization=device.organization, name="Budi")
    models.YearTarget.objects.create(year=2026, servers_moved=100)
    # The probes' records too (the fuzz and export tests walk every list): a check with its history,
    # an SNMP check with its credential, a maintenance window.
    check = CheckFactory(device=device, ip_address=ip, address=ip.address)
    found = probe_history(check)
    found["downtime"].root_cause = found["event"].root_cause = link.site_b  # down behind the link's far end
    found["downtime"].save()
    found["event"].save()
    CheckFactory(kind="snmp", device=device, credential=SnmpCredentialFactory(), address=ip.address)
    MaintenanceWindowFactory(device=device)
    return {"device": device, "link": link, "check": check}


@pytest.mark.parametrize("pages", PAGES, ids=lambda p: p.slug)
def test_every_page_of_every_model_renders(client, admin_user, city, pages):
    client.force_login(admin_user)
    model = pages.queryset.model
    name = model._meta.model_name
    obj = model.objects.first()
    assert obj is not None, f"fixture has no {name}"
    for url in (
        reverse(f"inventory:{name}_list"),
        reverse(f"inventory:{name}_list") + "?q=a&export=csv",
        reverse(f"inventory:{name}_list") + "?export=xlsx",
        reverse(f"inventory:{name}_add"),
        reverse(f"inventory:{name}", args=[obj.pk]),
        reverse(f"inventory:{name}_edit", args=[obj.pk]),
        reverse(f"inventory:{name}_delete", args=[obj.pk]),
        reverse(f"inventory:{name}_history", args=[obj.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url


def test_board_and_progress_pages(client, admin_user, city):
    client.force_login(admin_user)
    board = client.get(reverse("inventory:migration_board"))
    assert board.status_code == 200
    assert 'data-count="inventoried">1<' in board.content.decode()
    progress = client.get(reverse("inventory:migration_progress"))
    assert progress.status_code == 200
    assert "<svg" in progress.content.decode()


def test_refusals_and_missing_pages_answer_in_the_users_language(client, operator, city):
    client.force_login(operator)
    other = city["device"]  # belongs to another OPD than the operator's
    refused = client.get(reverse("inventory:device_edit", args=[other.pk]), HTTP_ACCEPT_LANGUAGE="id")
    assert refused.status_code == 403
    assert "Anda tidak berwenang melakukan ini" in refused.content.decode()
    missing = client.get("/devices/999999/", HTTP_ACCEPT_LANGUAGE="id")
    assert missing.status_code == 404
    assert "Halaman ini tidak ada" in missing.content.decode()
