"""Every model endpoint: list, retrieve, create, PUT, PATCH, delete; the model's rules answered as
400s naming the field; nothing a client sends can make the server fail."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.models import ObjectChange
from infra.inventory import choices
from infra.inventory.models import Device, FiberCore, FiberLink, Migration, MigrationTransition

from ..factories import (
    DeviceFactory,
    FiberLinkFactory,
    IPAddressFactory,
    MigrationFactory,
    OrganizationFactory,
    RackFactory,
    SiteFactory,
)
from .endpoints import ENDPOINTS, WRITABLE, Endpoint, url

pytestmark = pytest.mark.django_db


def changes_of(obj) -> list[ObjectChange]:
    ct = ContentType.objects.get_for_model(obj)
    return list(ObjectChange.objects.filter(content_type=ct, object_id=obj.pk).order_by("id"))


# --- the six operations on every endpoint -----------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_list_and_retrieve(api, endpoint: Endpoint):
    obj = endpoint.make()
    response = api.get(url(endpoint.prefix))
    assert response.status_code == 200
    assert response["API-Version"] == "1.0"
    body = response.json()
    assert body["count"] == endpoint.model.objects.count()
    assert obj.pk in [item["id"] for item in body["results"]]

    response = api.get(url(endpoint.prefix, obj.pk))
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == obj.pk
    assert data["display"] == str(obj)
    assert data["url"].endswith(url(endpoint.prefix, obj.pk))
    assert response["ETag"]


@pytest.mark.parametrize("endpoint", WRITABLE, ids=str)
def test_create(api, endpoint: Endpoint):
    payload = endpoint.payload()
    before = endpoint.model.objects.count()
    response = api.post(url(endpoint.prefix), payload, format="json")
    assert response.status_code == 201, response.json()
    assert endpoint.model.objects.count() == before + 1
    created = endpoint.model.objects.get(pk=response.json()["id"])
    for name, value in payload.items():
        if name in endpoint.write_only:
            assert name not in response.json(), f"{name} is write-only"
            continue
        sent = response.json()[name]
        got = sent["id"] if isinstance(sent, dict) else sent
        if isinstance(value, list):
            assert sorted(item["id"] for item in sent) == sorted(value)
        else:
            assert str(got) == str(value), name
    records = changes_of(created)
    assert [(r.action, r.source, r.user_name) for r in records[:1]] == [
        (ChangeAction.CREATE, ChangeSource.API, api.user.username)
    ]
    assert response["Location"].endswith(url(endpoint.prefix, created.pk))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_put_replaces_and_patch_changes(api, endpoint: Endpoint):
    obj = endpoint.make()
    read = api.get(url(endpoint.prefix, obj.pk))
    # PUT what was read, with the change applied: related objects go back as their ids.
    body = {
        k: (v["id"] if isinstance(v, dict) else [i["id"] for i in v] if isinstance(v, list) else v)
        for k, v in read.json().items()
    }
    body.update(endpoint.change)
    response = api.put(url(endpoint.prefix, obj.pk), body, format="json")
    assert response.status_code == 200, response.json()
    obj.refresh_from_db()
    (field, value), (_same, other) = *endpoint.change.items(), *endpoint.patch.items()
    assert getattr(obj, field) == value
    assert response["ETag"] != read["ETag"]

    response = api.patch(url(endpoint.prefix, obj.pk), endpoint.patch, format="json")
    assert response.status_code == 200, response.json()
    obj.refresh_from_db()
    assert getattr(obj, field) == other
    updates = [r for r in changes_of(obj) if r.action == ChangeAction.UPDATE]
    assert [r.diff()[field] for r in updates][-2:] == [(updates[-2].before[field], value), (value, other)]
    assert {(r.source, r.user_name) for r in updates} == {(ChangeSource.API, api.user.username)}


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.deletable], ids=str)
def test_delete(api, endpoint: Endpoint):
    obj = endpoint.make()
    if isinstance(obj, Migration):
        # A migration with recorded moves is evidence and is kept (tests/inventory/test_migration_evidence.py):
        # one made without the service (in the admin) has none yet, and goes.
        obj = Migration.objects.create(device=DeviceFactory(kind=choices.DeviceKind.SERVER))
    pk = obj.pk
    response = api.delete(url(endpoint.prefix, pk))
    assert response.status_code == 204
    assert not endpoint.model.objects.filter(pk=pk).exists()
    assert api.get(url(endpoint.prefix, pk)).status_code == 404
    deleted = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(endpoint.model), object_id=pk, action=ChangeAction.DELETE
    )
    assert deleted.before["id"] == pk and deleted.after is None


def test_fiber_cores_are_made_with_their_link_not_by_hand(api):
    link = FiberLinkFactory()
    assert api.post(url("fiber-cores"), {"link": link.pk, "number": 13}, format="json").status_code == 405
    core = link.cores.get(number=1)
    assert api.delete(url("fiber-cores", core.pk)).status_code == 405
    # Its place in the cable is fixed: only its use changes.
    response = api.patch(url("fiber-cores", core.pk), {"number": 7, "color": "red", "carries": "CCTV"}, format="json")
    assert response.status_code == 400 and {"number", "color"} <= set(response.json())  # read-only: named
    response = api.patch(url("fiber-cores", core.pk), {"number": 1, "carries": "CCTV"}, format="json")
    assert response.status_code == 200  # its own number sent back is no change
    core.refresh_from_db()
    assert (core.number, core.color, core.carries) == (1, "blue", "CCTV")


def test_read_only_lists_refuse_writes(api):
    migration = MigrationFactory(device=DeviceFactory())
    record = migration.transitions.get()
    assert api.get(url("migration-transitions", record.pk)).json()["to_state"] == "inventoried"
    for method in ("post", "put", "patch", "delete"):
        assert getattr(api, method)(url("migration-transitions"), {}, format="json").status_code == 405
        assert getattr(api, method)(url("changes"), {}, format="json").status_code == 405
    change = ObjectChange.objects.first()
    assert api.delete(url("changes", change.pk)).status_code == 405
    assert ObjectChange.objects.filter(pk=change.pk).exists()


def test_the_index_lists_every_endpoint(api):
    index = api.get("/api/").json()
    found = [f"probes/{name}" for name in ("events", "downtimes", "runs", "status", "results", "availability")]
    found.append("probes/reports/availability")
    found += [f"probes/{name}" for name in ("alert-channels", "alert-rules", "alert-deliveries")]
    found += ["diagrams", "diagram-snapshots", "indicators"]
    assert set(index) == {e.prefix for e in ENDPOINTS} | {"migration-transitions", "changes", "tokens", *found}
    assert index["probes/checks"].endswith("/api/probes/checks/")


# --- the model's rules, through the API --------------------------------------------------------


def test_a_fiber_link_needs_two_different_sites(api):
    site = SiteFactory()
    body = {"code": "FO-X-1", "site_a": site.pk, "site_b": site.pk, "deployment": "duct", "length_km": "1.2"}
    response = api.post(url("fiber-links"), body, format="json")
    assert response.status_code == 400
    assert "site_b" in response.json()
    assert not FiberLink.objects.exists()


def test_a_fiber_link_has_a_standard_core_count(api):
    body = {
        "code": "FO-X-2",
        "site_a": SiteFactory().pk,
        "site_b": SiteFactory().pk,
        "deployment": "duct",
        "length_km": "1.2",
        "core_count": 13,
    }
    response = api.post(url("fiber-links"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["core_count"]


def test_a_fiber_link_keeps_its_used_cores(api):
    link = FiberLinkFactory(core_count=24)
    link.cores.filter(number=20).update(state=choices.CoreState.IN_USE)
    response = api.patch(url("fiber-links", link.pk), {"core_count": 12}, format="json")
    assert response.status_code == 400
    assert "20" in response.json()["core_count"][0]
    assert FiberCore.objects.filter(link=link).count() == 24


def test_a_device_rack_must_be_at_its_site(api):
    device = DeviceFactory()
    elsewhere = RackFactory()
    response = api.patch(url("devices", device.pk), {"rack": elsewhere.pk}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["rack"]
    device.refresh_from_db()
    assert device.rack is None


def test_a_position_needs_a_rack(api):
    response = api.patch(url("devices", DeviceFactory().pk), {"position": 10}, format="json")
    assert response.status_code == 400
    assert "position" in response.json()


def test_unique_names_answer_with_the_model_message(api):
    device = DeviceFactory()
    body = {"name": device.name, "organization": device.organization_id, "site": device.site_id, "kind": "server"}
    response = api.post(url("devices"), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"name": ["This organization already has a device with this name."]}


def test_unique_answers_in_the_language_asked_for(api):
    device = DeviceFactory(asset_number="1.3.2/2020")
    body = {
        "name": "lain",
        "organization": device.organization_id,
        "site": device.site_id,
        "kind": "server",
        "asset_number": "1.3.2/2020",
    }
    response = api.post(url("devices"), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"asset_number": ["Another device already has this BMD asset number."]}


def test_a_second_migration_for_one_server_is_refused(api):
    migration = MigrationFactory(device=DeviceFactory())
    response = api.post(url("migrations"), {"device": migration.device_id}, format="json")
    assert response.status_code == 400
    assert "device" in response.json()
    assert Migration.objects.count() == 1


def test_only_servers_are_migrated(api):
    switch = DeviceFactory(kind=choices.DeviceKind.SWITCH)
    response = api.post(url("migrations"), {"device": switch.pk}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["device"]


def test_an_ipv4_prefix_is_at_most_32(api):
    ip = IPAddressFactory()
    response = api.patch(url("ip-addresses", ip.pk), {"prefix_length": 64}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["prefix_length"]


def test_a_protected_object_is_not_deleted(api):
    device = DeviceFactory()
    response = api.delete(url("organizations", device.organization_id), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["referred_by"] == ["device", "site"]
    assert Device.objects.filter(pk=device.pk).exists()


# --- migrations: created with their first step; the state moves only by transition ------------


def test_creating_a_migration_records_its_first_transition(api):
    server = DeviceFactory()
    response = api.post(url("migrations"), {"device": server.pk, "state": "accepted"}, format="json")
    assert response.status_code == 400 and "state" in response.json()  # read-only: named
    response = api.post(url("migrations"), {"device": server.pk}, format="json")
    assert response.status_code == 201
    migration = Migration.objects.get(pk=response.json()["id"])
    assert migration.state == "inventoried" == response.json()["state"]
    first = MigrationTransition.objects.get(migration=migration)
    assert (first.from_state, first.to_state) == ("", "inventoried")


def test_the_state_is_read_only(api):
    migration = MigrationFactory(device=DeviceFactory())
    response = api.patch(url("migrations", migration.pk), {"state": "accepted", "notes": "catatan"}, format="json")
    assert response.status_code == 400  # the read-only field rule: named, pointing to the transition
    assert "transition/" in response.json()["state"][0]
    migration.refresh_from_db()
    assert (migration.state, migration.notes) == ("inventoried", "")
    assert migration.transitions.count() == 1


def test_an_allowed_transition_is_recorded(api):
    migration = MigrationFactory(device=DeviceFactory())
    response = api.post(
        url("migrations", migration.pk, "transition"), {"to_state": "assessed", "reason": "Dinilai siap"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["from_state"], body["to_state"], body["user"], body["reason"]) == (
        "inventoried",
        "assessed",
        api.user.username,
        "Dinilai siap",
    )
    migration.refresh_from_db()
    assert migration.state == "assessed"
    history = api.get(url("migration-transitions"), {"migration": migration.pk}).json()["results"]
    assert [(t["from_state"], t["to_state"]) for t in history] == [("", "inventoried"), ("inventoried", "assessed")]


def test_a_refused_transition_names_the_allowed_states(api):
    migration = MigrationFactory(device=DeviceFactory())
    response = api.post(
        url("migrations", migration.pk, "transition"),
        {"to_state": "cut_over"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    message = response.json()["to_state"][0]
    assert "Assessed, Retired, Retained at the OPD" in message
    migration.refresh_from_db()
    assert migration.state == "inventoried" and migration.transitions.count() == 1


def test_an_unmet_gate_needs_an_override_reason(api):
    migration = MigrationFactory(device=DeviceFactory())
    for state in ("assessed", "scheduled"):
        assert (
            api.post(url("migrations", migration.pk, "transition"), {"to_state": state}, format="json").status_code
            == 201
        )
    response = api.post(
        url("migrations", migration.pk, "transition"),
        {"to_state": "migrating"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Gates not met" in response.json()["to_state"][0]
    response = api.post(
        url("migrations", migration.pk, "transition"),
        {"to_state": "migrating", "override_reason": "Disetujui Kadis"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["override_reason"] == "Disetujui Kadis"
    migration.refresh_from_db()
    assert migration.state == "migrating" and migration.actual_start is not None


def test_a_transition_to_an_unknown_state_is_a_field_error(api):
    migration = MigrationFactory(device=DeviceFactory())
    assert api.post(url("migrations", 10**25, "transition"), {"to_state": "assessed"}).status_code == 404
    for body in ({"to_state": "flying"}, {}, {"to_state": ["assessed"]}, {"to_state": "assessed", "reason": ["a"]}):
        response = api.post(url("migrations", migration.pk, "transition"), body, format="json")
        assert response.status_code == 400, body
    migration.refresh_from_db()
    assert migration.state == "inventoried"


# --- nothing a client sends makes a 500 ------------------------------------------------------

JUNK_BODIES = [
    "{not json",
    "[1, 2,",
    "null",
    '"a string"',
    "42",
    "[]",
    "[1, 2]",
    "[[1]]",
    '[{"id": [1]}]',
    '{"id": {"id": [1]}}',
    '{"name": ["x"], "organization": {"id": [1]}, "site": [1], "device": true}',
    '{"organization": 99999999999999999999999999, "site": -1, "device": 1e400, "migration": "abc"}',
    '{"purchase_year": 99999999999999999999999, "position": -5, "length_km": "1e999", "core_count": 1e30}',
    '{"latitude": "NaN", "longitude": "Infinity", "year": "2025.5", "servers_moved": true}',
    '{"address": ["not", "an ip"], "prefix_length": 999999999999, "interface": {"id": "x"}}',
    '{"warranty_end": "2025-02-30", "opened_on": "kemarin", "start_date": 20250101}',
    '{"devices": [1, [2], {"id": null}], "kind": ["server"], "status": {"a": 1}}',
    '{"name": "a\\u0000b", "kind": "server"}',
]


def junk_status(method: str, detail: bool, body: object, fields: dict, endpoint: Endpoint) -> int:
    """The one answer to junk: 405 where the list takes no such method, 400 for what cannot be read,
    200 for a detail write whose object names no writable field (``fields``: the detail's PUT fields
    as OPTIONS describes them): unknown keys are ignored, so it is a valid empty change unless a PUT
    leaves out a required field; a read-only key with another value than the stored one is a 400
    (the read-only field rule; ``last_updated`` is the version the write is based on: a 412 if stale)."""
    if not detail:
        if (method == "post" and endpoint.payload is None) or (method == "delete" and not endpoint.deletable):
            return 405
        return 400
    if not isinstance(body, dict) or any(k in fields and k != "last_updated" for k in body):
        return 400
    if "last_updated" in body:
        return 412
    if method == "put" and any(f["required"] and not f["read_only"] for f in fields.values()):
        return 400
    return 200


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_junk_is_answered_with_a_4xx(api, endpoint: Endpoint):
    obj = endpoint.make()
    fields = api.options(url(endpoint.prefix, obj.pk)).json()["actions"]["PUT"]
    counts = (endpoint.model.objects.count(), ObjectChange.objects.count())
    for body in JUNK_BODIES:
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError:
            parsed = None
        for method, path, detail in [
            ("post", url(endpoint.prefix), False),
            ("put", url(endpoint.prefix), False),
            ("patch", url(endpoint.prefix), False),
            ("delete", url(endpoint.prefix), False),
            # A detail PATCH that names only read-only fields ({"id": ...}) is a valid empty change.
            ("put", url(endpoint.prefix, obj.pk), True),
            ("patch", url(endpoint.prefix, obj.pk), True),
        ]:
            response = getattr(api, method)(path, body, content_type="application/json")
            expected = junk_status(method, detail, parsed, fields, endpoint)
            assert response.status_code == expected, (method, path, body, response.content[:300])
            assert isinstance(response.json(), dict), (method, path, body)
    assert (endpoint.model.objects.count(), ObjectChange.objects.count()) == counts


# A number no column holds, in an ``__in`` list, matches nothing on every database (infra.core.lookups),
# as ``exact`` and ``__gte`` do: an empty list. (SQLite used to raise OverflowError there, a 400.)
TOO_BIG_IN_A_LIST = 200


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/devices/99999999999999999999999/", 404),
        ("/api/devices/abc/", 404),
        ("/api/devices/-1/", 404),
        ("/api/devices/99999999999999999999999/history/", 404),
        ("/api/devices/?organization=99999999999999999999999", 400),
        ("/api/devices/?organization=abc", 400),
        ("/api/devices/?purchase_year__gte=99999999999999999999999", 200),
        ("/api/devices/?purchase_year__in=99999999999999999999999", TOO_BIG_IN_A_LIST),
        ("/api/devices/?purchase_year__in=1,x", 400),
        ("/api/devices/?warranty_end__lte=2025-13-45", 400),
        ("/api/devices/?id=1&ordering=nonexistent", 200),  # an unknown ordering is ignored
        ("/api/devices/?limit=abc&offset=-4", 200),  # so are a bad limit and offset: the first page
        ("/api/devices/?format=csv&site=99999999999999999999999", 400),
        ("/api/devices/?format=xlsx&purchase_year__in=99999999999999999999999", TOO_BIG_IN_A_LIST),
        ("/api/fiber-links/?length_km__gte=abc", 400),
        ("/api/changes/?object_id=99999999999999999999999&time_after=junk", 400),
        ("/api/changes/?request_id=not-a-uuid", 400),
        ("/api/changes/?object_type=nonsense", 200),  # no such type: no change of it
        ("/api/migration-transitions/?migration=99999999999999999999999", 400),
        ("/api/tokens/99999999999999999999999/", 404),
    ],
)
def test_bad_urls_are_answered_with_a_4xx_or_an_empty_list(api, path, status):
    DeviceFactory()
    response = api.get(path)
    expected = status[connection.vendor] if isinstance(status, dict) else status
    assert response.status_code == expected, response.content[:300]
    if response.status_code == 200 and "format" not in path:
        assert "results" in response.json()


def test_an_error_is_json_in_the_language_asked_for(api):
    response = api.post(url("devices"), "{", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["detail"].startswith("JSON parse error")
    assert response["API-Version"] == "1.0"


def test_forms_are_not_accepted(api):
    org = OrganizationFactory()
    response = api.post(url("organizations"), {"name": "X", "short_name": "X", "kind": "dinas"}, format="multipart")
    assert response.status_code == 415
    assert org.__class__.objects.count() == 1


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_options_describe_what_may_be_sent(api, auditor_api, endpoint: Endpoint):
    obj = endpoint.make()
    listing = api.options(url(endpoint.prefix), {"brief": 1})
    assert listing.status_code == 200
    assert list(listing.json().get("actions", {})) == (["POST"] if endpoint.payload else [])
    detail = api.options(url(endpoint.prefix, obj.pk))
    assert detail.status_code == 200
    assert list(detail.json()["actions"]) == ["PUT"]
    assert "actions" not in auditor_api.options(url(endpoint.prefix, obj.pk)).json()
