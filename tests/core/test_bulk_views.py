"""The web's bulk edit and bulk delete: thin pages over core.services.bulk, all or nothing."""

import pytest
from django.urls import reverse

from infra.core.choices import ChangeAction
from infra.core.models import ObjectChange
from infra.inventory import models

from ..factories import DeviceFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _bulk_edit(client, devices, **values):
    data = {"pk": [d.pk for d in devices], "_apply": "1", **values}
    return client.post(reverse("inventory:device_bulk_edit"), data, HTTP_ACCEPT_LANGUAGE="en")


def test_bulk_edit_saves_every_object_and_logs_each(client, engineer):
    client.force_login(engineer)
    devices = [DeviceFactory(vendor="Dell"), DeviceFactory(vendor="Dell")]
    before = ObjectChange.objects.filter(action=ChangeAction.UPDATE).count()
    response = _bulk_edit(client, devices, vendor="Lenovo")
    assert response.status_code == 302
    assert set(models.Device.objects.filter(pk__in=[d.pk for d in devices]).values_list("vendor", flat=True)) == {
        "Lenovo"
    }
    assert ObjectChange.objects.filter(action=ChangeAction.UPDATE).count() == before + 2


def test_bulk_edit_with_one_bad_object_saves_none_and_names_it(client, engineer):
    client.force_login(engineer)
    target = OrganizationFactory()
    DeviceFactory(organization=target, name="srv-sama")
    clash = DeviceFactory(name="srv-sama")
    fine = DeviceFactory(name="srv-lain")
    response = _bulk_edit(client, [fine, clash], organization=target.pk)
    assert response.status_code == 400
    page = response.content.decode()
    assert "srv-sama: This organization already has a device with this name." in page
    assert "srv-lain:" not in page
    fine.refresh_from_db()
    clash.refresh_from_db()
    assert fine.organization_id != target.pk  # nothing saved, not even the good one
    assert clash.organization_id != target.pk


def test_bulk_delete_refused_by_one_protected_object_deletes_none(client, engineer):
    client.force_login(engineer)
    empty, used = OrganizationFactory(), OrganizationFactory()
    DeviceFactory(organization=used)
    response = client.post(
        reverse("inventory:organization_bulk_delete"),
        {"pk": [empty.pk, used.pk], "_confirm": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Nothing was deleted: other records still refer to some of them." in response.content.decode()
    assert models.Organization.objects.filter(pk__in=[empty.pk, used.pk]).count() == 2


def test_bulk_delete_deletes_every_selected_object(client, engineer):
    client.force_login(engineer)
    devices = [DeviceFactory(), DeviceFactory()]
    response = client.post(reverse("inventory:device_bulk_delete"), {"pk": [d.pk for d in devices], "_confirm": "1"})
    assert response.status_code == 302
    assert not models.Device.objects.filter(pk__in=[d.pk for d in devices]).exists()
    assert ObjectChange.objects.filter(action=ChangeAction.DELETE, object_id__in=[d.pk for d in devices]).count() == 2


def test_bulk_edit_of_objects_that_would_collide_with_each_other_names_them(client, engineer):
    """Two servers of one name in two OPDs moved into a third: the second is named, not a 500."""
    client.force_login(engineer)
    target = OrganizationFactory()
    first, second = DeviceFactory(name="srv-sama"), DeviceFactory(name="srv-sama")
    response = _bulk_edit(client, [first, second], organization=target.pk)
    assert response.status_code == 400
    assert "srv-sama: Duplicates item 0: This organization already has a device with this name." in (
        response.content.decode()
    )
    assert not models.Device.objects.filter(organization=target).exists()
