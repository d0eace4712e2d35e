"""The change log: one record per change from every door, with who, when and what, and no way to alter it."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.http import HttpRequest

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.context import change_context
from infra.core.models import ObjectChange
from infra.core.models.changes import ImmutableChangeError
from infra.inventory.choices import DeviceStatus
from infra.inventory.models import Application, Device, FiberCore, FiberLink, Organization
from infra.inventory.services.fiber import save_link

from ..conftest import PASSWORD
from ..factories import (
    ApplicationFactory,
    DeviceFactory,
    FiberLinkFactory,
    InterfaceFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def changes_of(obj) -> "list[ObjectChange]":
    """The object's own records, oldest first."""
    ct = ContentType.objects.get_for_model(obj)
    return list(ObjectChange.objects.filter(content_type=ct, object_id=obj.pk).order_by("time", "id"))


# --- plain ORM -----------------------------------------------------------------------------------


class TestPlainSaves:
    def test_create_update_delete_each_leave_one_record(self):
        org = Organization.objects.create(name="Dinas Kesehatan", short_name="Dinkes", kind="dinas")
        (created,) = changes_of(org)
        assert created.action == ChangeAction.CREATE
        assert created.source == ChangeSource.OTHER
        assert created.user is None and created.user_name == ""
        assert created.before is None
        assert created.after["name"] == "Dinas Kesehatan"
        assert created.object_repr == "Dinkes"

        org.name = "Dinas Kesehatan Kota"
        org.save()
        updated = changes_of(org)[-1]
        assert len(changes_of(org)) == 2
        assert updated.action == ChangeAction.UPDATE
        assert updated.before["name"] == "Dinas Kesehatan"
        assert updated.after["name"] == "Dinas Kesehatan Kota"
        assert updated.diff() == {"name": ("Dinas Kesehatan", "Dinas Kesehatan Kota")}

        pk = org.pk
        org.delete()
        ct = ContentType.objects.get_for_model(Organization)
        deleted = ObjectChange.objects.filter(content_type=ct, object_id=pk, action=ChangeAction.DELETE).get()
        assert deleted.before["name"] == "Dinas Kesehatan Kota"
        assert deleted.after is None
        assert ObjectChange.objects.filter(content_type=ct, object_id=pk).count() == 3

    def test_each_save_has_its_own_request_id_outside_a_context(self):
        org = OrganizationFactory()
        org.description = "Pengelola SIMPUS"
        org.save()
        first, second = changes_of(org)
        assert first.request_id != second.request_id

    def test_record_content_is_json_of_the_logged_fields(self):
        device = DeviceFactory(
            name="srv-simpeg",
            serial="SN-001",
            warranty_end=datetime.date(2027, 12, 31),
            purchase_year=2021,
        )
        (change,) = changes_of(device)
        after = change.after
        assert after["name"] == "srv-simpeg"
        assert after["organization_id"] == device.organization_id
        assert after["site_id"] == device.site_id
        assert after["warranty_end"] == "2027-12-31"
        assert after["purchase_year"] == 2021
        assert after["rack_id"] is None
        assert "created" not in after and "last_updated" not in after
        assert "id" in after

    def test_decimals_are_logged_as_text(self):
        link = FiberLinkFactory(length_km=Decimal("2.5"), measured_loss_db=Decimal("1.7"))
        after = changes_of(link)[0].after
        assert after["length_km"] == "2.500"
        assert after["measured_loss_db"] == "1.70"

    def test_a_save_that_changes_nothing_is_not_recorded(self):
        device = DeviceFactory()
        device.save()
        again = Device.objects.get(pk=device.pk)
        again.save()
        assert len(changes_of(device)) == 1

    def test_the_same_value_written_differently_is_no_change(self):
        link = FiberLinkFactory(length_km=Decimal("2.500"), core_count=12)
        loaded = FiberLink.objects.get(pk=link.pk)
        loaded.length_km = "2.5"
        loaded.splice_count = "0"
        loaded.save()
        loaded.length_km = Decimal("2.50")
        loaded.save()
        assert len(changes_of(link)) == 1

    def test_a_real_change_after_a_no_op_is_recorded_once(self):
        device = DeviceFactory(status=DeviceStatus.ACTIVE)
        device.save()
        device.status = DeviceStatus.OFFLINE
        device.save()
        device.save()
        records = changes_of(device)
        assert [r.action for r in records] == [ChangeAction.CREATE, ChangeAction.UPDATE]
        assert records[1].diff() == {"status": ("active", "offline")}

    def test_save_with_update_fields_records_only_what_was_written(self):
        device = DeviceFactory(name="srv-lama", status=DeviceStatus.ACTIVE)
        device.name = "srv-baru"
        device.status = DeviceStatus.OFFLINE
        device.save(update_fields=["status"])
        assert Device.objects.get(pk=device.pk).name == "srv-lama"
        assert changes_of(device)[-1].diff() == {"status": ("active", "offline")}
        device.save()
        assert changes_of(device)[-1].diff() == {"name": ("srv-lama", "srv-baru")}
        assert len(changes_of(device)) == 3

    def test_refresh_from_db_resets_the_before(self):
        device = DeviceFactory(name="srv-a", status=DeviceStatus.ACTIVE)
        other_copy = Device.objects.get(pk=device.pk)
        other_copy.name = "srv-b"
        other_copy.save()
        device.refresh_from_db()
        device.status = DeviceStatus.OFFLINE
        device.save()
        assert changes_of(device)[-1].diff() == {"status": ("active", "offline")}

    def test_diff_of_create_and_delete(self):
        change = ObjectChange(before=None, after={"name": "x", "kind": "dinas"})
        assert change.diff() == {"kind": (None, "dinas"), "name": (None, "x")}
        change = ObjectChange(before={"name": "x"}, after=None)
        assert change.diff() == {"name": ("x", None)}


# --- change_context ------------------------------------------------------------------------------


class TestChangeContext:
    def test_user_source_and_request_id_are_recorded(self, engineer):
        with change_context(user=engineer, source=ChangeSource.COMMAND) as ctx:
            org = OrganizationFactory()
            device = DeviceFactory(organization=org)
        records = changes_of(org) + changes_of(device)
        assert len(records) == 2
        for record in records:
            assert record.user == engineer
            assert record.user_name == engineer.username
            assert record.source == ChangeSource.COMMAND
            assert record.request_id == ctx.request_id

    def test_a_given_request_id_is_kept(self, engineer):
        rid = uuid.uuid4()
        with change_context(user=engineer, source=ChangeSource.IMPORT, request_id=rid):
            org = OrganizationFactory()
        assert changes_of(org)[0].request_id == rid

    def test_the_context_ends_with_the_block(self, engineer):
        with change_context(user=engineer, source=ChangeSource.COMMAND):
            pass
        org = OrganizationFactory()
        assert changes_of(org)[0].source == ChangeSource.OTHER
        assert changes_of(org)[0].user is None

    def test_an_anonymous_user_is_not_recorded(self):
        from django.contrib.auth.models import AnonymousUser

        with change_context(user=AnonymousUser(), source=ChangeSource.WEB):
            org = OrganizationFactory()
        assert changes_of(org)[0].user is None
        assert changes_of(org)[0].source == ChangeSource.WEB


# --- the web (Django's admin) ---------------------------------------------------------------------


ORG_FORM = {
    "name": "Badan Penanggulangan Bencana Daerah",
    "short_name": "BPBD",
    "kind": "badan",
    "parent": "",
    "region": "",
    "description": "",
    "contacts-TOTAL_FORMS": "0",
    "contacts-INITIAL_FORMS": "0",
    "contacts-MIN_NUM_FORMS": "0",
    "contacts-MAX_NUM_FORMS": "1000",
}


class TestWebRequests:
    @pytest.fixture
    def admin_client(self, client, admin_user):
        # django-axes needs the request of every sign-in (it counts failures by address): a bare one here.
        assert client.login(request=HttpRequest(), username=admin_user.username, password=PASSWORD)
        return client

    def test_add_edit_delete_through_the_admin(self, admin_client, admin_user):
        response = admin_client.post("/admin/inventory/organization/add/", ORG_FORM)
        assert response.status_code == 302, response.content[:2000]
        org = Organization.objects.get(short_name="BPBD")
        (created,) = changes_of(org)
        assert created.action == ChangeAction.CREATE
        assert created.source == ChangeSource.WEB
        assert created.user == admin_user
        assert created.user_name == admin_user.username
        assert str(created.request_id) == response["X-Request-ID"]

        response = admin_client.post(
            f"/admin/inventory/organization/{org.pk}/change/", {**ORG_FORM, "description": "Siaga 112"}
        )
        assert response.status_code == 302, response.content[:2000]
        records = changes_of(org)
        assert len(records) == 2
        assert records[1].action == ChangeAction.UPDATE
        assert records[1].diff() == {"description": ("", "Siaga 112")}
        assert records[1].source == ChangeSource.WEB and records[1].user == admin_user
        assert str(records[1].request_id) == response["X-Request-ID"]
        assert records[1].request_id != records[0].request_id

        pk = org.pk
        response = admin_client.post(f"/admin/inventory/organization/{pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not Organization.objects.filter(pk=pk).exists()
        ct = ContentType.objects.get_for_model(Organization)
        deleted = ObjectChange.objects.get(content_type=ct, object_id=pk, action=ChangeAction.DELETE)
        assert deleted.user == admin_user
        assert deleted.source == ChangeSource.WEB
        assert str(deleted.request_id) == response["X-Request-ID"]

    def test_a_refused_form_records_nothing(self, admin_client):
        OrganizationFactory(short_name="BPBD")
        count = ObjectChange.objects.count()
        response = admin_client.post("/admin/inventory/organization/add/", ORG_FORM)
        assert response.status_code == 200
        assert ObjectChange.objects.count() == count

    def test_every_response_carries_a_request_id(self, admin_client):
        first = admin_client.get("/")
        second = admin_client.get("/")
        assert uuid.UUID(first["X-Request-ID"]) != uuid.UUID(second["X-Request-ID"])


# --- many-to-many --------------------------------------------------------------------------------


class TestManyToMany:
    def test_adding_and_removing_devices_on_an_application(self):
        app = ApplicationFactory()
        d1, d2 = DeviceFactory(), DeviceFactory()
        app.devices.add(d1, d2)
        records = changes_of(app)
        assert len(records) == 2
        assert records[1].diff() == {"devices": ([], sorted([d1.pk, d2.pk]))}

        app.devices.remove(d1)
        assert changes_of(app)[-1].diff() == {"devices": (sorted([d1.pk, d2.pk]), [d2.pk])}
        app.devices.clear()
        assert changes_of(app)[-1].diff() == {"devices": ([d2.pk], [])}
        assert len(changes_of(app)) == 4

    def test_set_records_what_changed(self):
        app = ApplicationFactory()
        d1, d2 = DeviceFactory(), DeviceFactory()
        app.devices.set([d1])
        assert changes_of(app)[-1].diff() == {"devices": ([], [d1.pk])}
        app.devices.set([d1])
        assert len(changes_of(app)) == 2
        app.devices.set([d2])
        after = changes_of(app)
        assert after[-1].after["devices"] == [d2.pk]

    def test_adding_what_is_already_there_records_nothing(self):
        app = ApplicationFactory()
        device = DeviceFactory()
        app.devices.add(device)
        app.devices.add(device)
        device.applications.add(app)
        assert len(changes_of(app)) == 2

    def test_changes_from_the_device_side_are_logged_on_the_application(self):
        app1, app2 = ApplicationFactory(), ApplicationFactory()
        device = DeviceFactory()
        device.applications.add(app1, app2)
        for app in (app1, app2):
            records = changes_of(app)
            assert len(records) == 2
            assert records[1].diff() == {"devices": ([], [device.pk])}
        device.applications.remove(app1)
        assert changes_of(app1)[-1].diff() == {"devices": ([device.pk], [])}
        assert len(changes_of(app2)) == 2
        device.applications.clear()
        assert changes_of(app2)[-1].diff() == {"devices": ([device.pk], [])}
        assert len(changes_of(app1)) == 3
        assert len(changes_of(device)) == 1  # the device's own fields did not change

    def test_m2m_records_carry_the_context(self, engineer):
        app = ApplicationFactory()
        with change_context(user=engineer, source=ChangeSource.COMMAND) as ctx:
            app.devices.add(DeviceFactory())
        record = changes_of(app)[-1]
        assert (record.user, record.source, record.request_id) == (engineer, ChangeSource.COMMAND, ctx.request_id)

    def test_deleting_an_application_records_its_devices(self):
        app = ApplicationFactory()
        device = DeviceFactory()
        app.devices.add(device)
        pk = app.pk
        app.delete()
        ct = ContentType.objects.get_for_model(Application)
        deleted = ObjectChange.objects.get(content_type=ct, object_id=pk, action=ChangeAction.DELETE)
        assert deleted.before["devices"] == [device.pk]


# --- cores and related history -------------------------------------------------------------------


class TestCoresAndHistory:
    def test_cores_are_logged_with_their_link(self, engineer):
        with change_context(user=engineer, source=ChangeSource.COMMAND) as ctx:
            link = FiberLinkFactory(core_count=12)
        ct = ContentType.objects.get_for_model(FiberCore)
        cores = ObjectChange.objects.filter(content_type=ct, action=ChangeAction.CREATE)
        assert cores.count() == 12
        assert set(cores.values_list("object_id", flat=True)) == set(link.cores.values_list("pk", flat=True))
        assert set(cores.values_list("related_object_id", flat=True)) == {link.pk}
        assert set(cores.values_list("request_id", flat=True)) == {ctx.request_id}
        assert set(cores.values_list("user", flat=True)) == {engineer.pk}
        assert {c.after["color"] for c in cores} == {c.color for c in link.cores.all()}
        history = ObjectChange.objects.for_object(link)
        assert history.count() == 13  # the link and its twelve cores

    def test_growing_a_link_logs_only_the_new_cores(self):
        link = FiberLinkFactory(core_count=12)
        ct = ContentType.objects.get_for_model(FiberCore)
        link.core_count = 24
        save_link(link)
        assert ObjectChange.objects.filter(content_type=ct, action=ChangeAction.CREATE).count() == 24
        assert len(changes_of(link)) == 2

    def test_device_history_includes_its_interfaces(self):
        device = DeviceFactory()
        eth0 = InterfaceFactory(device=device, name="eth0")
        eth0.enabled = False
        eth0.save()
        other = InterfaceFactory(name="eth9")
        history = ObjectChange.objects.for_object(device)
        iface_ct = ContentType.objects.get_for_model(eth0)
        assert history.filter(content_type=iface_ct, object_id=eth0.pk).count() == 2
        assert not history.filter(content_type=iface_ct, object_id=other.pk).exists()
        assert history.filter(object_id=device.pk, content_type=ContentType.objects.get_for_model(device)).count() == 1
        eth0_pk = eth0.pk
        eth0.delete()
        assert history.filter(content_type=iface_ct, object_id=eth0_pk, action=ChangeAction.DELETE).count() == 1

    def test_deleting_a_device_logs_its_interfaces_too(self):
        device = DeviceFactory()
        InterfaceFactory(device=device)
        InterfaceFactory(device=device)
        device.delete()
        assert ObjectChange.objects.filter(action=ChangeAction.DELETE).count() == 3


# --- immutability --------------------------------------------------------------------------------


@pytest.fixture
def record(db):
    return changes_of(OrganizationFactory())[0]


class TestImmutability:
    def test_saving_an_existing_record_is_refused(self, record):
        record.object_repr = "diubah"
        with pytest.raises(ImmutableChangeError):
            record.save()
        assert ObjectChange.objects.get(pk=record.pk).object_repr != "diubah"

    def test_saving_over_an_existing_record_is_refused(self, record):
        copy = ObjectChange(
            pk=record.pk,
            request_id=uuid.uuid4(),
            source=ChangeSource.OTHER,
            action=ChangeAction.DELETE,
            content_type=record.content_type,
            object_id=record.object_id,
            object_repr="palsu",
        )
        with pytest.raises(ImmutableChangeError):
            copy.save()
        assert ObjectChange.objects.get(pk=record.pk).action == ChangeAction.CREATE

    def test_deleting_a_record_is_refused(self, record):
        with pytest.raises(ImmutableChangeError):
            record.delete()
        assert ObjectChange.objects.filter(pk=record.pk).exists()

    def test_queryset_update_is_refused(self, record):
        with pytest.raises(ImmutableChangeError):
            ObjectChange.objects.filter(pk=record.pk).update(object_repr="diubah")
        with pytest.raises(ImmutableChangeError):
            ObjectChange.objects.all().update(user_name="x")

    def test_queryset_delete_is_refused(self, record):
        with pytest.raises(ImmutableChangeError):
            ObjectChange.objects.filter(pk=record.pk).delete()
        with pytest.raises(ImmutableChangeError):
            ObjectChange.objects.all().delete()
        assert ObjectChange.objects.filter(pk=record.pk).exists()

    def test_bulk_update_is_refused(self, record):
        record.object_repr = "diubah"
        with pytest.raises(ImmutableChangeError):
            ObjectChange.objects.bulk_update([record], ["object_repr"])

    def test_raw_sql_update_is_refused_by_the_database(self, record):
        with pytest.raises(DatabaseError) as info, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE core_objectchange SET object_repr = %s WHERE id = %s", ["diubah", record.pk])
        assert "change records cannot be edited" in str(info.value)
        assert ObjectChange.objects.get(pk=record.pk).object_repr == record.object_repr

    def test_raw_sql_delete_is_refused_on_postgresql(self, record):
        if connection.vendor == "postgresql":
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("DELETE FROM core_objectchange WHERE id = %s", [record.pk])
        # On every database the model layer refuses, and the record is still there.
        with pytest.raises(ImmutableChangeError):
            ObjectChange.objects.filter(pk=record.pk).delete()
        assert ObjectChange.objects.filter(pk=record.pk).exists()

    def test_a_user_with_changes_cannot_be_deleted(self):
        user = UserFactory()
        with change_context(user=user, source=ChangeSource.COMMAND):
            OrganizationFactory()
        with pytest.raises(ProtectedError), transaction.atomic():
            user.delete()
        assert type(user).objects.filter(pk=user.pk).exists()

    def test_a_user_without_changes_can_be_deleted(self):
        user = UserFactory()
        user.delete()
        assert not type(user).objects.filter(username=user.username).exists()
