"""The import's cached field cleaning is Django's ``full_clean`` to the letter: same messages, same
values left on the instance, over many values (repeated ones too, where the cache answers)."""

import datetime
from decimal import Decimal

from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.core import validation
from infra.inventory.models import Device, Interface, IPAddress

TEXT = st.one_of(
    st.sampled_from(["", " ", "Dell", "Ubuntu 22.04", "a\x00b", "x" * 300, "2019", "-1", "aktif", "server"]),
    st.text(max_size=8),
)
NUMBER = st.one_of(st.sampled_from([0, 1, -1, 2019, 32767, 32768, 70000]), st.integers(), st.booleans(), TEXT)
DAY = st.one_of(st.dates(), st.none(), st.sampled_from(["2019-03-04", "4 Maret 2019", "31/12/2025"]))
ADDRESS = st.one_of(
    st.sampled_from(["127.0.0.1", "127.000.0.1", "::1", "::ffff:127.0.0.1", "1.2.3", "256.1.1.1", "", "fe80::1%1"]),
    st.ip_addresses().map(str),
    TEXT,
)
DEVICE = st.fixed_dictionaries(
    {
        "name": TEXT,
        "kind": st.one_of(st.sampled_from(["server", "virtual_machine", "switch", "nope"]), TEXT),
        "status": st.sampled_from(["active", "planned", "offline", "", "aktif"]),
        "vendor": TEXT,
        "serial": TEXT,
        "os": TEXT,
        "purchase_year": st.one_of(st.none(), NUMBER),
        "purchase_date": DAY,
        "warranty_end": DAY,
        "position": st.one_of(st.none(), NUMBER),
        "acquisition_value": st.one_of(st.none(), st.sampled_from([Decimal("1.0"), Decimal("1.00"), Decimal("-5")])),
        "description": TEXT,
    }
)
IP = st.fixed_dictionaries(
    {"address": ADDRESS, "prefix_length": st.one_of(st.none(), NUMBER), "probe": st.booleans(), "dns_name": TEXT}
)
# One cache for all examples: later examples meet values the earlier ones put in it.
CACHE = validation.CleanCache()


def outcome(model, values, exclude, cache):
    instance = model(**values)
    try:
        problems = validation.validate_preloaded(instance, exclude=exclude, cache=cache)
    except Exception as exc:  # a model's clean() may fail on a value left out: it fails alike
        problems = (type(exc), str(exc))
    state = {f.attname: (type(v := getattr(instance, f.attname)), v) for f in model._meta.concrete_fields}
    return problems, state


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_values=st.one_of(DEVICE.map(lambda v: (Device, v)), IP.map(lambda v: (IPAddress, v))), data=st.data())
def test_cached_cleaning_matches_full_clean(model_values, data):
    model, values = model_values
    exclude = data.draw(st.sets(st.sampled_from(sorted(values))))
    with translation.override("en"):
        for _ in range(2):  # the second time the cache holds every value that passed
            assert outcome(model, values, exclude, CACHE) == outcome(model, values, exclude, None)


def test_the_cache_answers_for_repeated_values_and_keeps_no_refused_one():
    cache = validation.CleanCache()
    for name in ("srv-01", "srv-01", ""):
        validation.validate_preloaded(Device(name=name, kind="server", status="active"), cache=cache)
    names = cache[Device._meta.get_field("name")]
    assert (str, "srv-01") in names and (str, "") not in names, "a refused value is cleaned again, for its message"
    assert validation.validate_preloaded(Device(name="", kind="server"), cache=cache) == [
        ("name", "This field cannot be blank.")
    ]


def test_only_fields_whose_clean_depends_on_the_value_alone_are_cached():
    assert validation._value_only_clean(Device._meta.get_field("name"))
    assert validation._value_only_clean(IPAddress._meta.get_field("address"))
    assert not validation._value_only_clean(Interface._meta.get_field("mac_address")), "its own clean()"
    assert datetime.datetime not in validation._CACHED_CLASSES and Decimal not in validation._CACHED_CLASSES


def test_values_that_never_repeat_stop_filling_the_cache():
    cache = validation.CleanCache()
    for i in range(validation.CACHE_VALUES_PER_FIELD + 500):
        validation.validate_preloaded(Device(name=f"srv-{i}", kind="server", status="active"), cache=cache)
    names = cache[Device._meta.get_field("name")]
    assert len(names) == validation.CACHE_VALUES_PER_FIELD
    assert cache[Device._meta.get_field("kind")] == {(str, "server"): "server"}, "a repeated value is still kept"


def test_fields_read_at_clean_time_are_not_cached():
    from django.core.validators import MaxValueValidator
    from django.db import models

    this_year = models.PositiveSmallIntegerField(validators=[MaxValueValidator(lambda: datetime.date.today().year)])
    fixed = models.PositiveSmallIntegerField(validators=[MaxValueValidator(2100)])
    chosen_later = models.CharField(max_length=10, choices=lambda: [("a", "A")])
    assert validation._value_only_clean(fixed)
    assert not validation._value_only_clean(this_year), "its limit is read at each call"
    assert not validation._value_only_clean(chosen_later), "its choices are read at each call"
