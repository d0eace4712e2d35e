"""List filters are the web lists' filter sets: lookups, repeated values, q, ordering, pages, brief."""

import datetime
from decimal import Decimal

import pytest

from infra.inventory import choices
from infra.inventory.models import Device

from ..factories import (
    DeviceFactory,
    FiberLinkFactory,
    MigrationFactory,
    OrganizationFactory,
    RackFactory,
    SiteFactory,
)
from .endpoints import ENDPOINTS, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet(db):
    """Five devices of two OPDs, different enough to tell every lookup apart."""
    a, b = OrganizationFactory(short_name="Disdukcapil"), OrganizationFactory(short_name="Dinkes")
    site_a, site_b = SiteFactory(organization=a), SiteFactory(organization=b)
    rack = RackFactory(site=site_a)
    return {
        "a": a,
        "b": b,
        "srv-kependudukan": DeviceFactory(
            name="srv-kependudukan",
            organization=a,
            site=site_a,
            rack=rack,
            position=10,
            purchase_year=2015,
            warranty_end=datetime.date(2020, 6, 30),
            vendor="Dell",
            status="active",
            serial="SN-DELL-01",
        ),
        "srv-siak": DeviceFactory(
            name="srv-siak",
            organization=a,
            site=site_a,
            purchase_year=2019,
            warranty_end=datetime.date(2024, 1, 15),
            vendor="HPE",
            status="offline",
        ),
        "sw-core": DeviceFactory(
            name="sw-core",
            organization=a,
            site=site_a,
            kind="switch",
            purchase_year=2021,
            vendor="Cisco",
            status="active",
        ),
        "srv-simrs": DeviceFactory(
            name="srv-simrs",
            organization=b,
            site=site_b,
            purchase_year=2023,
            warranty_end=datetime.date(2028, 12, 31),
            vendor="Lenovo",
            status="planned",
        ),
        "srv-lama": DeviceFactory(name="SRV-LAMA", organization=b, site=site_b, vendor="IBM", status="decommissioned"),
    }


def names(api, **params) -> list[str]:
    response = api.get(url("devices"), params)
    assert response.status_code == 200, response.json()
    return sorted(d["name"] for d in response.json()["results"])


def test_exact_and_related(api, fleet):
    assert names(api, name="srv-siak") == ["srv-siak"]
    assert names(api, name="SRV-SIAK") == []
    assert names(api, name__iexact="SRV-SIAK") == ["srv-siak"]
    assert names(api, organization=fleet["b"].pk) == ["SRV-LAMA", "srv-simrs"]
    assert names(api, kind="switch") == ["sw-core"]


def test_repeated_parameters_match_any(api, fleet):
    response = api.get(url("devices") + "?status=offline&status=planned")
    assert sorted(d["name"] for d in response.json()["results"]) == ["srv-siak", "srv-simrs"]
    response = api.get(url("devices") + f"?organization={fleet['a'].pk}&organization={fleet['b'].pk}")
    assert response.json()["count"] == 5
    assert names(api, vendor__in="Dell,HPE") == ["srv-kependudukan", "srv-siak"]


def test_text_lookups(api, fleet):
    assert names(api, name__icontains="SIAK") == ["srv-siak"]
    assert names(api, name__istartswith="sw-") == ["sw-core"]
    assert names(api, name__iendswith="RS") == ["srv-simrs"]


def test_ranges_on_numbers(api, fleet):
    assert names(api, purchase_year__gte=2019) == ["srv-siak", "srv-simrs", "sw-core"]
    assert names(api, purchase_year__lte=2019) == ["srv-kependudukan", "srv-siak"]
    assert names(api, purchase_year__gt=2015, purchase_year__lt=2023) == ["srv-siak", "sw-core"]
    assert names(api, purchase_year__in="2015,2023") == ["srv-kependudukan", "srv-simrs"]


def test_ranges_on_dates(api, fleet):
    assert names(api, warranty_end__lte="2024-01-15") == ["srv-kependudukan", "srv-siak"]
    assert names(api, warranty_end__gte="2024-01-16") == ["srv-simrs"]


def test_ranges_on_decimals(api):
    FiberLinkFactory(code="FO-1", length_km=Decimal("0.800"))
    FiberLinkFactory(code="FO-2", length_km=Decimal("4.250"))
    FiberLinkFactory(code="FO-3", length_km=Decimal("12.000"))
    response = api.get(url("fiber-links"), {"length_km__gte": "0.8", "length_km__lt": "12"})
    assert [link["code"] for link in response.json()["results"]] == ["FO-1", "FO-2"]


def test_isnull(api, fleet):
    assert names(api, warranty_end__isnull="true") == ["SRV-LAMA", "sw-core"]
    assert names(api, position__isnull="false") == ["srv-kependudukan"]
    assert names(api, purchase_year__isnull="true") == ["SRV-LAMA"]


def test_q_searches_the_search_fields(api, fleet):
    assert names(api, q="dell") == ["srv-kependudukan"]  # vendor, serial
    assert names(api, q="  simrs ") == ["srv-simrs"]
    assert names(api, q="tidak-ada") == []


def test_filters_combine(api, fleet):
    assert names(api, organization=fleet["a"].pk, kind="server", purchase_year__gte=2016) == ["srv-siak"]


def test_migration_filters_reach_through_the_device(api, fleet):
    MigrationFactory(device=fleet["srv-siak"])
    MigrationFactory(device=fleet["srv-simrs"])
    response = api.get(url("migrations"), {"organization": fleet["a"].pk})
    assert [m["display"] for m in response.json()["results"]] == ["srv-siak"]
    assert names(api, migration_state="inventoried") == ["srv-siak", "srv-simrs"]


def test_a_bad_filter_value_is_a_400_naming_the_filter(api, fleet):
    response = api.get(url("devices"), {"purchase_year__gte": "baru"})
    assert response.status_code == 400
    assert list(response.json()) == ["purchase_year__gte"]
    response = api.get(url("devices"), {"status": "rusak"})
    assert response.status_code == 400 and list(response.json()) == ["status"]


def test_ordering(api, fleet):
    response = api.get(url("devices"), {"ordering": "-purchase_year,name"})
    ordered = [d["name"] for d in response.json()["results"]]
    assert ordered[:4] == ["srv-simrs", "sw-core", "srv-siak", "srv-kependudukan"]
    response = api.get(url("devices"), {"ordering": "name"})
    # Text is ordered by the database's collation (case-insensitive on PostgreSQL, binary on SQLite).
    expected = list(Device.objects.order_by("name", "pk").values_list("name", flat=True))
    assert [d["name"] for d in response.json()["results"]] == expected


def test_the_default_order_is_by_id(api, fleet):
    ids = [d["id"] for d in api.get(url("devices")).json()["results"]]
    assert ids == sorted(ids)


def test_limit_and_offset(api, fleet):
    page = api.get(url("devices"), {"limit": 2, "offset": 1, "ordering": "id"}).json()
    ids = sorted(Device.objects.values_list("id", flat=True))
    assert page["count"] == 5
    assert [d["id"] for d in page["results"]] == ids[1:3]
    assert "offset=3" in page["next"] and "limit=2" in page["next"]
    assert page["previous"] is not None


def test_the_page_size_is_at_most_1000(api):
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    Device.objects.bulk_create(
        Device(name=f"vm-{i:04d}", organization=org, site=site, kind=choices.DeviceKind.VIRTUAL_MACHINE)
        for i in range(1005)
    )
    assert len(api.get(url("devices")).json()["results"]) == 50  # the default page
    body = api.get(url("devices"), {"limit": 5000, "brief": 1}).json()
    assert body["count"] == 1005
    assert len(body["results"]) == 1000
    assert "offset=1000" in body["next"]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_brief_lists_give_id_url_and_display(api, endpoint):
    obj = endpoint.make()
    for value in ("1", "true"):
        body = api.get(url(endpoint.prefix), {"brief": value}).json()
        item = next(i for i in body["results"] if i["id"] == obj.pk)
        assert item == {"id": obj.pk, "url": f"http://testserver{url(endpoint.prefix, obj.pk)}", "display": str(obj)}
    full = api.get(url(endpoint.prefix), {"brief": "0"}).json()["results"]
    assert len(full[0]) > 3


def test_brief_keeps_the_filters(api, fleet):
    body = api.get(url("devices"), {"brief": 1, "vendor": "HPE"}).json()
    assert [d["display"] for d in body["results"]] == ["srv-siak"]


def test_related_objects_are_brief_in_full_lists(api, fleet):
    item = api.get(url("devices", fleet["srv-kependudukan"].pk)).json()
    assert item["organization"] == {
        "id": fleet["a"].pk,
        "url": f"http://testserver/api/organizations/{fleet['a'].pk}/",
        "display": "Disdukcapil",
    }
    assert set(item["rack"]) == {"id", "url", "display"}


@pytest.mark.parametrize(
    "query",
    [
        {"created_after": "2126-06-25T20:56:12+16:00"},
        {"as_of": "0541-07-16T13:30:43.9+18:32"},
        {"last_updated_before": "1671-11-04T02:52:47.4Z"},
    ],
)
def test_far_offsets_and_years_are_answered_not_crashed(api, fleet, query):
    response = api.get(url("devices"), query)
    # A far past as_of is before the history starts: a 400 that says so.
    assert response.status_code == (400 if "as_of" in query else 200)


def test_an_address_filter_wants_an_address(api, fleet):
    response = api.get(url("ip-addresses"), {"address": "servers"})
    assert response.status_code == 400
    assert "address" in response.json()
    response = api.get(url("ip-addresses"), {"address__in": "127.0.0.1,servers"})
    assert response.status_code == 400
    assert api.get(url("ip-addresses"), {"address__icontains": "servers"}).status_code == 200
