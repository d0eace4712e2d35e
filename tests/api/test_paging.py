"""API pages: an exact ``count`` below the cap and ``null`` past it, and keyset pages (``?after_id=``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infra.core import changelog, paging
from infra.core.choices import ChangeAction
from infra.core.models import ObjectChange
from infra.inventory import models as inv

from ..factories import OrganizationFactory, SiteFactory
from .endpoints import url

pytestmark = pytest.mark.django_db


def _servers(n: int, prefix: str = "srv") -> list[inv.Device]:
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    return inv.Device.objects.bulk_create(
        inv.Device(name=f"{prefix}-{i:03d}", organization=org, site=site, kind="server") for i in range(n)
    )


def _walk(api, path: str, **params) -> tuple[list[int], list[dict]]:
    """Every id of a list, following ``next`` from the first page; and the pages."""
    ids, pages = [], []
    response = api.get(path, params)
    while True:
        assert response.status_code == 200, response.content[:300]
        page = response.json()
        pages.append(page)
        ids += [row["id"] for row in page["results"]]
        if not page["next"]:
            return ids, pages
        response = api.get(page["next"])


def test_a_short_list_is_counted(api):
    _servers(12)
    page = api.get(url("devices"), {"limit": 5, "offset": 5}).json()
    assert page["count"] == 12 and len(page["results"]) == 5
    assert "offset=10" in page["next"] and page["previous"]
    assert api.get(url("devices"), {"limit": 5, "offset": 10}).json()["next"] is None


def test_a_list_longer_than_the_cap_has_no_count_but_a_next_page(api, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    servers = _servers(23)
    first = api.get(url("devices"), {"limit": 10, "ordering": "id"}).json()
    assert first["count"] is None and first["next"] and first["previous"] is None
    ids, pages = _walk(api, url("devices"), limit=10, ordering="id")
    assert ids == [s.pk for s in servers]
    assert [len(p["results"]) for p in pages] == [10, 10, 3]
    assert pages[-1]["next"] is None
    # Exactly the cap: still counted.
    assert api.get(url("devices"), {"limit": 5, "name__istartswith": "srv-00"}).json()["count"] == 10
    # An offset no database can skip to is past the end, not a server error.
    past = api.get(url("devices"), {"offset": "99999999999999999999999"})
    assert past.status_code == 200 and past.json()["results"] == [] and past.json()["next"] is None


def test_keyset_pages_walk_a_list_by_id(api):
    servers = _servers(23)
    ids, pages = _walk(api, url("devices"), limit=10, after_id=0, ordering="-name", offset=7)
    assert ids == sorted(s.pk for s in servers)  # by id, whatever the ordering and offset asked
    assert [len(p["results"]) for p in pages] == [10, 10, 3]
    assert all(p["count"] is None and p["previous"] is None for p in pages)
    assert f"after_id={ids[9]}" in pages[0]["next"] and "limit=10" in pages[0]["next"]
    middle = api.get(url("devices"), {"after_id": ids[4], "limit": 3}).json()
    assert [r["id"] for r in middle["results"]] == ids[5:8]
    filtered = api.get(url("devices"), {"after_id": 0, "name__iendswith": "7", "brief": 1}).json()
    assert [r["display"] for r in filtered["results"]] == ["srv-007", "srv-017"]
    assert api.get(url("devices"), {"after_id": ids[-1]}).json() == {
        "count": None,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.parametrize("value", ["²", "-1", "abc", "", "1.5", "99999999999999999999999"])
def test_an_after_id_that_is_no_id_is_refused(api, value):
    _servers(2)
    response = api.get(url("devices"), {"after_id": value}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"after_id": ["Give 0 or an object id."]}


def test_the_change_log_reads_as_a_feed(api):
    changelog.record_bulk((d, ChangeAction.CREATE, None, changelog.serialize(d)) for d in _servers(30))
    last_seen = ObjectChange.objects.order_by("id").values_list("id", flat=True)[9]
    ids, _pages = _walk(api, url("changes"), after_id=last_seen, limit=8)
    assert ids == list(ObjectChange.objects.filter(id__gt=last_seen).order_by("id").values_list("id", flat=True))
    newest_first = api.get(url("changes"), {"limit": 5}).json()
    # All of the log but the users' records, which an engineer does not read.
    assert newest_first["count"] == ObjectChange.objects.exclude(content_type__model="user").count()


def test_an_objects_history_and_an_as_of_list_take_keyset_pages(api):
    device = _servers(1)[0]
    interfaces = inv.Interface.objects.bulk_create(inv.Interface(device=device, name=f"eth{i}") for i in range(7))
    changelog.record_bulk((i, ChangeAction.CREATE, None, changelog.serialize(i)) for i in interfaces)
    ids, _pages = _walk(api, url("devices", device.pk, "history"), after_id=0, limit=3)
    assert ids == sorted(ObjectChange.objects.for_object(device).values_list("id", flat=True))
    devices = _servers(5, "old")
    changelog.record_bulk((d, ChangeAction.CREATE, None, changelog.serialize(d)) for d in devices)
    moment = ObjectChange.objects.latest("id").time.isoformat()
    ids, pages = _walk(api, url("devices"), as_of=moment, after_id=devices[0].pk, limit=2)
    assert ids == [d.pk for d in devices[1:]] and len(pages) == 2


def test_a_keyset_page_skips_the_count(api):
    _servers(30)
    api.get(url("devices"), {"limit": 1})  # the token's last-used stamp, once

    def count_queries(**params) -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url("devices"), params).status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    offset, keyset = count_queries(limit=10, offset=20), count_queries(limit=10, after_id=0)
    assert len(keyset) == len(offset) - 1
    assert not any("COUNT(" in sql.upper() for sql in keyset)


def test_the_schema_documents_keyset_pages_and_a_nullable_count(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/devices/"]["get"]
    assert "after_id" in {p["name"] for p in operation["parameters"]}
    history = schema["paths"]["/api/devices/{id}/history/"]["get"]
    assert "after_id" in {p["name"] for p in history["parameters"]}
    changes = schema["paths"]["/api/changes/"]["get"]
    assert "after_id" in {p["name"] for p in changes["parameters"]}
    page = schema["components"]["schemas"]["PaginatedObjectChangeList"]
    assert page["properties"]["count"]["nullable"] is True


def test_the_browsable_api_pages_a_list_it_did_not_count(api, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    _servers(23)
    for params in ({"limit": 10, "offset": 10}, {"limit": 10, "after_id": 0}):
        response = api.get(url("devices"), params, HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        assert 'class="pagination"' in response.content.decode()


def test_the_change_log_is_ordered_as_its_index_reads(api):
    """A NOT NULL column is ordered without NULLS LAST: PostgreSQL then reads the newest changes off
    the time index instead of sorting the whole log for each page."""
    changelog.record_bulk((d, ChangeAction.CREATE, None, changelog.serialize(d)) for d in _servers(3))
    with CaptureQueriesContext(connection) as ctx:
        page = api.get(url("changes"), {"limit": 2}).json()
    rows = [q["sql"] for q in ctx.captured_queries if '"core_objectchange"."object_repr"' in q["sql"]]
    assert rows and "NULLS LAST" not in rows[0].upper()
    times = [c["time"] for c in page["results"]]
    assert times == sorted(times, reverse=True)
    # A column that may be empty still puts the empty values last, both ways.
    inv.Device.objects.filter(name="srv-001").update(purchase_year=2020)
    for ordering in ("purchase_year", "-purchase_year"):
        names = [d["display"] for d in api.get(url("devices"), {"ordering": ordering, "brief": 1}).json()["results"]]
        assert names[0] == "srv-001", ordering
    filtered = CaptureQueriesContext(connection)
    with filtered:
        assert api.get(url("changes"), {"limit": 2, "action": ["create", "update"], "source": "api"}).status_code == 200
    assert not any("DISTINCT" in q["sql"].upper() for q in filtered.captured_queries)
