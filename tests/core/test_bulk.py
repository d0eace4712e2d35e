"""The one write path (infra.core.bulk): a bad batch writes nothing and names every bad item, the change
log goes in the same transaction as the rows, a plain model gets no change log, and the hand-written
insert leaves exactly the rows bulk_create would."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from infra.core import bulk, changelog
from infra.core.choices import ChangeAction, ChangeSource
from infra.core.models import ObjectChange, UserPreference
from infra.inventory import choices, models
from infra.inventory.services.fiber import create_links
from tests.factories import DeviceFactory, OrganizationFactory, RackFactory, SiteFactory, UserFactory


@pytest.fixture
def city(db):
    organization = OrganizationFactory()
    site = SiteFactory(organization=organization)
    return {"organization": organization, "site": site, "rack": RackFactory(site=site, u_height=42)}


def devices(city, names, **extra) -> list[models.Device]:
    return [
        models.Device(
            name=name, organization=city["organization"], site=city["site"], kind=choices.DeviceKind.SERVER, **extra
        )
        for name in names
    ]


def creates_of(model) -> int:
    ct = ContentType.objects.get_for_model(model)
    return ObjectChange.objects.filter(content_type=ct, action=ChangeAction.CREATE).count()


def test_a_valid_batch_is_inserted_with_ids_and_logged(city):
    created = bulk.create_many(models.Device, devices(city, ["srv-1", "srv-2", "srv-3"]))
    assert [d.name for d in models.Device.objects.order_by("pk")] == ["srv-1", "srv-2", "srv-3"]
    assert [d.pk for d in created] == list(models.Device.objects.order_by("pk").values_list("pk", flat=True))
    assert all(not d._state.adding for d in created)
    assert creates_of(models.Device) == 3
    logged = ObjectChange.objects.get(object_id=created[1].pk, content_type__model="device")
    assert logged.after["name"] == "srv-2" and logged.before is None


def test_a_batch_with_bad_items_writes_nothing_and_names_every_bad_one(city):
    DeviceFactory(organization=city["organization"], site=city["site"], name="taken")
    batch = devices(city, ["fine-1", "taken", "fine-2", "twice", "twice"])
    batch[2].kind = "toaster"
    before = ObjectChange.objects.count()
    with pytest.raises(bulk.InvalidItems) as info:
        bulk.create_many(models.Device, batch)
    assert sorted(info.value.errors) == [1, 2]
    assert "kind" in info.value.errors[2].message_dict
    assert "Item 1:" in str(info.value) and "Item 2:" in str(info.value)
    assert models.Device.objects.count() == 1
    assert ObjectChange.objects.count() == before


def test_validation_is_one_query_per_rule_not_per_item(city):
    resolved = ("organization", "site")  # read by the caller: their existence is not asked again
    with CaptureQueriesContext(connection) as few:
        bulk.create_many(models.Device, devices(city, [f"a-{i}" for i in range(5)]), resolved=resolved)
    with CaptureQueriesContext(connection) as many:
        bulk.create_many(models.Device, devices(city, [f"b-{i}" for i in range(50)]), resolved=resolved)

    # The INSERTs come in batches of as many rows as SQLite takes parameters: not validation.
    def checks(queries) -> list[str]:
        return [q["sql"] for q in queries if not q["sql"].startswith("INSERT")]

    assert len(checks(many)) == len(checks(few))


def test_a_failure_after_the_insert_rolls_back_the_rows_and_their_log(city, monkeypatch):
    def broken(changes, *args, **kwargs):
        list(changes)
        raise RuntimeError("the change log is down")

    monkeypatch.setattr(changelog, "record_bulk", broken)
    before = ObjectChange.objects.count()
    with pytest.raises(RuntimeError):
        bulk.create_many(models.Device, devices(city, ["srv-1", "srv-2"]))
    assert not models.Device.objects.exists()
    assert ObjectChange.objects.count() == before


def test_the_log_is_in_the_callers_transaction(city):
    before = ObjectChange.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        bulk.create_many(models.Device, devices(city, ["srv-1"]))
        assert creates_of(models.Device) == 1
        raise RuntimeError("a later step fails")
    assert not models.Device.objects.exists()
    assert ObjectChange.objects.count() == before


def test_a_plain_model_is_written_without_a_change_log(db):
    user = UserFactory()
    prefs = [UserPreference(user=user, key=f"table:{n}", value={"per_page": 50, "columns": ["a", n]}) for n in "xyz"]
    before = ObjectChange.objects.count()
    created = bulk.create_many(UserPreference, prefs)
    assert [p.pk for p in created] == sorted(p.pk for p in created)
    assert UserPreference.objects.get(key="table:y").value == {"per_page": 50, "columns": ["a", "y"]}
    assert ObjectChange.objects.count() == before
    assert not bulk.logs_changes(UserPreference) and bulk.logs_changes(models.Device)


def test_log_false_leaves_logging_to_the_caller(city):
    before = ObjectChange.objects.count()
    bulk.create_many(models.Device, devices(city, ["srv-1"]), log=False)
    assert models.Device.objects.count() == 1 and ObjectChange.objects.count() == before


def test_update_many_writes_and_logs_only_what_changed(city):
    stored = bulk.create_many(models.Device, devices(city, ["srv-1", "srv-2", "srv-3"]))
    items = []
    for device in stored:
        before = bulk.snapshot(device)
        if device.name != "srv-2":
            device.vendor = f"Dell {device.name}"
        items.append((device, before, bulk.snapshot(device)))
    assert bulk.update_many(models.Device, items) == 2
    assert dict(models.Device.objects.values_list("name", "vendor")) == {
        "srv-1": "Dell srv-1",
        "srv-2": "",
        "srv-3": "Dell srv-3",
    }
    updates = ObjectChange.objects.filter(action=ChangeAction.UPDATE)
    assert sorted(updates.values_list("object_repr", flat=True)) == ["srv-1", "srv-3"]
    assert updates.first().before["vendor"] == "" and updates.first().after["vendor"].startswith("Dell")


def test_fiber_links_in_bulk_come_with_their_cores_logged(city):
    other = SiteFactory()
    links = [
        models.FiberLink(
            code=f"FO-B-{n}", site_a=city["site"], site_b=other, deployment="duct", length_km=1, core_count=n
        )
        for n in (12, 24)
    ]
    create_links(links)
    assert [link.cores.count() for link in models.FiberLink.objects.order_by("code")] == [12, 24]
    assert creates_of(models.FiberCore) == 36 and creates_of(models.FiberLink) == 2


# --- the hand-written insert against Django's bulk_create ------------------------------------------
def _values(model, pks) -> list[tuple]:
    """Every column but the key and the insert's own timestamps, in the order of ``pks``."""
    names = [f.attname for f in model._meta.concrete_fields if f.name not in ("id", "created", "last_updated")]
    rows = dict((row[0], row[1:]) for row in model._base_manager.filter(pk__in=pks).values_list("pk", *names))
    return [rows[pk] for pk in pks]


def _device_batch(city, prefix: str) -> list[models.Device]:
    batch = devices(city, [f"{prefix}-{n}" for n in range(5)])
    batch[0].rack, batch[0].position = city["rack"], 3  # a set nullable key next to unset ones
    batch[1].warranty_end = datetime.date(2027, 6, 30)
    batch[2].asset_number, batch[2].purchase_year = f"{prefix}-BMD-9", 2021
    batch[3].status = choices.DeviceStatus.PLANNED
    return batch


def _link_batch(city, other, prefix: str) -> list[models.FiberLink]:
    return [
        models.FiberLink(
            code=f"{prefix}-{n}",
            site_a=city["site"],
            site_b=other,
            deployment="duct",
            length_km=Decimal("1.250") * (n + 1),
            measured_loss_db=Decimal("2.5") if n % 2 else None,
            installed_date=datetime.date(2024, 1, n + 1) if n else None,
        )
        for n in range(4)
    ]


def _change_batch(user, device) -> list[ObjectChange]:
    ct = ContentType.objects.get_for_model(device)
    return [
        ObjectChange(
            time=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            user=user if n % 2 else None,
            user_name="budi" if n % 2 else "",
            request_id=uuid.UUID(int=n),
            source=ChangeSource.API,
            action=ChangeAction.UPDATE,
            content_type=ct,
            object_id=device.pk,
            object_repr=str(device),
            before={"name": "a", "n": n, "nested": {"list": [1, 2.5, None]}} if n else None,
            after={"name": "ü", "decimal": "1.50"},
        )
        for n in range(3)
    ]


def _unprefixed(value, prefix: str):
    return value.removeprefix(f"{prefix}-") if isinstance(value, str) else value


def _address_batch(interface, prefix: str) -> list[models.IPAddress]:
    base = 1 if prefix == "x" else 2
    return [
        models.IPAddress(address=f"127.{base}.0.{n + 1}", prefix_length=24, interface=interface if n % 2 else None)
        for n in range(3)
    ] + [models.IPAddress(address=f"2001:db8:{base}::1", prefix_length=64, probe=True)]


@pytest.fixture(params=["native", "insert-returning"])
def insert_path(request, monkeypatch):
    """The database's own fast path (COPY on PostgreSQL), and the multi-row INSERT on every database."""
    if request.param == "insert-returning":
        monkeypatch.setattr(connection, "vendor", "any-other", raising=False)
    return request.param


def test_insert_leaves_the_rows_bulk_create_leaves(city, insert_path):
    other, user, device = SiteFactory(), UserFactory(), DeviceFactory()
    interface = models.Interface.objects.create(device=device, name="eth0")
    for model, make in (
        (models.IPAddress, lambda p: _address_batch(interface, p)),
        (models.Device, lambda p: _device_batch(city, p)),
        (models.FiberLink, lambda p: _link_batch(city, other, p)),
    ):
        theirs, ours = make("x"), make("y")
        model.objects.bulk_create(theirs)
        bulk.insert(model, ours)
        their_pks, our_pks = [o.pk for o in theirs], [o.pk for o in ours]
        assert our_pks == sorted(our_pks) and min(our_pks) > max(their_pks)
        assert our_pks == list(model._base_manager.filter(pk__in=our_pks).order_by("pk").values_list("pk", flat=True))
        theirs_rows, ours_rows = _values(model, their_pks), _values(model, our_pks)
        if model is models.IPAddress:  # the addresses differ by design
            assert [row[0] for row in ours_rows] == [o.address for o in ours]
            theirs_rows = [row[1:] for row in theirs_rows]
            ours_rows = [row[1:] for row in ours_rows]
        elif model is not ObjectChange:  # the names differ by their x/y prefix, by design
            theirs_rows = [tuple(_unprefixed(v, "x") for v in row) for row in theirs_rows]
            ours_rows = [tuple(_unprefixed(v, "y") for v in row) for row in ours_rows]
        assert ours_rows == theirs_rows, model
        for obj in ours:
            assert not obj._state.adding and obj._state.db == "default"
        if any(f.name == "created" for f in model._meta.concrete_fields):
            assert all(o.created is not None and o.created == o.last_updated for o in ours)
    # Change records go in only at the chain's end (ObjectChange.save, changelog.record_bulk): the
    # database refuses rows inserted around it (their recorded time is not its clock's).
    for write in (ObjectChange.objects.bulk_create, lambda objs: bulk.insert(ObjectChange, objs)):
        with pytest.raises(IntegrityError, match="recorded time"), transaction.atomic():
            write(_change_batch(user, device))


# --- uniqueness over a batch's final state (the import's rule) ----------------------------------------
@pytest.mark.parametrize("chunk", [1000, 1])  # keys looked up, or one pass over the table
def test_conflicts_over_the_final_state(city, chunk, monkeypatch):
    from infra.core import validation

    monkeypatch.setattr(validation, "LOOKUP_CHUNK", chunk)
    org, site = city["organization"], city["site"]
    DeviceFactory(organization=org, site=site, name="kept")
    renamed = DeviceFactory(organization=org, site=site, name="renamed-away")
    batch = devices(city, ["kept", "fresh", "fresh", "renamed-away"])
    renamed.name = "elsewhere"  # a stored row the batch changes: its old name is free
    batch.append(renamed)
    check = next(c for c in validation.unique_checks(models.Device) if c.fields == ("organization", "name"))
    found = list(check.conflicts(batch, {renamed.pk}, "default"))
    assert sorted(found, key=lambda pair: pair[0]) == [(0, None), (2, 1)]
