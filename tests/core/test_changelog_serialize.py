"""The change log's quick serialization is the field-by-field one to the letter, whatever the values."""

import datetime
from decimal import Decimal

from django.utils.safestring import SafeString
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.core import changelog
from infra.inventory.models import Device, Interface, IPAddress

ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.sampled_from(["", "2019", "1.50", "true", "2024-02-29", SafeString("<b>x</b>"), Decimal("2.500"), 3.0]),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, datetime.UTC, datetime.timezone(datetime.timedelta(hours=7))])),
)


def reference(instance):
    """The serialization as the change log wrote it before: every field through ``_field_json``."""
    model = type(instance)
    data = {f.attname: changelog._field_json(f, f.value_from_object(instance)) for f in changelog._logged_fields(model)}
    return changelog._redact(model, data, instance.pk)


def outcome(serialize, instance):
    try:
        data = serialize(instance)
    except Exception as exc:  # a value no field takes fails alike both ways
        return type(exc), str(exc)
    return data, [(k, type(v)) for k, v in data.items()]


@settings(max_examples=300, deadline=None)
@given(model=st.sampled_from([Device, Interface, IPAddress]), data=st.data())
def test_serialize_matches_the_field_by_field_serialization(model, data):
    instance = model()
    for f in changelog._logged_fields(model):
        if data.draw(st.booleans()):
            setattr(instance, f.attname, data.draw(ANY))
    assert outcome(changelog.serialize, instance) == outcome(reference, instance)
    if not model._meta.many_to_many:
        many = outcome(lambda i: changelog.serialize_many(model, [i])[0], instance)
        assert many == outcome(reference, instance)
