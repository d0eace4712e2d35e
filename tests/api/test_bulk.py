"""Bulk writes on a list URL: all or nothing, each bad item named by its index and field, and every
saved object in the change log under one request id."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.models import ObjectChange
from infra.inventory import choices
from infra.inventory.models import (
    Application,
    Device,
    FiberCore,
    FiberLink,
    Migration,
    MigrationTransition,
    Organization,
    Region,
)

from ..factories import (
    ApplicationFactory,
    DeviceFactory,
    FiberLinkFactory,
    OrganizationFactory,
    RegionFactory,
    SiteFactory,
)
from .endpoints import url

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MODELS = (Organization, Device, FiberLink, FiberCore, Application, Migration, MigrationTransition, Region)


def counts() -> dict[str, int]:
    """How many rows each table holds, the change log included: "nothing saved" means none moved."""
    result = {m.__name__: m.objects.count() for m in MODELS}
    result["ObjectChange"] = ObjectChange.objects.count()
    return result


def errors_by_index(response) -> dict[int, dict]:
    body = response.json()
    assert body["detail"]
    return {item["index"]: item["errors"] for item in body["items"]}


def devices_payload(n: int, **extra) -> list[dict]:
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    return [
        {"name": f"srv-bulk-{i:02d}", "organization": org.pk, "site": site.pk, "kind": "server", **extra}
        for i in range(n)
    ]


# --- create ----------------------------------------------------------------------------------


def test_bulk_create_saves_all_and_logs_each_under_one_request(api):
    items = devices_payload(5)
    response = api.post(url("devices"), items, format="json")
    assert response.status_code == 201
    created = response.json()
    assert [d["name"] for d in created] == [i["name"] for i in items]
    assert Device.objects.count() == 5
    records = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(Device))
    assert sorted(r.object_id for r in records) == sorted(d["id"] for d in created)
    assert {(r.action, r.source, r.user_id, r.user_name) for r in records} == {
        (ChangeAction.CREATE, ChangeSource.API, api.user.pk, api.user.username)
    }
    assert len({r.request_id for r in records}) == 1
    assert str(records[0].request_id) == response["X-Request-ID"]
    # Each record holds the object as created: JSON, read back as the same values.
    by_id = {r.object_id: r for r in records}
    for device in created:
        record = by_id[device["id"]]
        assert record.before is None and record.object_repr == device["name"]
        assert record.after["name"] == device["name"] and record.after["organization_id"] == items[0]["organization"]
        assert record.time is not None


@pytest.mark.parametrize(
    ("prefix", "items", "bad"),
    [
        (
            "organizations",
            [
                {"name": "A", "short_name": "A", "kind": "dinas"},
                {"name": "B", "short_name": "B", "kind": "kantor"},
                {"name": "C", "short_name": "C", "kind": "badan"},
            ],
            {1: "kind"},
        ),
        (
            "regions",
            [{"name": "Kota A", "kind": "city"}, {"name": "", "kind": "city"}, {"name": "Desa", "kind": "village"}],
            {1: "name", 2: "parent"},
        ),
    ],
)
def test_one_bad_item_saves_nothing(api, prefix, items, bad):
    before = counts()
    response = api.post(url(prefix), items, format="json", **EN)
    assert response.status_code == 400
    errors = errors_by_index(response)
    assert {n: list(e) for n, e in errors.items()} == {n: [f] for n, f in bad.items()}
    assert counts() == before
    assert response.json()["detail"] == f"Nothing was saved: {len(bad)} item(s) are not valid."


def test_bulk_create_of_devices_names_every_bad_item(api):
    items = devices_payload(4)
    items[1]["kind"] = "toaster"
    items[2]["site"] = 10**9
    items[3]["purchase_year"] = 1800
    before = counts()
    response = api.post(url("devices"), items, format="json", **EN)
    assert response.status_code == 400
    errors = errors_by_index(response)
    assert {n: sorted(e) for n, e in errors.items()} == {1: ["kind"], 2: ["site"], 3: ["purchase_year"]}
    assert counts() == before


def test_duplicates_within_one_request_are_named(api):
    items = devices_payload(3)
    items[2]["name"] = items[0]["name"]
    before = counts()
    response = api.post(url("devices"), items, format="json", **EN)
    assert response.status_code == 400
    assert errors_by_index(response) == {
        2: {"name": ["Duplicates item 0: This organization already has a device with this name."]}
    }
    assert counts() == before


def test_duplicates_are_named_even_beside_other_errors(api):
    items = [{"name": "X", "short_name": "SAMA", "kind": "dinas"}, {"name": "Y", "short_name": "SAMA", "kind": "?"}]
    response = api.post(url("organizations"), items, format="json", **EN)
    assert response.status_code == 400
    assert list(errors_by_index(response)) == [1]
    assert "kind" in errors_by_index(response)[1]


def test_a_conditional_unique_counts_only_where_it_applies(api):
    items = devices_payload(3)
    items[0]["asset_number"] = items[1]["asset_number"] = ""  # blank asset numbers may repeat
    items[2]["asset_number"] = "1.3.2/2021"
    assert api.post(url("devices"), items, format="json").status_code == 201
    more = devices_payload(2, asset_number="1.3.2/2022")
    response = api.post(url("devices"), more, format="json", **EN)
    assert response.status_code == 400
    assert errors_by_index(response) == {
        1: {"asset_number": ["Duplicates item 0: Another device already has this BMD asset number."]}
    }


def test_bulk_create_collides_with_what_is_stored(api):
    device = DeviceFactory()
    items = [{"name": device.name, "organization": device.organization_id, "site": device.site_id, "kind": "server"}]
    response = api.post(url("devices"), items, format="json", **EN)
    assert response.status_code == 400
    assert errors_by_index(response) == {0: {"name": ["This organization already has a device with this name."]}}


def test_stored_collisions_are_named_beside_field_errors(api):
    device = DeviceFactory(asset_number="1.3.2/2020")
    items = devices_payload(4)
    items[0].update(name=device.name, organization=device.organization_id, site=device.site_id)
    items[1]["kind"] = "toaster"
    items[2]["asset_number"] = device.asset_number
    items[3].update(position=3)  # a rack position without a rack
    before = counts()
    response = api.post(url("devices"), items, format="json", **EN)
    assert response.status_code == 400
    assert errors_by_index(response) == {
        0: {"name": ["This organization already has a device with this name."]},
        1: {"kind": ['"toaster" is not a valid choice.']},
        2: {"asset_number": ["Another device already has this BMD asset number."]},
        3: {"position": ["A rack position needs a rack."]},
    }
    assert counts() == before


def test_bulk_create_queries_do_not_grow_with_the_items(api, query_counts):
    """The model's rules run once per batch: 40 devices cost what 10 do (both fit one INSERT)."""

    def queries_for(items) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.post(url("devices"), items, format="json").status_code == 201
        return len(queries)

    queries_for(devices_payload(2))  # warm-up: content types are read once, then cached
    few, many = queries_for(devices_payload(10)), queries_for(devices_payload(40))
    assert few == many
    query_counts.check("api/bulk-create/devices", many)


def test_bulk_create_of_fiber_links_gives_each_its_cores(api):
    sites = [SiteFactory() for _ in range(3)]
    items = [
        {
            "code": "FO-B-1",
            "site_a": sites[0].pk,
            "site_b": sites[1].pk,
            "deployment": "duct",
            "length_km": "1.5",
            "core_count": 12,
        },
        {
            "code": "FO-B-2",
            "site_a": sites[1].pk,
            "site_b": sites[2].pk,
            "deployment": "aerial_adss",
            "length_km": "3.25",
            "core_count": 24,
        },
    ]
    response = api.post(url("fiber-links"), items, format="json")
    assert response.status_code == 201
    assert [link.cores.count() for link in FiberLink.objects.order_by("code")] == [12, 24]
    assert [d["loss_budget_db"] for d in response.json()] == ["1.52", "2.14"]
    cores = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(FiberCore))
    links = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(FiberLink))
    assert cores.count() == 36 and links.count() == 2
    assert {r.request_id for r in [*cores, *links]} == {links[0].request_id}


def test_bulk_create_of_fiber_links_with_one_loop_saves_no_link_and_no_core(api):
    a, b = SiteFactory(), SiteFactory()
    items = [
        {"code": "FO-C-1", "site_a": a.pk, "site_b": b.pk, "deployment": "duct", "length_km": "1"},
        {"code": "FO-C-2", "site_a": b.pk, "site_b": b.pk, "deployment": "duct", "length_km": "1"},
    ]
    before = counts()
    response = api.post(url("fiber-links"), items, format="json")
    assert response.status_code == 400
    assert list(errors_by_index(response)) == [1] and "site_b" in errors_by_index(response)[1]
    assert counts() == before


def test_bulk_create_of_applications_keeps_their_devices(api):
    org = OrganizationFactory()
    d1, d2 = DeviceFactory(organization=org), DeviceFactory(organization=org)
    items = [
        {"name": "SIPD", "organization": org.pk, "devices": [d1.pk, d2.pk]},
        {"name": "SIMPEG", "organization": org.pk, "devices": [{"id": d2.pk}]},
    ]
    response = api.post(url("applications"), items, format="json")
    assert response.status_code == 201
    sipd, simpeg = Application.objects.order_by("name").reverse()
    assert set(sipd.devices.all()) == {d1, d2} and set(simpeg.devices.all()) == {d2}


def test_bulk_create_of_migrations_records_each_first_transition(api):
    servers = [DeviceFactory() for _ in range(3)]
    response = api.post(url("migrations"), [{"device": s.pk} for s in servers], format="json")
    assert response.status_code == 201
    assert Migration.objects.count() == 3
    assert list(MigrationTransition.objects.values_list("to_state", flat=True)) == ["inventoried"] * 3


def test_two_items_for_one_unique_field_are_named_not_a_server_error(api):
    """A server has one migration (a unique field, not a constraint): two in one request is a 400."""
    servers = [DeviceFactory() for _ in range(2)]
    before = counts()
    items = [{"device": servers[0].pk}, {"device": servers[1].pk}, {"device": servers[0].pk}]
    response = api.post(url("migrations"), items, format="json", **EN)
    assert response.status_code == 400
    message = "Duplicates item 0: Migration with this Server already exists."
    assert errors_by_index(response) == {2: {"device": [message]}}
    assert counts() == before


def test_bulk_create_by_an_operator_for_another_organization_saves_nothing(operator_api, operator, other_organization):
    own_site = SiteFactory(organization=operator.organization)
    items = [
        {"name": "a", "organization": operator.organization_id, "site": own_site.pk, "kind": "server"},
        {"name": "b", "organization": other_organization.pk, "site": own_site.pk, "kind": "server"},
    ]
    before = counts()
    assert operator_api.post(url("devices"), items, format="json").status_code == 403
    assert counts() == before
    assert operator_api.post(url("devices"), items[:1], format="json").status_code == 201


@pytest.mark.parametrize("body", [[], "[]", '{"a": 1}', "[1, 2]", '[{"name": ["x"]}, {"name": ["x"]}]'])
def test_malformed_bulk_bodies_are_400(api, body):
    before = counts()
    kwargs = {"content_type": "application/json"} if isinstance(body, str) else {"format": "json"}
    response = api.post(url("organizations"), body, **kwargs)
    assert response.status_code == 400
    assert isinstance(response.json(), dict)
    assert counts() == before


def test_a_bulk_request_has_a_size_limit(api, settings):
    too_many = [{"name": f"O{i}", "short_name": f"O{i}", "kind": "dinas"} for i in range(10001)]
    response = api.post(url("organizations"), too_many, format="json", **EN)
    assert response.status_code == 400
    assert response.json() == {"detail": "At most 10000 objects per request."}
    assert not Organization.objects.exists()


# --- update ----------------------------------------------------------------------------------


def test_bulk_patch_changes_all_and_logs_each(api):
    devices = [DeviceFactory(status="active") for _ in range(3)]
    body = [{"id": d.pk, "status": "offline"} for d in devices]
    response = api.patch(url("devices"), body, format="json")
    assert response.status_code == 200
    assert [d["status"] for d in response.json()] == ["offline"] * 3
    assert set(Device.objects.values_list("status", flat=True)) == {"offline"}
    # Devices' records only: the users the test made are in the change log too.
    updates = ObjectChange.objects.filter(action=ChangeAction.UPDATE, content_type__model="device")
    assert sorted(r.object_id for r in updates) == sorted(d.pk for d in devices)
    assert {(r.source, r.user_name) for r in updates} == {(ChangeSource.API, api.user.username)}
    assert len({r.request_id for r in updates}) == 1
    assert all(r.diff() == {"status": ("active", "offline")} for r in updates)


def test_bulk_put_needs_whole_objects(api):
    org = OrganizationFactory()
    response = api.put(url("organizations"), [{"id": org.pk, "description": "x"}], format="json", **EN)
    assert response.status_code == 400
    assert sorted(errors_by_index(response)[0]) == ["kind", "name", "short_name"]
    body = [{"id": org.pk, "name": "Dinas Baru", "short_name": "DB", "kind": "badan"}]
    assert api.put(url("organizations"), body, format="json").status_code == 200
    org.refresh_from_db()
    assert (org.name, org.short_name, org.kind) == ("Dinas Baru", "DB", "badan")


def test_one_bad_item_in_a_bulk_update_changes_nothing(api):
    devices = [DeviceFactory() for _ in range(3)]
    body = [
        {"id": devices[0].pk, "vendor": "HPE"},
        {"id": devices[1].pk, "kind": "toaster"},
        {"id": 10**12, "vendor": "Dell"},
        {"vendor": "Lenovo"},
        {"id": devices[2].pk, "position": 3},
    ]
    before = counts()
    response = api.patch(url("devices"), body, format="json", **EN)
    assert response.status_code == 400
    assert {n: list(e) for n, e in errors_by_index(response).items()} == {
        1: ["kind"],
        2: ["id"],
        3: ["id"],
        4: ["position"],
    }
    assert counts() == before
    assert not Device.objects.filter(vendor="HPE").exists()


def test_a_bulk_update_that_makes_two_items_collide_is_named(api):
    org = OrganizationFactory()
    a, b = DeviceFactory(organization=org), DeviceFactory(organization=org)
    body = [{"id": a.pk, "name": "srv-sama"}, {"id": b.pk, "name": "srv-sama"}]
    before = counts()
    response = api.patch(url("devices"), body, format="json", **EN)
    assert response.status_code == 400
    assert errors_by_index(response) == {
        1: {"name": ["Duplicates item 0: This organization already has a device with this name."]}
    }
    assert counts() == before


def test_an_object_named_twice_in_one_update_is_refused(api):
    device = DeviceFactory()
    body = [{"id": device.pk, "vendor": "A"}, {"id": device.pk, "vendor": "B"}]
    response = api.patch(url("devices"), body, format="json", **EN)
    assert response.status_code == 400
    assert errors_by_index(response) == {1: {"id": ["Item 0 already names this object."]}}


def test_an_operator_cannot_bulk_move_a_device_to_another_organization(operator_api, operator, other_organization):
    device = DeviceFactory(organization=operator.organization)
    body = [{"id": device.pk, "organization": other_organization.pk}]
    assert operator_api.patch(url("devices"), body, format="json").status_code == 403
    device.refresh_from_db()
    assert device.organization_id == operator.organization_id


# --- delete ----------------------------------------------------------------------------------


def test_bulk_delete_by_ids_or_objects(api):
    regions = [RegionFactory() for _ in range(4)]
    response = api.delete(url("regions"), [regions[0].pk, {"id": regions[1].pk}], format="json")
    assert response.status_code == 204
    assert set(Region.objects.all()) == set(regions[2:])
    deletes = ObjectChange.objects.filter(action=ChangeAction.DELETE)
    assert sorted(r.object_id for r in deletes) == sorted(r.pk for r in regions[:2])
    assert len({r.request_id for r in deletes}) == 1


def test_one_unknown_id_deletes_nothing(api):
    regions = [RegionFactory() for _ in range(2)]
    before = counts()
    response = api.delete(url("regions"), [regions[0].pk, 10**9, "x", regions[0].pk, True], format="json", **EN)
    assert response.status_code == 400
    assert {n: list(e) for n, e in errors_by_index(response).items()} == {1: ["id"], 2: ["id"], 3: ["id"], 4: ["id"]}
    assert counts() == before


def test_a_referenced_object_in_a_bulk_delete_deletes_nothing(api):
    free = OrganizationFactory()
    used = DeviceFactory().organization
    before = counts()
    response = api.delete(url("organizations"), [free.pk, used.pk], format="json", **EN)
    assert response.status_code == 409
    assert errors_by_index(response) == {1: {"id": ["Other records refer to this object: device, site."]}}
    assert counts() == before


def test_bulk_delete_of_fiber_links_takes_their_cores(api):
    links = [FiberLinkFactory(), FiberLinkFactory()]
    assert api.delete(url("fiber-links"), [link.pk for link in links], format="json").status_code == 204
    assert not FiberCore.objects.exists()
    core_deletes = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(FiberCore), action=ChangeAction.DELETE
    )
    assert core_deletes.count() == 24


def test_an_operator_bulk_deletes_only_their_own(operator_api, operator):
    own = ApplicationFactory(organization=operator.organization)
    other = ApplicationFactory()
    before = counts()
    assert operator_api.delete(url("applications"), [own.pk, other.pk], format="json").status_code == 403
    assert counts() == before
    assert operator_api.delete(url("applications"), [own.pk], format="json").status_code == 204


def test_cores_are_updated_in_bulk_not_deleted(api):
    link = FiberLinkFactory()
    cores = list(link.cores.order_by("number")[:2])
    body = [{"id": c.pk, "state": choices.CoreState.IN_USE, "carries": f"VLAN {c.number}"} for c in cores]
    assert api.patch(url("fiber-cores"), body, format="json").status_code == 200
    assert list(link.cores.filter(state="in_use").values_list("carries", flat=True)) == ["VLAN 1", "VLAN 2"]
    assert api.delete(url("fiber-cores"), [cores[0].pk], format="json").status_code == 405


def test_a_body_over_the_upload_limit_is_a_json_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    items = [{"name": f"Dinas {i}", "short_name": f"D{i}", "kind": "dinas"} for i in range(500)]
    response = api.post(url("organizations"), items, format="json")
    assert response.status_code == 413
    assert "detail" in response.json()
    assert not Organization.objects.exists()
