"""What auditors rely on: ETag/If-Match against lost updates, the inventory as it was (as_of), the
change log and each object's history, and exports of exactly the filtered rows."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.http import StreamingHttpResponse
from django.utils import timezone

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.context import change_context
from infra.core.models import ObjectChange
from infra.inventory.api.serializers import DeviceSerializer, MigrationTransitionSerializer
from infra.inventory.models import Device, Site

from ..factories import (
    ApplicationFactory,
    DeviceFactory,
    InterfaceFactory,
    MigrationFactory,
    OrganizationFactory,
    RegionFactory,
    SiteFactory,
)
from .conftest import token_client
from .endpoints import url

pytestmark = pytest.mark.django_db

TICK = datetime.timedelta(microseconds=1)


def record_for(obj_or_model, pk: int, action: str) -> ObjectChange:
    ct = ContentType.objects.get_for_model(obj_or_model)
    return ObjectChange.objects.filter(content_type=ct, object_id=pk, action=action).latest("id")


# --- ETag and If-Match ------------------------------------------------------------------------


def test_an_object_has_an_etag_that_changes_with_it(api):
    device = DeviceFactory()
    first = api.get(url("devices", device.pk))["ETag"]
    assert first.startswith('"') and first.endswith('"')
    assert api.get(url("devices", device.pk))["ETag"] == first
    response = api.patch(url("devices", device.pk), {"vendor": "Dell"}, format="json", HTTP_IF_MATCH=first)
    assert response.status_code == 200
    assert response["ETag"] != first
    assert response["ETag"] == api.get(url("devices", device.pk))["ETag"]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_is_refused_and_changes_nothing(api, engineer_two, method):
    device = DeviceFactory(vendor="Dell")
    read = api.get(url("devices", device.pk))
    etag = read["ETag"]
    token_client(engineer_two).patch(url("devices", device.pk), {"vendor": "HPE"}, format="json")  # someone else
    changes = ObjectChange.objects.count()
    body = {**{k: (v["id"] if isinstance(v, dict) else v) for k, v in read.json().items()}, "vendor": "Lenovo"}
    response = getattr(api, method)(
        url("devices", device.pk), body, format="json", HTTP_IF_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 412
    assert "If-Match" in response.json()["detail"]
    device.refresh_from_db()
    assert device.vendor == "HPE"
    assert ObjectChange.objects.count() == changes
    # Read again, then the write goes through (the body read again too: its last_updated is the
    # version it is based on, and the old one is as stale as the old ETag).
    fresh = api.get(url("devices", device.pk))
    body = {**{k: (v["id"] if isinstance(v, dict) else v) for k, v in fresh.json().items()}, "vendor": "Lenovo"}
    response = getattr(api, method)(url("devices", device.pk), body, format="json", HTTP_IF_MATCH=fresh["ETag"])
    assert response.status_code == {"put": 200, "patch": 200, "delete": 204}[method]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "The object changed since you read it"), ("id", "Objek sudah berubah sejak Anda membacanya")],
)
def test_the_stale_if_match_message_speaks_the_request_language(api, language, expected):
    """The message was translated once at import time, so every answer had the server's language."""
    device = DeviceFactory()
    response = api.patch(
        url("devices", device.pk),
        {"vendor": "X"},
        format="json",
        HTTP_IF_MATCH='"stale"',
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 412
    assert response.json()["detail"].startswith(expected)


def test_if_match_star_and_no_if_match_always_pass(api):
    device = DeviceFactory()
    assert api.patch(url("devices", device.pk), {"vendor": "A"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert api.patch(url("devices", device.pk), {"vendor": "B"}, format="json").status_code == 200


def test_a_transition_checks_if_match(api):
    migration = MigrationFactory(device=DeviceFactory())
    etag = api.get(url("migrations", migration.pk))["ETag"]
    api.patch(url("migrations", migration.pk), {"notes": "diubah"}, format="json")
    response = api.post(
        url("migrations", migration.pk, "transition"), {"to_state": "assessed"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412
    migration.refresh_from_db()
    assert migration.state == "inventoried"


# --- as_of: the list as it was ---------------------------------------------------------------


def as_of(api, prefix: str, moment: datetime.datetime, **params) -> dict[int, dict]:
    response = api.get(url(prefix), {"as_of": moment.isoformat(), **params})
    assert response.status_code == 200, response.json()
    return {row["id"]: row for row in response.json()["results"]}


def test_as_of_follows_a_device_through_create_update_and_delete(api):
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    body = {"name": "srv-lama", "organization": org.pk, "site": site.pk, "kind": "server", "vendor": "IBM"}
    pk = api.post(url("devices"), body, format="json").json()["id"]
    created = record_for(Device, pk, ChangeAction.CREATE).time
    api.patch(url("devices", pk), {"name": "srv-baru", "vendor": "Dell"}, format="json")
    updated = record_for(Device, pk, ChangeAction.UPDATE).time
    api.delete(url("devices", pk))
    deleted = record_for(Device, pk, ChangeAction.DELETE).time
    assert created < updated < deleted

    assert pk not in as_of(api, "devices", created - TICK)
    then = as_of(api, "devices", created)[pk]
    assert (then["name"], then["vendor"], then["organization_id"], then["site_id"]) == (
        "srv-lama",
        "IBM",
        org.pk,
        site.pk,
    )
    assert then["display"] == "srv-lama"
    assert as_of(api, "devices", updated - TICK)[pk]["name"] == "srv-lama"
    assert as_of(api, "devices", updated)[pk]["name"] == "srv-baru"
    assert as_of(api, "devices", deleted - TICK)[pk]["vendor"] == "Dell"  # still there just before
    assert pk not in as_of(api, "devices", deleted)
    assert pk not in as_of(api, "devices", timezone.now())
    assert not Device.objects.filter(pk=pk).exists()


def test_as_of_with_a_filter_sees_the_old_organization(api):
    dukcapil, dinkes = OrganizationFactory(), OrganizationFactory()
    moved = DeviceFactory(organization=dukcapil)
    stayed = DeviceFactory(organization=dukcapil)
    elsewhere = DeviceFactory(organization=dinkes)
    before_move = record_for(Device, elsewhere.pk, ChangeAction.CREATE).time
    api.patch(url("devices", moved.pk), {"organization": dinkes.pk}, format="json")
    after_move = record_for(Device, moved.pk, ChangeAction.UPDATE).time

    assert set(as_of(api, "devices", before_move, organization=dukcapil.pk)) == {moved.pk, stayed.pk}
    assert set(as_of(api, "devices", after_move, organization=dukcapil.pk)) == {stayed.pk}
    assert set(as_of(api, "devices", after_move, organization=dinkes.pk)) == {moved.pk, elsewhere.pk}
    # Repeated values match any of them; combined filters all of them.
    response = api.get(
        url("devices") + f"?as_of={after_move.isoformat().replace('+', '%2B')}"
        f"&organization={dukcapil.pk}&organization={dinkes.pk}&kind=server"
    )
    assert response.json()["count"] == 3


def test_as_of_names_related_objects_as_they_were(api):
    site = SiteFactory(name="Kantor Lama")
    device = DeviceFactory(site=site, organization=site.organization)
    moment = record_for(Device, device.pk, ChangeAction.CREATE).time
    api.patch(url("sites", site.pk), {"name": "Kantor Baru"}, format="json")
    row = as_of(api, "devices", moment)[device.pk]
    assert row["site"] == {"id": site.pk, "url": f"http://testserver/api/sites/{site.pk}/", "display": "Kantor Lama"}
    assert row["rack"] is None
    now = as_of(api, "devices", record_for(Site, site.pk, ChangeAction.UPDATE).time)[device.pk]
    assert now["site"]["display"] == "Kantor Baru"


def test_as_of_accepts_an_unencoded_plus_and_z(api):
    device = DeviceFactory()
    moment = record_for(Device, device.pk, ChangeAction.CREATE).time
    local = moment.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    raw = local.isoformat()
    assert api.get(url("devices") + f"?as_of={raw}").json()["count"] == 1  # "+" arrives as a space
    utc = moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert api.get(url("devices"), {"as_of": utc}).json()["count"] == 1


@pytest.mark.parametrize("value", ["kemarin", "2025-12-31", "2025-12-31T23:59:59", "2025-13-45T00:00:00+07:00"])
def test_a_bad_as_of_is_a_400(api, value):
    response = api.get(url("devices"), {"as_of": value}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"as_of": ["Give a date and time with its offset, e.g. 2025-12-31T23:59:59+07:00."]}


def test_a_filter_that_history_cannot_answer_is_a_400(api):
    DeviceFactory()
    region = RegionFactory()
    moment = ObjectChange.objects.latest("id").time.isoformat()
    response = api.get(url("devices"), {"as_of": moment, "region": region.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"region": ["This filter is not available with as_of."]}


def test_as_of_pages_like_any_list(api):
    devices = [DeviceFactory() for _ in range(5)]
    moment = record_for(Device, devices[-1].pk, ChangeAction.CREATE).time
    page = api.get(url("devices"), {"as_of": moment.isoformat(), "limit": 2, "offset": 2}).json()
    assert page["count"] == 5
    assert [row["id"] for row in page["results"]] == [d.pk for d in devices[2:4]]


def test_as_of_exports_too(api):
    device = DeviceFactory(name="srv-arsip")
    moment = record_for(Device, device.pk, ChangeAction.CREATE).time
    response = api.get(url("devices"), {"as_of": moment.isoformat(), "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["id", "display", "as_of_change", "name"]
    assert "site" in header and "site_id" in header
    assert rows[1][header.index("name")] == "srv-arsip"
    assert rows[1][header.index("site")] == device.site.name


def test_as_of_matches_many_to_many_values(api):
    org = OrganizationFactory()
    device = DeviceFactory(organization=org)
    app = ApplicationFactory(organization=org)
    app.devices.add(device)
    ApplicationFactory(organization=org)
    moment = ObjectChange.objects.latest("id").time
    rows = api.get(url("applications"), {"as_of": moment.isoformat(), "devices": device.pk}).json()["results"]
    assert [r["id"] for r in rows] == [app.pk]


# --- the change log ------------------------------------------------------------------------------


@pytest.fixture
def history(api, engineer_two):
    """Changes by two users, through the API and a command, at distinct moments."""
    other = token_client(engineer_two)
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    body = {"organization": org.pk, "site": site.pk, "kind": "server"}
    bulk = api.post(url("devices"), [{**body, "name": "srv-a"}, {**body, "name": "srv-b"}], format="json")
    a, b = (d["id"] for d in bulk.json())
    other.patch(url("devices", a), {"vendor": "Dell"}, format="json")
    other.delete(url("devices", b))
    with change_context(source=ChangeSource.COMMAND):
        DeviceFactory(name="srv-perintah", organization=org, site=site)
    return {"a": a, "b": b, "bulk_request": bulk["X-Request-ID"], "org": org, "other": other}


def change_list(api, **params) -> list[dict]:
    response = api.get(url("changes"), params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_the_change_log_of_one_device(api, history):
    rows = change_list(api, object_type="inventory.device", object_id=history["a"])
    assert [(r["action"], r["user"]) for r in rows] == [("update", "insinyur-dua"), ("create", "insinyur-uji")]
    assert rows[0]["before"]["vendor"] == "" and rows[0]["after"]["vendor"] == "Dell"
    assert rows[0]["object_type"] == "inventory.device" and rows[0]["object_repr"] == "srv-a"


def test_change_log_filters(api, history):
    devices = {"object_type": "inventory.device"}
    assert {r["object_repr"] for r in change_list(api, user="insinyur-dua")} == {"srv-a", "srv-b"}
    deletes = change_list(api, action="delete", **devices)
    assert [(r["object_id"], r["before"]["name"], r["after"]) for r in deletes] == [(history["b"], "srv-b", None)]
    response = api.get(url("changes") + "?object_type=inventory.device&action=create&action=delete")
    assert sorted(r["action"] for r in response.json()["results"]) == ["create", "create", "create", "delete"]
    assert [r["object_repr"] for r in change_list(api, source="command", **devices)] == ["srv-perintah"]
    bulk = change_list(api, request_id=history["bulk_request"])
    assert sorted(r["object_repr"] for r in bulk) == ["srv-a", "srv-b"]
    assert {r["source"] for r in bulk} == {"api"}
    assert [r["object_repr"] for r in change_list(api, q="PERINTAH")] == ["srv-perintah"]
    assert change_list(api, object_type="inventory.nothing") == []


def test_change_log_time_range(api, history):
    update = ObjectChange.objects.get(action="update", object_id=history["a"], content_type__model="device")
    window = change_list(api, time_after=update.time.isoformat(), time_before=update.time.isoformat())
    assert [r["id"] for r in window] == [update.pk]
    later = change_list(api, time_after=(update.time + TICK).isoformat(), **{"object_type": "inventory.device"})
    assert sorted(r["action"] for r in later) == ["create", "delete"]


def test_change_log_ordering(api, history):
    newest_first = [r["id"] for r in change_list(api)]
    assert newest_first == sorted(newest_first, reverse=True)
    oldest_first = [r["id"] for r in change_list(api, ordering="time")]
    assert oldest_first == sorted(oldest_first)


def test_an_objects_history_includes_its_childrens(api):
    device = DeviceFactory()
    interface = InterfaceFactory(device=device, name="eth0")
    api.patch(url("interfaces", interface.pk), {"speed_mbps": 1000}, format="json")
    api.patch(url("devices", device.pk), {"os": "Debian 12"}, format="json")
    other = DeviceFactory()
    response = api.get(url("devices", device.pk, "history"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["object_type"], r["action"]) for r in rows] == [
        ("inventory.device", "update"),
        ("inventory.interface", "update"),
        ("inventory.interface", "create"),
        ("inventory.device", "create"),
    ]
    assert rows[1]["related_object_type"] == "inventory.device" and rows[1]["related_object_id"] == device.pk
    assert other.pk not in {r["object_id"] for r in rows if r["object_type"] == "inventory.device"}
    paged = api.get(url("devices", device.pk, "history"), {"limit": 1}).json()
    assert paged["count"] == 4 and len(paged["results"]) == 1


def test_a_migrations_transition_history(api):
    migration = MigrationFactory(device=DeviceFactory())
    for state in ("assessed", "scheduled", "assessed"):
        api.post(url("migrations", migration.pk, "transition"), {"to_state": state, "reason": "uji"}, format="json")
    rows = api.get(url("migration-transitions"), {"migration": migration.pk}).json()["results"]
    assert [(r["from_state"], r["to_state"], r["is_rollback"]) for r in rows] == [
        ("", "inventoried", False),
        ("inventoried", "assessed", False),
        ("assessed", "scheduled", False),
        ("scheduled", "assessed", True),
    ]
    assert {r["user"] for r in rows[1:]} == {api.user.username}


# --- exports ----------------------------------------------------------------------------------------


def export(api, prefix: str, **params):
    response = api.get(url(prefix), params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content)


@pytest.fixture
def two_opds(db):
    dukcapil, dinkes = OrganizationFactory(short_name="Disdukcapil"), OrganizationFactory(short_name="Dinkes")
    for n in range(3):
        DeviceFactory(name=f"srv-dukcapil-{n}", organization=dukcapil, vendor="Dell")
    for n in range(2):
        DeviceFactory(name=f"srv-dinkes-{n}", organization=dinkes, vendor="HPE")
    return dukcapil, dinkes


def test_csv_export_of_a_filtered_list(api, two_opds):
    dukcapil, _ = two_opds
    response, content = export(api, "devices", format="csv", organization=dukcapil.pk, limit=1)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    expected_columns = [f for f in DeviceSerializer().fields if f != "url"]
    assert rows[0] == expected_columns
    assert sorted(r[rows[0].index("name")] for r in rows[1:]) == ["srv-dukcapil-0", "srv-dukcapil-1", "srv-dukcapil-2"]
    assert {r[rows[0].index("organization")] for r in rows[1:]} == {"Disdukcapil"}  # related objects by name


def test_xlsx_export_of_a_filtered_list(api, two_opds):
    response, content = export(api, "devices", format="xlsx", vendor="HPE")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [f for f in DeviceSerializer().fields if f != "url"]
    assert sorted(r[rows[0].index("name")] for r in rows[1:]) == ["srv-dinkes-0", "srv-dinkes-1"]
    assert {r[rows[0].index("organization")] for r in rows[1:]} == {"Dinkes"}


def test_the_change_log_and_transitions_export(api, two_opds):
    _response, content = export(api, "changes", format="csv", object_type="inventory.device", action="create")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "time", "user"]
    assert len(rows) == 1 + 5
    after = rows[1][rows[0].index("after")]
    assert after.startswith("{") and '"name": "srv-' in after  # the values as JSON, not a lost cell

    migration = MigrationFactory(device=Device.objects.first())
    _response, content = export(api, "migration-transitions", format="xlsx", migration=migration.pk)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [f for f in MigrationTransitionSerializer().fields if f != "url"]
    assert len(rows) == 2


def test_an_empty_export_still_has_its_header(api):
    _response, content = export(api, "devices", format="csv", vendor="Tidak Ada")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [[f for f in DeviceSerializer().fields if f != "url"]]


def test_a_brief_export_has_two_columns(api, two_opds):
    _response, content = export(api, "devices", format="csv", brief=1, vendor="HPE")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["id", "display"] and len(rows) == 3


def test_the_transitions_of_one_opd(api, two_opds):
    dukcapil, _dinkes = two_opds
    for device in Device.objects.all():
        migration = MigrationFactory(device=device)
        api.post(url("migrations", migration.pk, "transition"), {"to_state": "assessed"}, format="json")
    rows = api.get(url("migration-transitions"), {"organization": dukcapil.pk, "to_state": "assessed"}).json()
    assert rows["count"] == 3
    assert {r["migration"]["display"] for r in rows["results"]} == {f"srv-dukcapil-{n}" for n in range(3)}
    one = Device.objects.get(name="srv-dinkes-0")
    rows = api.get(url("migration-transitions"), {"device": one.pk}).json()["results"]
    assert [r["to_state"] for r in rows] == ["inventoried", "assessed"]
