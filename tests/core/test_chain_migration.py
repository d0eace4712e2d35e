"""Core migration 0008 upgrades a change log written before the chain: nothing lost, every record
chained, the log still immutable."""

import datetime
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from infra.core import chain
from infra.core.choices import ChangeSource
from infra.core.context import change_context
from infra.core.models import ObjectChange

from ..factories import OrganizationFactory

BEFORE = ("core", "0007_must_change_password")


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_upgrade_keeps_and_chains_the_existing_records():
    _migrate([BEFORE])
    try:
        apps = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
        OldChange = apps.get_model("core", "ObjectChange")
        ct = apps.get_model("contenttypes", "ContentType").objects.get(app_label="inventory", model="organization")
        times = [datetime.datetime(2024, 5, d, 9, 0, tzinfo=datetime.UTC) for d in (3, 1, 2)]  # not in id order
        for n, time in enumerate(times):
            OldChange.objects.create(
                time=time,
                user_name="budi",
                request_id=uuid.uuid4(),
                source="web",
                action="update",
                content_type=ct,
                object_id=n + 1,
                object_repr=f"Dinas {n}",
                before={"name": f"Dinas {n}", "rate": 2.0},
                after={"name": f"Dinas {n}!", "rate": 2.5},
            )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    upgraded = list(ObjectChange.objects.order_by("id"))
    assert [c.time for c in upgraded] == times and [c.object_repr for c in upgraded] == [
        "Dinas 0",
        "Dinas 1",
        "Dinas 2",
    ]
    assert all(c.recorded == c.time and c.entered_by == "(before 0008)" and not c.entered_later for c in upgraded)
    assert upgraded[0].prev_hash == chain.GENESIS and upgraded[1].prev_hash == upgraded[0].hash
    assert chain.verify().broken is None and chain.verify().checked == 3

    with change_context(source=ChangeSource.COMMAND):
        OrganizationFactory()  # new records chain on after the upgraded ones
    result = chain.verify()
    assert result.broken is None and result.checked == ObjectChange.objects.count() > 3

    # Still evidence: the database refuses an edit (0003's trigger, made again on SQLite) ...
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_objectchange SET object_repr = 'x' WHERE id = %s", [upgraded[0].pk])
    # ... and a recorded time not its own.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_objectchange (time, recorded, user_name, entered_by, request_id, source, action, "
            "content_type_id, object_id, object_repr) SELECT time, time, '', '', request_id, source, action, "
            "content_type_id, object_id, object_repr FROM core_objectchange WHERE id = %s",
            [upgraded[0].pk],
        )
