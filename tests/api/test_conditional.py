"""Conditional writes through the API, one request at a time: what If-Match and last_updated mean for
single and bulk writes, the answers when they do not match, and the version they check.

The same writes under parallel requests are in test_concurrency.py.
"""

import datetime

import pytest
from django.utils import timezone

from infra.core import versions
from infra.core.models import ObjectChange
from infra.inventory.models import Device

from ..factories import DeviceFactory, MigrationFactory
from .conftest import token_client
from .endpoints import url

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def read(api, device) -> tuple[str, str]:
    """The device's ETag and last_updated, as a client reads them."""
    response = api.get(url("devices", device.pk))
    return response["ETag"], response.json()["last_updated"]


@pytest.fixture
def devices(db):
    return [DeviceFactory(vendor="Dell") for _ in range(3)]


@pytest.fixture
def someone_else(engineer_two):
    return token_client(engineer_two)


# --- single writes ---------------------------------------------------------------------------


def test_a_412_gives_the_current_etag(api, someone_else):
    device = DeviceFactory()
    etag, _stamp = read(api, device)
    someone_else.patch(url("devices", device.pk), {"vendor": "HPE"}, format="json")
    response = api.patch(url("devices", device.pk), {"vendor": "Lenovo"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    current, _stamp = read(api, device)
    assert response["ETag"] == current != etag
    response = api.patch(url("devices", device.pk), {"vendor": "Lenovo"}, format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 200


@pytest.mark.parametrize("header", ["", "   ", "abc", '"abc', 'W/"x" "y"', '"a",, "b"'])
def test_an_empty_or_malformed_if_match_is_refused_not_ignored(api, header):
    device = DeviceFactory(vendor="Dell")
    response = api.patch(url("devices", device.pk), {"vendor": "HPE"}, format="json", HTTP_IF_MATCH=header, **EN)
    assert response.status_code == 400
    assert "If-Match header must be" in response.json()["detail"]
    device.refresh_from_db()
    assert device.vendor == "Dell"


def test_if_match_may_list_several_etags_and_a_weak_one_never_matches(api):
    device = DeviceFactory()
    etag, _stamp = read(api, device)
    response = api.patch(url("devices", device.pk), {"os": "a"}, format="json", HTTP_IF_MATCH=f'"other", {etag}')
    assert response.status_code == 200
    weak = "W/" + response["ETag"]
    assert api.patch(url("devices", device.pk), {"os": "b"}, format="json", HTTP_IF_MATCH=weak).status_code == 412


def test_a_body_sent_with_a_stale_last_updated_is_refused(api, someone_else):
    """PUT of what was read: its last_updated says which version the write is based on."""
    device = DeviceFactory(vendor="Dell")
    body = {k: (v["id"] if isinstance(v, dict) else v) for k, v in api.get(url("devices", device.pk)).json().items()}
    someone_else.patch(url("devices", device.pk), {"os": "Debian 12"}, format="json")
    response = api.put(url("devices", device.pk), {**body, "vendor": "HPE"}, format="json")
    assert response.status_code == 412
    device.refresh_from_db()
    assert (device.vendor, device.os) == ("Dell", "Debian 12")


def test_a_transition_gives_the_current_etag_when_refused(api, someone_else):
    migration = MigrationFactory(device=DeviceFactory())
    etag = api.get(url("migrations", migration.pk))["ETag"]
    someone_else.patch(url("migrations", migration.pk), {"notes": "diubah"}, format="json")
    response = api.post(
        url("migrations", migration.pk, "transition"), {"to_state": "assessed"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412
    assert response["ETag"] == api.get(url("migrations", migration.pk))["ETag"]


# --- bulk writes -----------------------------------------------------------------------------


def test_bulk_patch_with_a_stale_if_match_is_refused(api, someone_else, devices):
    """The review's case: a bulk PATCH sent with a stale If-Match was saved (200)."""
    first = devices[0]
    etag, _stamp = read(api, first)
    someone_else.patch(url("devices", first.pk), {"vendor": "HPE"}, format="json")
    changes = ObjectChange.objects.count()
    body = [{"id": first.pk, "vendor": "Lenovo"}]
    response = api.patch(url("devices"), body, format="json", HTTP_IF_MATCH=etag, **EN)
    assert response.status_code == 412
    assert response.json()["stale"] == [first.pk]
    first.refresh_from_db()
    assert first.vendor == "HPE"
    assert ObjectChange.objects.count() == changes


def test_bulk_if_match_lists_the_etags_of_the_objects(api, devices):
    tags = ", ".join(read(api, d)[0] for d in devices)
    body = [{"id": d.pk, "vendor": "Lenovo"} for d in devices]
    assert api.patch(url("devices"), body, format="json", HTTP_IF_MATCH=tags).status_code == 200
    # Each object's ETag must be there: the list without the last one names the last one.
    tags = ", ".join(read(api, d)[0] for d in devices[:2])
    response = api.patch(url("devices"), body, format="json", HTTP_IF_MATCH=tags)
    assert response.status_code == 412
    assert response.json()["stale"] == [devices[2].pk]


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_bulk_write_with_one_stale_item_names_it_and_writes_nothing(api, someone_else, devices, method):
    bodies = [api.get(url("devices", d.pk)).json() for d in devices]
    stale = devices[1]
    someone_else.patch(url("devices", stale.pk), {"vendor": "HPE"}, format="json")
    changes = ObjectChange.objects.count()
    items = [
        {**{k: (v["id"] if isinstance(v, dict) else v) for k, v in body.items()}, "os": "Ubuntu 24.04"}
        for body in bodies
    ]
    if method == "patch":
        items = [{"id": i["id"], "last_updated": i["last_updated"], "os": i["os"]} for i in items]
    elif method == "delete":
        items = [{"id": i["id"], "last_updated": i["last_updated"]} for i in items]
    response = getattr(api, method)(url("devices"), items, format="json", **EN)
    assert response.status_code == 412
    answer = response.json()
    assert answer["stale"] == [stale.pk]
    assert answer["detail"].startswith("Nothing was saved: 1 object(s) changed since you read them")
    assert [(i["index"], i["id"]) for i in answer["items"]] == [(1, stale.pk)]
    assert answer["items"][0]["etag"] == read(api, stale)[0]
    assert Device.objects.filter(pk__in=[d.pk for d in devices]).count() == 3
    assert set(Device.objects.filter(pk__in=[d.pk for d in devices]).values_list("os", flat=True)) == {""}
    assert ObjectChange.objects.count() == changes


def test_bulk_write_with_current_versions_goes_through(api, devices):
    items = [{"id": d.pk, "last_updated": read(api, d)[1], "os": "Ubuntu 24.04"} for d in devices]
    response = api.patch(url("devices"), items, format="json")
    assert response.status_code == 200
    assert set(Device.objects.values_list("os", flat=True)) == {"Ubuntu 24.04"}
    # The same last_updated in another offset is the same version.
    device = devices[0]
    stamp = datetime.datetime.fromisoformat(read(api, device)[1]).astimezone(
        datetime.timezone(datetime.timedelta(hours=9))
    )
    response = api.patch(
        url("devices"), [{"id": device.pk, "last_updated": stamp.isoformat(), "os": "x"}], format="json"
    )
    assert response.status_code == 200


def test_bulk_item_with_an_unreadable_last_updated_is_named(api, devices):
    items = [{"id": devices[0].pk, "os": "a"}, {"id": devices[1].pk, "last_updated": "kemarin", "os": "b"}]
    response = api.patch(url("devices"), items, format="json", **EN)
    assert response.status_code == 400
    [item] = response.json()["items"]
    assert item["index"] == 1
    assert "Send the last_updated you read" in item["errors"]["last_updated"][0]
    assert set(Device.objects.values_list("os", flat=True)) == {""}


# --- the version itself ----------------------------------------------------------------------


def test_a_save_within_the_same_microsecond_still_moves_the_version(monkeypatch):
    """last_updated is the version: a save must never leave the row with a stamp it had, even when
    the clock has not moved (two writes in one microsecond) or was set back."""
    device = DeviceFactory()
    device.refresh_from_db()
    before, etag = device.last_updated, versions.etag_for(device)
    for clock in (before, before - datetime.timedelta(seconds=5)):  # the same microsecond; set back
        monkeypatch.setattr(timezone, "now", lambda clock=clock: clock)
        device.vendor = f"vendor {clock}"
        device.save()
        device.refresh_from_db()
        assert device.last_updated > before
        assert versions.etag_for(device) != etag
        before, etag = device.last_updated, versions.etag_for(device)


def test_a_save_of_some_fields_moves_the_version_too():
    device = DeviceFactory()
    device.refresh_from_db()
    etag = versions.etag_for(device)
    device.vendor = "HPE"
    device.save(update_fields=["vendor"])
    device.refresh_from_db()
    assert versions.etag_for(device) != etag
