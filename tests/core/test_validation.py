"""Batch model validation (infra.core.validation) gives what full_clean() gives, in fewer queries."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.core.validation import Unknown, condition_holds, validate_instance, validate_instances
from infra.inventory import choices, models
from tests.factories import DeviceFactory, MigrationFactory, OrganizationFactory, RackFactory, SiteFactory

pytestmark = pytest.mark.django_db

SETTINGS = settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def full_clean_errors(instance) -> dict:
    """What Django's own full_clean() says (the reference), as {field: sorted messages}."""
    try:
        instance.full_clean(exclude=[f.name for f in instance._meta.many_to_many])
    except ValidationError as exc:
        return {k: sorted(v) for k, v in exc.message_dict.items()}
    return {}


def batch_errors(error: ValidationError | None) -> dict:
    return {k: sorted(v) for k, v in error.message_dict.items()} if error else {}


@pytest.fixture
def city(db):
    """Two OPDs, a site with a rack, and one device that holds a name and an asset number."""
    first, second = OrganizationFactory(), OrganizationFactory()
    site = SiteFactory(organization=first)
    rack = RackFactory(site=site, u_height=42)
    DeviceFactory(organization=first, site=site, name="taken", asset_number="BMD-TAKEN")
    return {"organizations": [first, second], "site": site, "rack": rack}


def device_strategy(city):
    return st.builds(
        lambda name, org, asset, rack, position, kind, year: models.Device(
            name=name,
            organization=city["organizations"][org],
            site=city["site"],
            asset_number=asset,
            rack=city["rack"] if rack else None,
            position=position,
            kind=kind,
            purchase_year=year,
        ),
        name=st.sampled_from(["taken", "fresh", "", "x" * 101]),
        org=st.sampled_from([0, 1]),
        asset=st.sampled_from(["", "BMD-TAKEN", "BMD-NEW"]),
        rack=st.booleans(),
        position=st.sampled_from([None, 1, 42, 43, 61]),
        kind=st.sampled_from([choices.DeviceKind.SERVER, choices.DeviceKind.SWITCH, "no-such-kind"]),
        year=st.sampled_from([None, 1989, 2025]),
    )


def test_each_device_in_a_batch_gets_what_full_clean_says(city):
    """Property: whatever the mix of valid and broken devices, the batch names, for each one, the
    same fields and messages as Django's full_clean() does for it alone."""

    @SETTINGS
    @given(st.lists(device_strategy(city), min_size=1, max_size=6))
    def check(devices):
        expected = [full_clean_errors(d) for d in devices]
        found = validate_instances(devices)
        assert [batch_errors(found.get(n)) for n in range(len(devices))] == expected

    check()


def test_the_property_can_fail(city):
    """The reference sees the clash the batch must find (else the property above proves nothing)."""
    clash = models.Device(name="taken", organization=city["organizations"][0], site=city["site"], kind="server")
    assert "name" in full_clean_errors(clash)
    assert "name" in batch_errors(validate_instances([clash]).get(0))


COORDINATES = [
    (None, None),
    (Decimal("-5.4"), None),
    (None, Decimal("105.2")),
    (Decimal("95"), Decimal("105.2")),
    (Decimal("-5.4"), Decimal("190")),
    (Decimal("-91"), Decimal("-181")),
    (Decimal("-5.4"), Decimal("105.2")),
]


@pytest.mark.parametrize(("latitude", "longitude"), COORDINATES)
def test_site_coordinates_checked_as_full_clean_does(city, latitude, longitude):
    site = models.Site(name="Kantor baru", kind=choices.SiteKind.OPD_OFFICE, latitude=latitude, longitude=longitude)
    assert batch_errors(validate_instances([site]).get(0)) == full_clean_errors(site)


def test_check_constraint_comparing_two_fields(city):
    migration = MigrationFactory()
    day = datetime.date(2026, 3, 1)
    early = models.MigrationBlocker(
        migration=migration, category="capacity", opened_on=day, resolved_on=day.replace(day=2)
    )
    late = models.MigrationBlocker(
        migration=migration, category="capacity", opened_on=day, resolved_on=day.replace(month=2)
    )
    found = validate_instances([early, late])
    assert 0 not in found
    assert found[1].message_dict == {"resolved_on": ["A blocker cannot be resolved before it was opened."]}
    assert batch_errors(found[1]) == full_clean_errors(late)


def test_a_device_being_edited_does_not_clash_with_itself(city):
    device = models.Device.objects.get(name="taken")
    validate_instance(device)  # its own name and asset number are its own
    device.organization = city["organizations"][0]
    other = DeviceFactory(organization=city["organizations"][0], site=city["site"])
    other.name = "taken"
    with pytest.raises(ValidationError) as raised:
        validate_instance(other)
    assert raised.value.message_dict == {"name": ["This organization already has a device with this name."]}


def test_queries_do_not_grow_with_the_batch(city):
    """One query per unique rule, whatever the number of devices (and none for check constraints)."""

    def queries_for(n: int) -> int:
        devices = [
            models.Device(
                name=f"baru-{i}",
                organization=city["organizations"][i % 2],
                site=city["site"],
                kind="server",
                asset_number=f"BMD-{i}",
                rack=city["rack"],
                position=1 + i % 40,
            )
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as queries:
            assert validate_instances(devices, resolved=["organization", "site", "rack"]) == {}
        return len(queries)

    assert queries_for(10) == queries_for(300) == 2  # name in organization, asset number


def test_unresolved_foreign_keys_are_still_checked(city):
    device = models.Device(name="hantu", organization_id=987654, site=city["site"], kind="server")
    assert "organization" in validate_instances([device])[0].message_dict


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        (Q(a__isnull=True) | Q(b__gte=1), {"a": None, "b": None}, True),  # true OR unknown
        (Q(a__isnull=True) | Q(b__gte=1), {"a": 1, "b": None}, None),  # false OR unknown
        (Q(a__gte=1, b__lte=2), {"a": 0, "b": None}, False),  # false AND unknown
        (~Q(a=F("b")), {"a": 3, "b": 3}, False),
        (~Q(a=""), {"a": ""}, False),
        (Q(a=None), {"a": None}, True),  # Django reads a=None as IS NULL
        (Q(a__in=[1, 2]), {"a": 2}, True),
        (Q(a__site__name="x"), {"a": 1}, None),  # across a relation: the database decides
        (Q(a__iregex="x"), {"a": "x"}, None),  # a lookup it does not know
        (Q(a__lt=5), {"a": "text"}, None),  # a value of the wrong type
    ],
)
def test_condition_holds(condition, values, expected):
    def value_of(name):
        if name not in values:
            raise Unknown(name)
        return values[name]

    assert condition_holds(condition, value_of) is expected
