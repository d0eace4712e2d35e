"""Checks follow the registry's probe marks; SNMP secrets are encrypted at rest and never logged."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from infra.core import crypto
from infra.core.models import ObjectChange
from infra.probes.choices import CheckKind, SnmpVersion
from infra.probes.models import Check, CheckEvent, CheckStatus, Result, SnmpCredential
from infra.probes.services import checks as check_service
from tests.factories import IPAddressFactory

pytestmark = pytest.mark.django_db


def test_marking_an_address_makes_its_check_and_status():
    ip = IPAddressFactory(probe=True)
    check = Check.objects.get(ip_address=ip)
    assert (check.kind, check.address, check.device_id, check.auto_created, check.enabled) == (
        CheckKind.ICMP,
        ip.address,
        ip.interface.device_id,
        True,
        True,
    )
    assert CheckStatus.objects.get(probe_check=check).next_due is not None
    assert ObjectChange.objects.filter(object_repr__contains=ip.address, content_type__model="check").exists()


def test_an_unmarked_address_has_no_check():
    IPAddressFactory(probe=False)
    assert not Check.objects.exists()


def test_removing_the_mark_deletes_a_check_without_history():
    ip = IPAddressFactory(probe=True)
    ip.probe = False
    ip.save()
    assert not Check.objects.exists()


def test_removing_the_mark_disables_a_check_with_history_and_marking_again_enables_it():
    ip = IPAddressFactory(probe=True)
    check = Check.objects.get()
    CheckEvent.objects.create(
        probe_check=check, at="2026-01-01T00:00Z", kind="state", old_state="unknown", new_state="up"
    )
    ip.probe = False
    ip.save()
    check.refresh_from_db()
    assert check.enabled is False
    ip.probe = True
    ip.save()
    check.refresh_from_db()
    assert check.enabled is True and Check.objects.count() == 1


def test_a_changed_address_moves_its_check():
    ip = IPAddressFactory(probe=True, address="127.0.3.1")
    ip.address = "127.0.3.2"
    ip.save()
    assert Check.objects.get().address == "127.0.3.2"


def test_reconcile_catches_marks_written_without_signals():
    ip = IPAddressFactory(probe=False)
    with connection.cursor() as cursor:  # a write past every door: no signal of any kind
        cursor.execute("UPDATE inventory_ipaddress SET probe = %s WHERE id = %s", [True, ip.pk])
    assert not Check.objects.exists()
    counts = check_service.reconcile()
    assert counts["created"] == 1
    assert Check.objects.get().ip_address_id == ip.pk
    assert CheckStatus.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_ipaddress SET address = %s WHERE id = %s", ["127.0.8.8", ip.pk])
    assert check_service.reconcile()["updated"] == 1
    assert Check.objects.get().address == "127.0.8.8"
    assert check_service.reconcile() == {"created": 0, "updated": 0, "disabled": 0, "deleted": 0, "statuses": 0}


def test_bulk_writes_of_marks_make_checks_at_once():
    ip = IPAddressFactory(probe=False)
    type(ip).objects.filter(pk=ip.pk).update(probe=True)  # a logged queryset update: core.events.bulk_written
    assert Check.objects.get().ip_address_id == ip.pk
    type(ip).objects.filter(pk=ip.pk).update(probe=False)
    assert not Check.objects.exists()


def test_deleting_a_check_drops_its_raw_results():
    ip = IPAddressFactory(probe=True)
    check = Check.objects.get()
    from infra.probes.models import Prober

    prober = Prober.objects.create(name="t")
    Result.objects.create(probe_check=check, time="2026-01-01T00:00Z", outcome=0, sent=3, received=3, prober=prober)
    ip.delete()  # the address goes: its check stays (SET_NULL), its results with it
    assert Result.objects.count() == 1
    check.refresh_from_db()
    check.delete()
    assert Result.objects.count() == 0


SECRETS = {"community": "komunitas-rahasia-77", "auth_key": "kunci-otentikasi-88", "priv_key": "kunci-privasi-99"}


def _raw_row(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT community, auth_key, priv_key FROM probes_snmpcredential WHERE id = %s", [pk])
        return cursor.fetchone()


def test_secrets_are_encrypted_at_rest_and_read_back_in_clear():
    cred = SnmpCredential.objects.create(name="v3", version=SnmpVersion.V3, username="simpul", **SECRETS)
    stored = _raw_row(cred.pk)
    for value, secret in zip(stored, SECRETS.values(), strict=True):
        assert secret not in value
        assert crypto.decrypt(value) == secret
    cred = SnmpCredential.objects.get(pk=cred.pk)
    assert (cred.community, cred.auth_key, cred.priv_key) == tuple(SECRETS.values())


def test_secrets_never_reach_the_change_log():
    cred = SnmpCredential.objects.create(name="v3", version=SnmpVersion.V3, username="simpul", **SECRETS)
    cred.community = "another-secret-000"
    cred.save()
    records = list(ObjectChange.objects.filter(content_type__model="snmpcredential"))
    assert len(records) == 2
    text = repr([(r.before, r.after) for r in records])
    for secret in [*SECRETS.values(), "another-secret-000"]:
        assert secret not in text
    assert records[0].after["community"] != records[1].after["community"]


def test_an_empty_secret_stays_empty_and_is_not_encrypted():
    cred = SnmpCredential.objects.create(name="v2", community="public-x")
    assert _raw_row(cred.pk)[1:] == ("", "")


def test_rotating_keys_reencrypts_every_secret(settings):
    cred = SnmpCredential.objects.create(name="v3", version=SnmpVersion.V3, username="simpul", **SECRETS)
    old = _raw_row(cred.pk)
    new_key = Fernet.generate_key().decode()
    settings.SIMPUL_SECRET_KEYS = [new_key, *settings.SIMPUL_SECRET_KEYS]
    from django.core.management import call_command

    call_command("rotate_secrets", verbosity=0)
    rotated = _raw_row(cred.pk)
    only_new = Fernet(new_key.encode())
    for value, secret in zip(rotated, SECRETS.values(), strict=True):
        assert only_new.decrypt(value.encode()).decode() == secret
    assert rotated != old
    settings.SIMPUL_SECRET_KEYS = [new_key]  # the old key can go
    assert SnmpCredential.objects.get(pk=cred.pk).priv_key == SECRETS["priv_key"]


def test_v3_keys_shorter_than_eight_characters_are_refused():
    from django.core.exceptions import ValidationError

    cred = SnmpCredential(name="x", version=SnmpVersion.V3, username="u", auth_key="short", priv_key="also")
    with pytest.raises(ValidationError) as error:
        cred.full_clean()
    assert set(error.value.message_dict) == {"auth_key", "priv_key"}


def test_deleting_a_device_takes_its_checks_results_in_the_same_queries_for_one_check_or_many():
    from django.test.utils import CaptureQueriesContext

    from infra.probes.models import HourlyRollup, Prober
    from tests.factories import DeviceFactory

    prober = Prober.objects.create(name="t")

    def delete_device_with(n):
        device = DeviceFactory()
        for i in range(n):
            check = Check.objects.create(device=device, address=f"127.0.{n}.{i + 1}")
            Result.objects.create(
                probe_check=check, time="2026-01-01T00:00Z", outcome=0, sent=1, received=1, prober=prober
            )
            HourlyRollup.objects.create(
                probe_check=check, start="2026-01-01T00:00Z", count=1, answered=1, sent=1, received=1
            )
        with CaptureQueriesContext(connection) as queries:
            device.delete()
        return len(queries)

    assert delete_device_with(1) == delete_device_with(6)
    assert not Result.objects.exists() and not HourlyRollup.objects.exists() and not Check.objects.exists()


def test_deleting_a_marked_address_switches_its_check_off_or_deletes_it():
    from infra.probes.models import Prober

    fresh = IPAddressFactory(probe=True, address="127.0.6.1")
    fresh.delete()
    assert not Check.objects.filter(address="127.0.6.1").exists()  # it never ran: gone
    ip = IPAddressFactory(probe=True, address="127.0.6.2")
    check = Check.objects.get(ip_address=ip)
    Result.objects.create(
        probe_check=check,
        time="2026-01-01T00:00Z",
        outcome=0,
        sent=1,
        received=1,
        prober=Prober.objects.create(name="t"),
    )
    ip.delete()
    check.refresh_from_db()
    assert (check.enabled, check.auto_created, check.ip_address_id) == (False, False, None)  # kept, switched off
    assert CheckStatus.objects.get(probe_check=check).state == "unknown"


def test_reconcile_switches_off_an_automatic_check_whose_address_went_past_every_signal():
    ip = IPAddressFactory(probe=True, address="127.0.6.3")
    check = Check.objects.get(ip_address=ip)
    CheckEvent.objects.create(
        probe_check=check, at="2026-01-01T00:00Z", kind="state", old_state="unknown", new_state="up"
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE probes_check SET ip_address_id = NULL WHERE id = %s", [check.pk])
        cursor.execute("DELETE FROM inventory_ipaddress WHERE id = %s", [ip.pk])
    assert check_service.reconcile()["disabled"] == 1
    check.refresh_from_db()
    assert (check.enabled, check.auto_created) == (False, False)


def test_probe_run_refuses_a_disabled_check():
    from django.core.management import CommandError, call_command

    check = Check.objects.create(address="127.0.7.1", enabled=False)
    with pytest.raises(CommandError, match="disabled"):
        call_command("probe", "run", "--check", str(check.pk))
    assert not Result.objects.exists()
