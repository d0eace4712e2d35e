"""The read-only field rule, on every writable endpoint: a write that sends a read-only field with
another value than the stored one is a 400 naming it (nothing saved); the same value, as a GET's
output sent back, is accepted and ignored. A write that changes nothing saves nothing: last_updated
stays and no change record is written (API and web edit forms)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from infra.core.api.serializers import READ_ONLY_PRECONDITIONS
from infra.core.models import ObjectChange
from infra.inventory.models import Migration

from ..factories import DeviceFactory, MigrationFactory
from .endpoints import ENDPOINTS, WRITABLE, Endpoint, url

pytestmark = pytest.mark.django_db

# The endpoints that take PATCH (fiber cores are created with their link, never posted).
PATCHABLE = ENDPOINTS


def _records(obj) -> int:
    ct = ContentType.objects.get_for_model(obj)
    return ObjectChange.objects.filter(content_type=ct, object_id=obj.pk).count()


def _read_only_fields(api, endpoint: Endpoint, pk: int) -> dict:
    """The fields GET shows that the endpoint's serializer marks read-only (from OPTIONS on the object)."""
    response = api.options(url(endpoint.prefix, pk))
    assert response.status_code == 200
    fields = response.json()["actions"]["PUT"]
    return {name: info for name, info in fields.items() if info.get("read_only")}


def _other(value: object) -> object:
    """A value certainly different from ``value``, of a plausible kind."""
    if isinstance(value, dict) and "id" in value:
        return {"id": value["id"] + 1000}
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 7
    if isinstance(value, list):
        return [*value, 999999]
    if value is None:
        return "nilai-lain"
    return f"{value}-lain" if "T" not in str(value) else "2001-02-03T04:05:06+07:00"


@pytest.mark.parametrize("endpoint", PATCHABLE, ids=str)
def test_a_read_only_field_sent_with_another_value_is_a_400_naming_it(api, endpoint: Endpoint):
    obj = endpoint.make()
    shown = api.get(url(endpoint.prefix, obj.pk)).json()
    read_only = [name for name in _read_only_fields(api, endpoint, obj.pk) if name not in READ_ONLY_PRECONDITIONS]
    assert "id" in read_only and "display" in read_only
    for name in read_only:
        before = endpoint.model.objects.get(pk=obj.pk).last_updated
        records = _records(obj)
        body = {**endpoint.patch, name: _other(shown.get(name))}
        response = api.patch(url(endpoint.prefix, obj.pk), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, (name, response.content[:300])
        assert name in response.json(), (name, response.json())
        # Nothing saved: not even the valid change sent with it.
        assert endpoint.model.objects.get(pk=obj.pk).last_updated == before
        assert _records(obj) == records
        # The same in a bulk PATCH on the list: the item and the field named (there, "id" names the item).
        if name == "id":
            continue
        response = api.patch(url(endpoint.prefix), [{"id": obj.pk, **body}], format="json")
        assert response.status_code == 400, (name, response.content[:300])
        assert name in response.json()["items"][0]["errors"]


@pytest.mark.parametrize("endpoint", WRITABLE, ids=str)
def test_a_create_that_sends_a_read_only_field_is_a_400(api, endpoint: Endpoint):
    before = endpoint.model.objects.count()
    for body in ({**endpoint.payload(), "display": "nama lain"}, {**endpoint.payload(), "created": "2020-01-01"}):
        response = api.post(url(endpoint.prefix), body, format="json")
        assert response.status_code == 400, response.content[:300]
        assert set(response.json()) & {"display", "created"}
        response = api.post(url(endpoint.prefix), [body], format="json")
        assert response.status_code == 400, response.content[:300]
    assert endpoint.model.objects.count() == before
    # An id of null is no value: accepted.
    assert api.post(url(endpoint.prefix), {**endpoint.payload(), "id": None}, format="json").status_code == 201


@pytest.mark.parametrize("endpoint", PATCHABLE, ids=str)
def test_the_get_output_sent_back_is_accepted_and_changes_nothing(api, endpoint: Endpoint):
    obj = endpoint.make()
    shown = api.get(url(endpoint.prefix, obj.pk)).json()
    before = endpoint.model.objects.get(pk=obj.pk).last_updated
    records = _records(obj)
    response = api.patch(url(endpoint.prefix, obj.pk), shown, format="json")
    assert response.status_code == 200, response.content[:500]
    assert endpoint.model.objects.get(pk=obj.pk).last_updated == before
    assert _records(obj) == records
    if not endpoint.write_only:
        response = api.put(url(endpoint.prefix, obj.pk), shown, format="json")
        assert response.status_code == 200, response.content[:500]
        assert endpoint.model.objects.get(pk=obj.pk).last_updated == before
    # A bulk PATCH of the same, too.
    assert api.patch(url(endpoint.prefix), [shown], format="json").status_code == 200
    assert endpoint.model.objects.get(pk=obj.pk).last_updated == before
    assert _records(obj) == records
    # And a real change still saves, with its record.
    response = api.patch(url(endpoint.prefix, obj.pk), endpoint.patch, format="json")
    assert response.status_code == 200
    assert endpoint.model.objects.get(pk=obj.pk).last_updated > before
    assert _records(obj) == records + 1


def test_a_migration_state_sent_in_a_patch_points_to_the_transition(api):
    migration = MigrationFactory(device=DeviceFactory())
    before = Migration.objects.get(pk=migration.pk).last_updated
    response = api.patch(
        url("migrations", migration.pk), {"state": "scheduled"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "transition/" in response.json()["state"][0]
    response = api.patch(
        url("migrations", migration.pk), {"state": "scheduled"}, format="json", HTTP_ACCEPT_LANGUAGE="id"
    )
    assert "transition/" in response.json()["state"][0] and "Status" in response.json()["state"][0]
    migration.refresh_from_db()
    assert migration.state == "inventoried" and migration.last_updated == before
    # Its own state, sent back, is no change.
    response = api.patch(url("migrations", migration.pk), {"state": "inventoried"}, format="json")
    assert response.status_code == 200
    assert Migration.objects.get(pk=migration.pk).last_updated == before


def test_a_token_write_with_a_read_only_field_is_a_400(api):
    response = api.post(url("tokens"), {"description": "alat", "prefix": "abcd"}, format="json")
    assert response.status_code == 400 and "prefix" in response.json()


# --- web edit forms ----------------------------------------------------------------------------


def test_a_web_edit_form_submitted_unchanged_saves_nothing(client, engineer):
    from infra.core.api.viewsets import etag_for

    device = DeviceFactory(vendor="Dell")
    client.force_login(engineer)
    page = client.get(f"/devices/{device.pk}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    data["_version"] = etag_for(device)
    before, records = device.last_updated, _records(device)
    response = client.post(f"/devices/{device.pk}/edit/", data)
    assert response.status_code == 302, response.content[:2000]
    device.refresh_from_db()
    assert device.last_updated == before
    assert _records(device) == records
    # Changed, it saves with its record.
    response = client.post(f"/devices/{device.pk}/edit/", {**data, "vendor": "HPE"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.vendor == "HPE" and device.last_updated > before and _records(device) == records + 1
