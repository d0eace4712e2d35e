"""The web's edit page and a migration's move check the version the page was opened at: a save
without it, or over a newer change, is refused with a clear message and saves nothing. A bulk edit
does not write back objects changed since it read them.

Two saves at the same moment against a real server are in tests/api/test_concurrency.py.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from infra.core import versions
from infra.core.models import ObjectChange
from infra.core.services.bulk import BulkInvalid, set_values
from infra.core.views.edit import check_version
from infra.inventory.forms import DeviceForm
from infra.inventory.models import Device

from ..factories import DeviceFactory, MigrationFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def opened(device, user) -> dict[str, str]:
    """What the edit page sends back unchanged (its _version included)."""
    form = DeviceForm(instance=device, user=user)
    values = {name: form[name].value() for name in form.fields}
    return {name: "" if value is None else str(value) for name, value in values.items()}


@pytest.fixture
def signed_in(client, engineer):
    client.force_login(engineer)
    return client


def test_the_edit_page_carries_the_objects_version(signed_in):
    device = DeviceFactory()
    html = signed_in.get(reverse("inventory:device_edit", args=[device.pk])).content.decode()
    assert f'name="_version" value="{versions.etag_for(device).replace(chr(34), "&quot;")}"' in html


@pytest.mark.parametrize("version", [None, "", "   ", "*"], ids=["missing", "empty", "blank", "any"])
def test_a_save_without_the_version_is_refused_and_keeps_the_input(signed_in, engineer, version):
    device = DeviceFactory(description="asli")
    data = {**opened(device, engineer), "description": "ketikan pengguna"}
    if version is None:
        del data["_version"]
    else:
        data["_version"] = version
    changes = ObjectChange.objects.count()
    response = signed_in.post(reverse("inventory:device_edit", args=[device.pk]), data, **EN)
    assert response.status_code == 400
    html = response.content.decode()
    assert "sent without the version of the record it was opened at" in html
    assert "ketikan pengguna" in html  # the user's input is shown again
    device.refresh_from_db()
    assert device.description == "asli"
    assert ObjectChange.objects.count() == changes


def test_a_save_over_a_newer_change_is_refused(signed_in, engineer):
    device = DeviceFactory(description="asli")
    data = {**opened(device, engineer), "description": "saya"}
    device.description = "orang lain"
    device.save()
    response = signed_in.post(reverse("inventory:device_edit", args=[device.pk]), data, **EN)
    assert response.status_code == 400
    assert "changed this record after you opened it" in response.content.decode()
    device.refresh_from_db()
    assert device.description == "orang lain"


def test_a_save_at_the_current_version_goes_through(signed_in, engineer):
    device = DeviceFactory(description="asli")
    data = {**opened(device, engineer), "description": "baru"}
    response = signed_in.post(reverse("inventory:device_edit", args=[device.pk]), data, **EN)
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.description == "baru"


def test_a_new_object_needs_no_version(signed_in, engineer):
    device = DeviceFactory()
    data = {**opened(device, engineer), "name": "srv-baru"}
    del data["_version"]
    response = signed_in.post(reverse("inventory:device_add"), data, **EN)
    assert response.status_code == 302


# --- a migration's move ------------------------------------------------------------------------


def move(client, migration, **data):
    return client.post(
        reverse("inventory:migration_transition", args=[migration.pk]),
        {"to_state": "assessed", **data},
        follow=True,
        **EN,
    )


def test_the_move_forms_carry_the_version(signed_in):
    migration = MigrationFactory(device=DeviceFactory())
    tag = versions.etag_for(migration).replace('"', "&quot;")
    for page in (reverse("inventory:migration", args=[migration.pk]), reverse("inventory:migration_board")):
        assert f'name="_version" value="{tag}"' in signed_in.get(page).content.decode(), page


@pytest.mark.parametrize("version", [None, ""], ids=["missing", "empty"])
def test_a_move_without_the_version_is_refused(signed_in, version):
    migration = MigrationFactory(device=DeviceFactory())
    data = {} if version is None else {"_version": version}
    response = move(signed_in, migration, **data)
    assert "sent without the version of the record it was opened at" in response.content.decode()
    migration.refresh_from_db()
    assert migration.state == "inventoried"


def test_a_move_from_a_page_older_than_the_migration_is_refused(signed_in):
    migration = MigrationFactory(device=DeviceFactory())
    version = versions.etag_for(migration)
    migration.notes = "diubah orang lain"
    migration.save()
    response = move(signed_in, migration, _version=version)
    assert "changed this record after you opened it" in response.content.decode()
    migration.refresh_from_db()
    assert migration.state == "inventoried"
    response = move(signed_in, migration, _version=versions.etag_for(migration))
    migration.refresh_from_db()
    assert migration.state == "assessed"


# --- bulk edit -------------------------------------------------------------------------------------


def test_bulk_edit_does_not_write_back_an_object_changed_since_it_was_read():
    """Each save of a bulk edit writes every field: an object changed meanwhile (its description,
    here) would have lost that change."""
    devices = [DeviceFactory(status="active") for _ in range(3)]
    read = list(Device.objects.filter(pk__in=[d.pk for d in devices]).order_by("pk"))
    meanwhile = Device.objects.get(pk=read[1].pk)
    meanwhile.description = "orang lain"
    meanwhile.save()
    with pytest.raises(BulkInvalid) as refused:
        set_values(read, {"status": "offline"}, may_save=lambda obj: True)
    assert list(refused.value.errors) == [1]
    assert "changed it meanwhile" in refused.value.errors[1][0]
    assert set(Device.objects.values_list("status", flat=True)) == {"active"}
    assert Device.objects.get(pk=read[1].pk).description == "orang lain"


def test_a_save_of_a_record_deleted_meanwhile_is_refused_not_inserted_again(db):
    """Deleted between the edit's read and its lock: the save would insert the row again with its
    old id, without what its delete took with it."""
    device = DeviceFactory()
    tag = versions.etag_for(device)
    Device.objects.filter(pk=device.pk).delete()
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        check_version(device, tag)
        device.save()
    assert refused.value.messages == ["Someone deleted this record after you opened it. Nothing was saved."]
    assert not Device.objects.filter(pk=device.pk).exists()


def test_a_bulk_edit_of_a_record_deleted_meanwhile_saves_nothing():
    kept, gone = DeviceFactory(status="active"), DeviceFactory(status="active")
    selection = list(Device.objects.filter(pk__in=[kept.pk, gone.pk]).order_by("pk"))
    Device.objects.filter(pk=gone.pk).delete()
    with pytest.raises(BulkInvalid) as refused:
        set_values(selection, {"status": "offline"}, may_save=lambda obj: True)
    assert list(refused.value.errors) == [1]
    assert not Device.objects.filter(pk=gone.pk).exists()
    assert Device.objects.get(pk=kept.pk).status == "active"
