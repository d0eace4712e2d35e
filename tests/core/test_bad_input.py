"""Numbers and times no database column holds are answered as bad input, never a 500 (issue 9, finding 6).

A huge id (``99999999999999999999999``) in a web filter, the board, an export or a form's
many-to-many field raised OverflowError on SQLite: Django guards ``exact`` and ``lt``/``gt`` against
such numbers but not ``in`` (``infra.core.lookups`` now does). A time whose UTC value is past the year
9999 (``9999-12-31T23:59:59-12:00``) raised OverflowError when the filter converted it to UTC (the
filter form now reports it on the field).
"""

import pytest
from django.urls import reverse

from infra.core.models import ObjectChange
from infra.inventory.models import Application, Device, Organization

from ..factories import DeviceFactory, MigrationFactory

BIG = "99999999999999999999999"


@pytest.fixture
def device(db):
    device = DeviceFactory()
    MigrationFactory(device=device)
    return device


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (f"/devices/?organization={BIG}", f"Select a valid choice. {BIG} is not one of the available choices."),
        (f"/devices/?site={BIG}", f"Select a valid choice. {BIG} is not one of the available choices."),
        (f"/devices/?organization=1,{BIG}", "is not one of the available choices."),
        (f"/migrations/board/?organization={BIG}", "is not one of the available choices."),
        ("/devices/?created_after=9999-12-31T23:59:59-12:00", "This date and time is out of range."),
        ("/devices/?created_before=0001-01-01T00:00:00%2B12:00", "This date and time is out of range."),
        ("/devices/?last_updated_after=0001-01-01T00:00:00", "This date and time is out of range."),
    ],
)
def test_a_filter_no_column_can_hold_is_a_message_on_the_page(client, admin_user, device, path, message):
    client.force_login(admin_user)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        f"/devices/?purchase_year__in={BIG}",
        f"/devices/?position__in={BIG}",
        f"/devices/?purchase_year__in=-{BIG}",
        f"/migrations/progress/?organization={BIG}&wave={BIG}",
        f"/migrations/board/?device={BIG}",
    ],
)
def test_a_list_of_numbers_no_column_holds_finds_nothing(client, admin_user, device, path):
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 200
    if "/devices/" in path:
        assert device.name not in response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_with_a_huge_id_is_not_a_500(client, admin_user, device, fmt):
    client.force_login(admin_user)
    for query in (f"organization={BIG}", f"purchase_year__in={BIG}", "created_after=9999-12-31T23:59:59-12:00"):
        response = client.get(f"/devices/?{query}&export={fmt}")
        assert response.status_code == 200, query
        assert device.name.encode() not in b"".join(response.streaming_content)


def test_a_huge_id_in_a_many_to_many_field_is_the_fields_error(client, admin_user, device):
    client.force_login(admin_user)
    changes = ObjectChange.objects.count()
    response = client.post(
        reverse("inventory:application_add"),
        {"name": "SIAK", "organization": device.organization_id, "devices": [device.pk, BIG], "status": "active"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert f"Select a valid choice. {BIG} is not one of the available choices." in response.content.decode()
    assert not Application.objects.exists() and ObjectChange.objects.count() == changes


def test_bulk_edit_with_a_huge_id_changes_nothing(client, admin_user, device):
    before = device.organization_id
    client.force_login(admin_user)
    response = client.post(
        reverse("inventory:device_bulk_edit"), {"pk": [device.pk, BIG], "organization": BIG, "_apply": "1"}
    )
    assert response.status_code in (200, 400)
    device.refresh_from_db()
    assert device.organization_id == before


@pytest.mark.parametrize("big", [10**23, -(10**23), 2**63, -(2**63) - 1])
def test_in_lookups_ignore_numbers_no_column_holds(db, device, big):
    """The same answer on SQLite and PostgreSQL, on plain columns, keys, relations and reverse relations."""
    for lookup in ("pk__in", "purchase_year__in", "organization__in", "organization_id__in", "applications__in"):
        assert list(Device.objects.filter(**{lookup: [big]})) == [], lookup
        assert Device.objects.exclude(**{lookup: [big]}).count() == 1, lookup
    assert list(Device.objects.filter(pk__in=[big, device.pk])) == [device]
    assert list(Organization.objects.filter(devices__in=[big])) == []
    assert not ObjectChange.objects.filter(object_id__in=[big]).exists()
