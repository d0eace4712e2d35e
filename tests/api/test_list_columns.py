"""Lists that answer in one call: a migration row names its server's OPD, site and rack and the
date its state was reached; a device row its migration state and that date. Today and as_of."""

import csv
import datetime
import io

import pytest
from django.utils.translation import gettext as _

from infra.core.models import ObjectChange
from infra.inventory.services.migration import transition

from ..factories import DeviceFactory, MigrationFactory, OrganizationFactory, RackFactory, SiteFactory
from .endpoints import url

pytestmark = pytest.mark.django_db

TICK = datetime.timedelta(microseconds=1)


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _last_change() -> datetime.datetime:
    return ObjectChange.objects.latest("id").time


@pytest.fixture
def tracked():
    """A server of Disdukcapil in a rack, assessed; then moved to Dinkes' site and rack, then scheduled."""
    dukcapil = OrganizationFactory(name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Disdukcapil")
    dinkes = OrganizationFactory(name="Dinas Kesehatan", short_name="Dinkes")
    old_site = SiteFactory(name="Kantor Dukcapil", organization=dukcapil)
    old_rack = RackFactory(name="Rak Lama", site=old_site)
    device = DeviceFactory(name="srv-ktp", organization=dukcapil, site=old_site, rack=old_rack)
    migration = MigrationFactory(device=device)
    assessed = transition(migration, "assessed")
    before_move = _last_change()
    new_site = SiteFactory(name="Pusat Data Kota", organization=dinkes)
    new_rack = RackFactory(name="Rak DC-01", site=new_site)
    device.organization, device.site, device.rack = dinkes, new_site, new_rack
    device.save()
    migration.refresh_from_db()
    scheduled = transition(migration, "scheduled")
    return {
        "device": device,
        "migration": migration,
        "dukcapil": dukcapil,
        "dinkes": dinkes,
        "old_site": old_site,
        "old_rack": old_rack,
        "new_site": new_site,
        "new_rack": new_rack,
        "assessed": assessed,
        "scheduled": scheduled,
        "before_move": max(before_move, assessed.at),
    }


def test_a_migration_row_names_the_opd_site_rack_and_state_date(api, tracked):
    row = api.get(url("migrations", tracked["migration"].pk)).json()
    dinkes = tracked["dinkes"]
    assert row["organization"] == {
        "id": dinkes.pk,
        "url": f"http://testserver/api/organizations/{dinkes.pk}/",
        "display": "Dinkes",
        "name": "Dinas Kesehatan",
        "short_name": "Dinkes",
    }
    assert row["site"]["id"] == tracked["new_site"].pk and row["site"]["display"] == "Pusat Data Kota"
    assert row["rack"]["id"] == tracked["new_rack"].pk and row["rack"]["display"] == "Rak DC-01"
    assert row["state"] == "scheduled"
    assert datetime.datetime.fromisoformat(row["state_changed_at"]) == tracked["scheduled"].at
    listed = api.get(url("migrations")).json()["results"]
    assert listed[0]["organization"]["short_name"] == "Dinkes" and listed[0]["rack"]["display"] == "Rak DC-01"


def test_a_device_row_names_its_migration_state_and_date(api, tracked):
    untracked = DeviceFactory(name="srv-tanpa-migrasi")
    rows = {r["id"]: r for r in api.get(url("devices")).json()["results"]}
    row = rows[tracked["device"].pk]
    assert row["migration_state"] == "scheduled"
    assert datetime.datetime.fromisoformat(row["migration_state_changed_at"]) == tracked["scheduled"].at
    assert rows[untracked.pk]["migration_state"] is None
    assert rows[untracked.pk]["migration_state_changed_at"] is None


def test_the_api_exports_carry_the_new_columns(api, tracked):
    migration_row = _csv(api.get(url("migrations"), {"format": "csv"}))[0]
    assert (migration_row["organization"], migration_row["site"], migration_row["rack"]) == (
        "Dinkes",
        "Pusat Data Kota",
        "Rak DC-01",
    )
    assert migration_row["state"] == "scheduled" and migration_row["state_changed_at"]
    device_row = next(r for r in _csv(api.get(url("devices"), {"format": "csv"})) if r["name"] == "srv-ktp")
    assert device_row["migration_state"] == "scheduled" and device_row["migration_state_changed_at"]


def test_a_migration_row_as_of_a_past_date_has_the_values_then(api, tracked):
    moment = tracked["before_move"]
    rows = api.get(url("migrations"), {"as_of": moment.isoformat()}).json()["results"]
    (row,) = rows
    dukcapil = tracked["dukcapil"]
    assert row["organization_id"] == dukcapil.pk
    assert row["organization"]["name"] == dukcapil.name and row["organization"]["short_name"] == "Disdukcapil"
    assert (row["site_id"], row["site"]["display"]) == (tracked["old_site"].pk, "Kantor Dukcapil")
    assert (row["rack_id"], row["rack"]["display"]) == (tracked["old_rack"].pk, "Rak Lama")
    assert row["state"] == "assessed"
    assert datetime.datetime.fromisoformat(row["state_changed_at"]) == tracked["assessed"].at
    # ... and now: the values of today.
    now = api.get(url("migrations"), {"as_of": _last_change().isoformat()}).json()["results"][0]
    assert (now["organization_id"], now["site_id"], now["rack_id"], now["state"]) == (
        tracked["dinkes"].pk,
        tracked["new_site"].pk,
        tracked["new_rack"].pk,
        "scheduled",
    )


def test_a_device_row_as_of_a_past_date_has_the_migration_state_then(api, tracked):
    moment = tracked["before_move"]
    rows = {r["id"]: r for r in api.get(url("devices"), {"as_of": moment.isoformat()}).json()["results"]}
    row = rows[tracked["device"].pk]
    assert row["migration_state"] == "assessed"
    assert datetime.datetime.fromisoformat(row["migration_state_changed_at"]) == tracked["assessed"].at
    # Before the migration was tracked, the device was not in any state.
    created = ObjectChange.objects.filter(object_repr="srv-ktp").earliest("id").time
    first = tracked["migration"].transitions.earliest("at").at
    if created < first:
        early = api.get(url("devices"), {"as_of": created.isoformat()}).json()["results"]
        assert {r["id"]: r["migration_state"] for r in early}[tracked["device"].pk] is None


def test_the_as_of_exports_carry_the_new_columns(api, tracked):
    moment = tracked["before_move"].isoformat()
    (row,) = _csv(api.get(url("migrations"), {"as_of": moment, "format": "csv"}))
    assert (row["organization"], row["site"], row["rack"], row["state"]) == (
        "Disdukcapil",
        "Kantor Dukcapil",
        "Rak Lama",
        "assessed",
    )
    device_row = next(
        r for r in _csv(api.get(url("devices"), {"as_of": moment, "format": "csv"})) if r["name"] == "srv-ktp"
    )
    assert device_row["migration_state"] == "assessed" and device_row["migration_state_changed_at"]


def test_the_web_lists_and_exports_show_the_columns(client, engineer, tracked):
    client.force_login(engineer)
    page = client.get("/migrations/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rak DC-01" in html and "Dinkes" in html and "Pusat Data Kota" in html
    rows = _csv(client.get("/migrations/", {"export": "csv"}))
    assert any("Rak DC-01" in row.values() for row in rows)
    devices = client.get("/devices/")
    assert devices.status_code == 200
    rows = _csv(client.get("/devices/", {"export": "csv"}))
    (row,) = [r for r in rows if "srv-ktp" in r.values()]
    assert len([v for v in row.values() if v]) >= 4
    header = list(rows[0].keys())
    assert str(_("Migration state since")) in header, header
