"""The change log's timeline: the recorded time is the database's, only administrators and the system
back-date, and the hash chain shows any record removed, altered or moved."""

import datetime
import itertools
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from infra.core import chain
from infra.core.bulk import create_many
from infra.core.choices import ChangeSource
from infra.core.context import BackdatingRefused, change_context
from infra.core.models import ObjectChange
from infra.core.models.changes import SYSTEM_ENTERER, entered_later_q
from infra.inventory.models import Organization

from ..factories import OrganizationFactory

pytestmark = pytest.mark.django_db
PAST = datetime.datetime(2024, 3, 1, 8, 0, tzinfo=datetime.UTC)


def _immutability_off() -> None:
    """Let this test's transaction alter the log behind the application's back (rolled back after)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: ALTER TABLE refuses them
            cursor.execute("ALTER TABLE core_objectchange DISABLE TRIGGER core_objectchange_immutable")
        else:
            cursor.execute("DROP TRIGGER core_objectchange_immutable")


def org_changes():
    return ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(Organization))


def _some_changes(n: int = 5) -> list[ObjectChange]:
    with change_context(source=ChangeSource.COMMAND):
        for i in range(n):
            OrganizationFactory(name=f"Dinas {i}")
    return list(ObjectChange.objects.order_by("id"))


def test_records_are_chained_and_verify():
    changes = _some_changes(3)
    assert changes[0].prev_hash == chain.GENESIS
    for before, after in itertools.pairwise(changes):
        assert after.prev_hash == before.hash
    assert all(c.recorded is not None and abs(c.time - c.recorded).total_seconds() < 5 for c in changes)
    assert not any(c.entered_later for c in changes)
    result = chain.verify()
    assert result.broken is None and result.checked == 3 and result.last_hash == changes[-1].hash


def test_bulk_writes_are_chained_with_one_head_lookup():
    _some_changes(1)
    counts = []
    for n in (5, 50):
        objects = [Organization(name=f"Bulk {n}-{i}", short_name=f"B{n}-{i}", kind="agency") for i in range(n)]
        with change_context(source=ChangeSource.IMPORT), CaptureQueriesContext(connection) as queries:
            create_many(Organization, objects, validate=False)
        counts.append(len(queries))
        heads = ("core_objectchange ORDER BY id DESC", "core_objectchange_head()")
        assert sum(any(h in q["sql"] for h in heads) for q in queries.captured_queries) == 1
    assert counts[0] == counts[1]  # whatever the number of records
    assert org_changes().count() == 56
    assert chain.verify().broken is None


def test_altered_record_is_named():
    changes = _some_changes()
    _immutability_off()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_objectchange SET object_repr = 'Dinas Palsu' WHERE id = %s", [changes[2].pk])
    result = chain.verify()
    assert result.broken.id == changes[2].pk and "altered" in result.broken.problem
    assert result.checked == 2
    with pytest.raises(CommandError, match=f"broken at record #{changes[2].pk}.*altered"):
        call_command("verify_changelog")


def test_altered_json_is_named():
    changes = _some_changes()
    _immutability_off()
    after = dict(changes[1].after, name="Dinas Lain")
    with connection.cursor() as cursor:
        field = ObjectChange._meta.get_field("after")
        cursor.execute(
            "UPDATE core_objectchange SET after = %s WHERE id = %s",
            [field.get_db_prep_save(after, connection), changes[1].pk],
        )
    assert chain.verify().broken.id == changes[1].pk


def test_deleted_record_is_named():
    changes = _some_changes()
    _immutability_off()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_objectchange WHERE id = %s", [changes[2].pk])
    result = chain.verify()
    assert result.broken.id == changes[3].pk and "removed" in result.broken.problem


def test_swapped_records_are_named():
    changes = _some_changes()
    _immutability_off()
    columns = [f.column for f in ObjectChange._meta.concrete_fields if f.column != "id"]
    a, b = changes[1].pk, changes[2].pk
    assignments = ", ".join(f"{c} = %s" for c in columns)
    with connection.cursor() as cursor:
        rows = {}
        for pk in (a, b):
            cursor.execute(f"SELECT {', '.join(columns)} FROM core_objectchange WHERE id = %s", [pk])
            rows[pk] = cursor.fetchone()
        # Each one's content into the other (prev_hash is unique: out of the way first).
        cursor.execute("UPDATE core_objectchange SET prev_hash = NULL WHERE id = %s", [a])
        cursor.execute(f"UPDATE core_objectchange SET {assignments} WHERE id = %s", [*rows[a], b])
        cursor.execute(f"UPDATE core_objectchange SET {assignments} WHERE id = %s", [*rows[b], a])
    result = chain.verify()
    assert result.broken.id == a and "moved" in result.broken.problem


def test_removed_last_record_is_caught_by_the_anchor(capsys):
    changes = _some_changes()
    call_command("verify_changelog", "--anchor")
    assert capsys.readouterr().out.split() == [str(changes[-1].pk), changes[-1].hash]
    _immutability_off()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_objectchange WHERE id = %s", [changes[-1].pk])
    call_command("verify_changelog")  # the rest is intact ...
    with pytest.raises(CommandError, match="anchor given is not in the intact chain"):
        call_command("verify_changelog", "--check-anchor", changes[-1].hash)  # ... but the anchor is gone


def _raw_insert(recorded: datetime.datetime | None) -> None:
    ct = ContentType.objects.get_for_model(Organization)
    field = ObjectChange._meta.get_field("recorded")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_objectchange (time, recorded, user_name, entered_by, request_id, source, action, "
            "content_type_id, object_id, object_repr) VALUES (%s, %s, '', '', %s, 'web', 'create', %s, 1, 'x')",
            [
                ObjectChange._meta.get_field("time").get_db_prep_save(PAST, connection),
                field.get_db_prep_save(recorded, connection),
                ObjectChange._meta.get_field("request_id").get_db_prep_save(
                    "12345678-1234-5678-1234-567812345678", connection
                ),
                ct.pk,
            ],
        )


@pytest.mark.parametrize("recorded", [PAST, None, "future"])
def test_the_database_refuses_a_recorded_time_of_the_writers(recorded):
    if recorded == "future":
        recorded = timezone.now() + datetime.timedelta(hours=1)
    with pytest.raises(IntegrityError, match="recorded time"), transaction.atomic():
        _raw_insert(recorded)
    assert not ObjectChange.objects.exists()


def test_the_model_sets_the_recorded_time_whatever_it_is_given():
    with change_context(source=ChangeSource.COMMAND):
        org = OrganizationFactory()
    record = ObjectChange.objects.get()
    clone = ObjectChange(
        time=PAST,
        recorded=PAST,
        request_id=record.request_id,
        source="web",
        action="update",
        content_type=record.content_type,
        object_id=org.pk,
        object_repr="x",
    )
    clone.save()
    clone.refresh_from_db()
    assert clone.recorded > PAST + datetime.timedelta(days=300)
    assert clone.entered_later and chain.verify().broken is None


def test_a_non_administrator_may_not_backdate(engineer):
    with pytest.raises(BackdatingRefused, match="Only administrators"):
        with change_context(user=engineer, source=ChangeSource.WEB, at=PAST):
            OrganizationFactory()
    assert not Organization.objects.exists() and not org_changes().exists()
    # Nor inside a request of theirs, whatever the inner code claims to be.
    with change_context(user=engineer, source=ChangeSource.WEB, entered_by=engineer):
        with pytest.raises(BackdatingRefused):
            with change_context(user=None, source=ChangeSource.COMMAND, at=PAST):
                pass


def test_an_administrator_backdates_and_it_shows(admin_user, engineer):
    with change_context(user=admin_user, source=ChangeSource.WEB, entered_by=admin_user):
        with change_context(user=engineer, source=ChangeSource.WEB, at=PAST):
            OrganizationFactory()
    record = org_changes().get()
    assert record.time == PAST and record.user == engineer and record.entered_by == admin_user.username
    assert record.entered_later and record.recorded > PAST
    assert list(ObjectChange.objects.filter(entered_later_q())) == [record]


def test_history_entered_later_does_not_override_what_came_after_it(admin_user):
    """As of a moment, an object is its latest record by the time it is about: a back-dated record
    written after a later change fills in the past without replacing the later state."""
    from infra.core.history import state_as_of

    june, march = PAST + datetime.timedelta(days=90), PAST + datetime.timedelta(days=10)
    with change_context(source=ChangeSource.COMMAND, at=PAST):
        org = OrganizationFactory(name="Dinas A")
    with change_context(source=ChangeSource.COMMAND, at=june):
        org.name = "Dinas C"
        org.save()
    with change_context(user=admin_user, source=ChangeSource.WEB, entered_by=admin_user):
        with change_context(user=admin_user, source=ChangeSource.WEB, at=march):
            org.name = "Dinas B"
            org.save()

    def name_at(moment):
        return [row["name"] for row in state_as_of(Organization, moment)]

    assert name_at(PAST + datetime.timedelta(days=1)) == ["Dinas A"]
    assert name_at(march + datetime.timedelta(days=1)) == ["Dinas B"]
    assert name_at(june + datetime.timedelta(days=1)) == ["Dinas C"]  # not the record written last
    with change_context(source=ChangeSource.COMMAND, at=june + datetime.timedelta(days=5)):
        org.delete()
    assert name_at(june + datetime.timedelta(days=1)) == ["Dinas C"]
    assert name_at(june + datetime.timedelta(days=6)) == []


def test_commands_backdate_as_the_system(engineer):
    with change_context(source=ChangeSource.COMMAND, user=engineer, at=PAST):
        OrganizationFactory()
    record = org_changes().get()
    assert record.entered_by == SYSTEM_ENTERER and record.user == engineer and record.entered_later


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    errors = []

    def writer(n: int) -> None:
        try:
            with change_context(source=ChangeSource.COMMAND):
                for _i in range(15):
                    with transaction.atomic():
                        OrganizationFactory()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = chain.verify()
    assert result.broken is None and result.checked == ObjectChange.objects.count() == 60


def test_the_api_shows_and_filters_history_entered_later(admin_user, engineer, client):
    with change_context(source=ChangeSource.COMMAND):
        live = OrganizationFactory()
    with change_context(user=admin_user, source=ChangeSource.WEB, entered_by=admin_user):
        with change_context(user=engineer, source=ChangeSource.WEB, at=PAST):
            OrganizationFactory()
    client.force_login(admin_user)
    ct = "inventory.organization"
    rows = client.get("/api/changes/", {"object_type": ct, "entered_later": "true"}).json()["results"]
    assert [(r["entered_later"], r["entered_by"], r["user"]) for r in rows] == [
        (True, admin_user.username, engineer.username)
    ]
    assert rows[0]["time"].startswith("2024-03-01") and not rows[0]["recorded"].startswith("2024")
    rows = client.get("/api/changes/", {"object_type": ct, "entered_later": "false"}).json()["results"]
    assert [(r["object_id"], r["entered_later"], r["entered_by"]) for r in rows] == [(live.pk, False, SYSTEM_ENTERER)]
    assert rows[0]["hash"] and rows[0]["prev_hash"]


def test_a_backdating_request_gets_a_403_with_the_reason(engineer, client, settings):
    """Whatever view would try it: the refusal is a PermissionDenied, which Django answers with 403."""
    from django.urls import path

    from infra import urls

    def backdating_view(request):
        with change_context(user=request.user, source=ChangeSource.WEB, at=PAST):
            OrganizationFactory()

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("backdate/", backdating_view), *urls.urlpatterns]})
    client.force_login(engineer)
    response = client.post("/backdate/")
    assert response.status_code == 403
    assert not org_changes().exists()


def test_the_verify_page_is_for_administrators(admin_user, auditor, client):
    changes = _some_changes(3)
    client.force_login(auditor)
    assert client.post("/admin/core/objectchange/verify/").status_code in (302, 403)
    client.force_login(admin_user)
    client.cookies["django_language"] = "en"
    page = client.get("/admin/core/objectchange/")
    assert b"/admin/core/objectchange/verify/" in page.content
    assert "The chain is unbroken" in client.post("/admin/core/objectchange/verify/").content.decode()
    _immutability_off()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_objectchange SET object_repr = 'Dinas Palsu' WHERE id = %s", [changes[1].pk])
    client.cookies["django_language"] = "id"
    text = client.post("/admin/core/objectchange/verify/").content.decode()
    assert f"Rantai putus pada catatan #{changes[1].pk}" in text and "isinya tidak cocok" in text
