"""What a delete or a queryset update does to the rows that stay is in the change log, from every door.

Deleting a server nulls another OPD's virtual machine's host, takes it out of another OPD's
application and leaves its addresses without their interface: each of those rows gets its update
record, in the delete's request, and ``as_of=now`` rebuilt from the log equals what is stored.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.context import change_context
from infra.core.history import state_as_of
from infra.core.models import ObjectChange
from infra.inventory.choices import DeviceKind, DeviceStatus
from infra.inventory.models import Application, Device, Interface, IPAddress

from ..api.conftest import token_client
from ..conftest import PASSWORD
from ..factories import (
    ApplicationFactory,
    DeviceFactory,
    InterfaceFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def last_record(model, pk) -> ObjectChange:
    ct = ContentType.objects.get_for_model(model)
    return ObjectChange.objects.filter(content_type=ct, object_id=pk).order_by("-id").first()


def as_of_now(model, pk) -> dict:
    (row,) = state_as_of(model, timezone.now(), ids=[pk])
    return row


def build_city(guests: int = 1, interfaces: int = 1, applications: int = 1, net: int = 9) -> dict:
    """A server of one OPD that hosts another OPD's virtual machines, serves another OPD's
    applications and has interfaces with addresses; plus a second server that stays."""
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    server = DeviceFactory(organization=mine, name="srv-hapus")
    other = DeviceFactory(organization=theirs, name="srv-tetap")
    vms = [
        DeviceFactory(organization=theirs, kind=DeviceKind.VIRTUAL_MACHINE, host=server, site=other.site)
        for _ in range(guests)
    ]
    apps = []
    for _ in range(applications):
        app = ApplicationFactory(organization=theirs)
        app.devices.set([server, other])
        apps.append(app)
    ips = []
    for n in range(interfaces):
        iface = InterfaceFactory(device=server, name=f"eth{n}")
        ips.append(IPAddress.objects.create(address=f"10.{net}.{n}.1", interface=iface))
    return {"server": server, "other": other, "vms": vms, "apps": apps, "ips": ips}


def assert_logged(city: dict) -> None:
    """Every row the delete changed has its update, in the delete's request, and as_of=now is live."""
    server = city["server"]
    deleted = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(Device), object_id=city["server_pk"], action=ChangeAction.DELETE
    )
    for vm in city["vms"]:
        vm.refresh_from_db()
        assert vm.host_id is None
        record = last_record(Device, vm.pk)
        assert record.action == ChangeAction.UPDATE
        assert record.diff() == {"host_id": (city["server_pk"], None)}
        assert record.request_id == deleted.request_id
        assert (record.user_id, record.source) == (deleted.user_id, deleted.source)
        assert as_of_now(Device, vm.pk)["host_id"] == vm.host_id
    for app in city["apps"]:
        live = sorted(app.devices.values_list("pk", flat=True))
        assert live == [city["other"].pk]
        record = last_record(Application, app.pk)
        assert record.action == ChangeAction.UPDATE
        assert record.diff() == {"devices": (sorted([city["server_pk"], city["other"].pk]), live)}
        assert record.request_id == deleted.request_id
        assert as_of_now(Application, app.pk)["devices"] == live
    for ip in city["ips"]:
        ip.refresh_from_db()
        assert ip.interface_id is None
        record = last_record(IPAddress, ip.pk)
        assert record.action == ChangeAction.UPDATE
        assert set(record.diff()) == {"interface_id"} and record.after["interface_id"] is None
        assert record.request_id == deleted.request_id
        assert as_of_now(IPAddress, ip.pk)["interface_id"] is None
    assert not Device.objects.filter(pk=city["server_pk"]).exists()
    assert not Interface.objects.filter(device_id=city["server_pk"]).exists()
    assert server is not None


@pytest.fixture
def signed_in(client, admin_user):
    assert client.login(request=HttpRequest(), username=admin_user.username, password=PASSWORD)
    return client


def _instance(city, **_):
    with change_context(source=ChangeSource.COMMAND):
        city["server"].delete()


def _queryset(city, **_):
    with change_context(source=ChangeSource.COMMAND):
        Device.objects.filter(name="srv-hapus").delete()


def _related_manager(city, **_):
    with change_context(source=ChangeSource.COMMAND):
        city["server"].organization.devices.all().delete()


def _web(city, signed_in, **_):
    response = signed_in.post(reverse("inventory:device_delete", args=[city["server"].pk]))
    assert response.status_code == 302


def _web_bulk(city, signed_in, **_):
    url = reverse("inventory:device_bulk_delete")
    response = signed_in.post(url, {"pk": [city["server"].pk], "_confirm": "1"})
    assert response.status_code == 302


def _api(city, admin_user, **_):
    response = token_client(admin_user).delete(f"/api/devices/{city['server'].pk}/")
    assert response.status_code == 204


def _api_bulk(city, admin_user, **_):
    response = token_client(admin_user).delete("/api/devices/", [city["server"].pk], format="json")
    assert response.status_code == 204, response.content


def _admin(city, signed_in, **_):
    response = signed_in.post(f"/admin/inventory/device/{city['server'].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302


def _admin_action(city, signed_in, **_):
    response = signed_in.post(
        "/admin/inventory/device/",
        {"action": "delete_selected", "_selected_action": [city["server"].pk], "post": "yes"},
    )
    assert response.status_code == 302


DOORS = [_instance, _queryset, _related_manager, _web, _web_bulk, _api, _api_bulk, _admin, _admin_action]


@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.__name__.strip("_"))
def test_deleting_a_server_logs_what_it_changes_in_other_rows(door, signed_in, admin_user):
    city = build_city(guests=2, interfaces=2, applications=2)
    city["server_pk"] = city["server"].pk
    door(city, signed_in=signed_in, admin_user=admin_user)
    assert_logged(city)


def test_a_delete_costs_the_same_queries_however_many_rows_it_changes():
    """A delete costs the same number of queries for one affected row of each kind as for many."""

    def cost(**sizes) -> int:
        city = build_city(**sizes, net=sizes["guests"])
        with CaptureQueriesContext(connection) as queries:
            city["server"].delete()
        return len(queries)

    few, many = cost(guests=1, interfaces=1, applications=1), cost(guests=6, interfaces=6, applications=6)
    assert few == many


def test_deleting_an_address_logs_the_device_whose_primary_address_it_was():
    device = DeviceFactory()
    ip = IPAddress.objects.create(address="10.1.1.1", interface=InterfaceFactory(device=device))
    device.primary_ip = ip
    device.save()
    ip.delete()
    record = last_record(Device, device.pk)
    assert record.diff() == {"primary_ip_id": (ip_pk := record.before["primary_ip_id"], None)}
    assert ip_pk is not None
    assert as_of_now(Device, device.pk)["primary_ip_id"] is None


def test_a_row_deleted_with_its_target_gets_only_its_delete():
    """A virtual machine deleted with its host is not also "updated" to no host."""
    host = DeviceFactory(name="host-a")
    vm = DeviceFactory(organization=host.organization, name="vm-a", kind=DeviceKind.VIRTUAL_MACHINE, host=host)
    Device.objects.filter(pk__in=[host.pk, vm.pk]).delete()
    actions = list(
        ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(Device), object_id=vm.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [ChangeAction.CREATE, ChangeAction.DELETE]


def test_a_delete_that_starts_outside_the_logged_models_is_logged_too():
    """The base manager (a plain queryset) and a model without the change log still log their effects."""
    city = build_city(guests=1, interfaces=1, applications=1)
    city["server_pk"] = city["server"].pk
    with change_context(source=ChangeSource.COMMAND):
        Device._base_manager.filter(pk=city["server"].pk).delete()
    assert_logged(city)


def test_a_queryset_update_is_logged():
    devices = [DeviceFactory(), DeviceFactory()]
    with change_context(source=ChangeSource.COMMAND) as ctx:
        assert Device.objects.filter(pk__in=[d.pk for d in devices]).update(status=DeviceStatus.OFFLINE) == 2
    for device in devices:
        record = last_record(Device, device.pk)
        assert record.diff() == {"status": (DeviceStatus.ACTIVE, DeviceStatus.OFFLINE)}
        assert record.request_id == ctx.request_id
        assert as_of_now(Device, device.pk)["status"] == DeviceStatus.OFFLINE


def test_deleting_a_group_logs_its_members():
    group = Group.objects.create(name="Piket")
    user = UserFactory()
    user.groups.add(group)
    pk = group.pk
    group.delete()
    record = last_record(type(user), user.pk)
    assert record.diff() == {"groups": ([pk], [])}


def test_deleting_a_permission_logs_the_users_who_had_it():
    permission = Permission.objects.create(
        name="x", codename="x_perm", content_type=ContentType.objects.get_for_model(Device)
    )
    users = [UserFactory(), UserFactory()]
    for user in users:
        user.user_permissions.add(permission)
    Permission.objects.filter(pk=permission.pk).delete()
    for user in users:
        assert last_record(type(user), user.pk).diff() == {"user_permissions": ([permission.pk], [])}


@pytest.mark.parametrize("door", ["web/delete-page", "web/delete", "api/delete"])
def test_deleting_a_server_costs_the_same_queries_few_or_many_rows(door, client, admin_user, query_counts):
    """The delete page and the deletes of the web and the API, pinned: the same count whether the server
    hosts one VM, serves one application and has one interface, or six of each."""
    client.force_login(admin_user)
    api = token_client(admin_user)
    nets = iter(range(10, 20))

    def cost(size: int) -> int:
        city = build_city(guests=size, interfaces=size, applications=size, net=next(nets))
        pk = city["server"].pk
        with CaptureQueriesContext(connection) as queries:
            if door == "web/delete-page":
                response = client.get(reverse("inventory:device_delete", args=[pk]))
                assert response.status_code == 200
            elif door == "web/delete":
                assert client.post(reverse("inventory:device_delete", args=[pk])).status_code == 302
            else:
                assert api.delete(f"/api/devices/{pk}/").status_code == 204
        return len(queries)

    cost(1)  # warm-up: content types cached
    few, many = cost(1), cost(6)
    assert few == many
    query_counts.check(f"{door}/devices", few)


def test_a_logged_model_whose_manager_drops_the_logging_queryset_stops_the_checks():
    from django.apps import apps
    from django.db import models
    from django.test.utils import isolate_apps

    from infra.core.checks import logged_models_keep_the_logging_queryset
    from infra.core.models import ChangeLoggingMixin

    assert logged_models_keep_the_logging_queryset() == []
    with isolate_apps("infra.core"):

        class Careless(ChangeLoggingMixin):
            objects = models.Manager()

            class Meta:
                app_label = "core"

        original = apps.get_models
        apps.get_models = lambda: [*original(), Careless]
        try:
            (error,) = logged_models_keep_the_logging_queryset()
        finally:
            apps.get_models = original
    assert error.id == "core.E002" and error.obj is Careless
