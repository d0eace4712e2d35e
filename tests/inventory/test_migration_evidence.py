"""A migration's transitions are evidence: no door deletes them, their migration, their server or their user.

Before, deleting a migration (or its server) deleted its transitions with their reasons and gate
overrides, and an OPD operator could do so to their own servers.
"""

import html

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.urls import reverse

from infra.core.choices import Role
from infra.core.models.changes import ImmutableChangeError
from infra.inventory.choices import MigrationState
from infra.inventory.models import Device, Migration, MigrationTransition
from infra.inventory.services.migration import transition

from ..api.conftest import token_client
from ..conftest import PASSWORD
from ..factories import DeviceFactory, MigrationFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "A migration's recorded moves are evidence and are kept"
DECOMMISSION = "set its status to Decommissioned"


@pytest.fixture
def moved(operator):
    """A server of the operator's OPD whose migration moved past an unmet gate, with a reason."""
    device = DeviceFactory(organization=operator.organization, name="srv-bukti")
    migration = MigrationFactory(device=device)
    transition(migration, MigrationState.ASSESSED, user=operator, reason="Dinilai")
    transition(migration, MigrationState.SCHEDULED, user=operator, reason="Dijadwalkan")
    transition(migration, MigrationState.MIGRATING, user=operator, override_reason="Darurat: server rusak")
    return migration


def evidence(migration: Migration) -> list[tuple]:
    return list(
        MigrationTransition.objects.filter(migration_id=migration.pk)
        .order_by("id")
        .values_list("from_state", "to_state", "reason", "override_reason", "user_id")
    )


def assert_kept(migration: Migration, before: list[tuple]) -> None:
    assert Migration.objects.filter(pk=migration.pk).exists()
    assert Device.objects.filter(pk=migration.device_id).exists()
    assert evidence(migration) == before
    assert len(before) == 4 and before[-1][3] == "Darurat: server rusak"


def text(response) -> str:
    return html.unescape(response.content.decode())


def english_api(user):
    client = token_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def operator_client(client, operator):
    assert client.login(request=HttpRequest(), username=operator.username, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


class TestORM:
    def test_deleting_the_migration_or_its_server_is_refused(self, moved):
        before = evidence(moved)
        for delete in (
            moved.delete,
            moved.device.delete,
            Migration.objects.filter(pk=moved.pk).delete,
            Device.objects.filter(pk=moved.device_id).delete,
            moved.device.organization.devices.all().delete,
        ):
            with pytest.raises(ProtectedError), transaction.atomic():
                delete()
        assert_kept(moved, before)

    def test_a_transition_itself_is_neither_deleted_nor_edited(self, moved):
        before = evidence(moved)
        record = moved.transitions.last()
        record.reason = "diubah"
        for attempt in (
            record.delete,
            record.save,
            MigrationTransition.objects.all().delete,
            lambda: MigrationTransition.objects.filter(migration=moved).update(override_reason=""),
        ):
            with pytest.raises(ImmutableChangeError), transaction.atomic():
                attempt()
        assert_kept(moved, before)

    def test_the_user_who_moved_a_server_is_kept(self, moved, operator):
        with pytest.raises(ProtectedError), transaction.atomic():
            operator.delete()
        assert evidence(moved)[-1][4] == operator.pk


class TestWeb:
    @pytest.mark.parametrize("kind", ["migration", "device"])
    def test_the_delete_page_says_what_blocks_and_offers_no_delete(self, moved, operator_client, kind):
        obj = moved if kind == "migration" else moved.device
        page = text(operator_client.get(reverse(f"inventory:{kind}_delete", args=[obj.pk])))
        assert REASON in page and DECOMMISSION in page
        assert "migration transitions" in page
        assert 'data-testid="confirm-delete"' not in page

    @pytest.mark.parametrize("kind", ["migration", "device"])
    def test_a_single_delete_is_refused_with_the_reason(self, moved, operator_client, kind):
        before = evidence(moved)
        obj = moved if kind == "migration" else moved.device
        response = operator_client.post(reverse(f"inventory:{kind}_delete", args=[obj.pk]), follow=True)
        assert REASON in text(response)
        assert_kept(moved, before)

    @pytest.mark.parametrize("kind", ["migration", "device"])
    def test_a_bulk_delete_is_refused_with_the_reason(self, moved, operator_client, kind):
        before = evidence(moved)
        obj = moved if kind == "migration" else moved.device
        page = text(operator_client.post(reverse(f"inventory:{kind}_bulk_delete"), {"pk": [obj.pk]}))
        assert REASON in page and 'data-testid="confirm-delete"' not in page
        response = operator_client.post(
            reverse(f"inventory:{kind}_bulk_delete"), {"pk": [obj.pk], "_confirm": "1"}, follow=True
        )
        content = text(response)
        assert "Nothing was deleted" in content and REASON in content
        assert_kept(moved, before)

    @pytest.mark.parametrize("kind", ["migration", "device"])
    def test_the_admin_refuses_and_says_why(self, moved, admin_client, kind):
        before = evidence(moved)
        obj = moved if kind == "migration" else moved.device
        response = admin_client.post(f"/admin/inventory/{kind}/{obj.pk}/delete/", {"post": "yes"})
        assert response.status_code == 200
        assert REASON in text(response)
        response = admin_client.post(
            f"/admin/inventory/{kind}/", {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
        )
        assert REASON in text(response)
        assert_kept(moved, before)


class TestAPI:
    @pytest.mark.parametrize("prefix", ["migrations", "devices"])
    def test_a_single_delete_is_refused_with_the_reason(self, moved, operator, prefix):
        before = evidence(moved)
        obj = moved if prefix == "migrations" else moved.device
        response = english_api(operator).delete(f"/api/{prefix}/{obj.pk}/")
        assert response.status_code == 409
        assert REASON in response.json()["detail"]
        assert "migration transition" in response.json()["referred_by"]
        assert_kept(moved, before)

    @pytest.mark.parametrize("prefix", ["migrations", "devices"])
    def test_a_bulk_delete_is_refused_with_the_reason(self, moved, operator, prefix):
        before = evidence(moved)
        obj = moved if prefix == "migrations" else moved.device
        response = english_api(operator).delete(f"/api/{prefix}/", [obj.pk], format="json")
        assert response.status_code == 409, response.content
        assert REASON in str(response.json())
        assert_kept(moved, before)


def test_a_server_without_a_migration_is_still_deleted(operator):
    device = DeviceFactory(organization=operator.organization)
    response = english_api(operator).delete(f"/api/devices/{device.pk}/")
    assert response.status_code == 204
    assert not Device.objects.filter(pk=device.pk).exists()


def test_an_engineer_cannot_either(moved):
    engineer = UserFactory(role=Role.ENGINEER)
    before = evidence(moved)
    assert english_api(engineer).delete(f"/api/migrations/{moved.pk}/").status_code == 409
    assert_kept(moved, before)
