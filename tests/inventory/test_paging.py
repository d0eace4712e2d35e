"""List pages: numbers in the query string that are not numbers, and pages without a full count."""

import re

import pytest
from django.urls import reverse

from infra.core import changelog, paging
from infra.core.choices import ChangeAction
from infra.inventory import models
from infra.inventory.urls import PAGES

from ..factories import DeviceFactory, MigrationFactory, MigrationWaveFactory

# A superscript two: str.isdigit() says yes, int() says no. Then a number no database column holds.
NOT_NUMBERS = ["²", "٣", "99999999999999999999999", "-1", "0", "abc", ""]


@pytest.mark.parametrize("pages", PAGES, ids=lambda p: p.slug)
def test_a_page_size_that_is_not_a_number_is_ignored(client, admin_user, pages):
    client.force_login(admin_user)
    url = reverse(f"inventory:{pages.queryset.model._meta.model_name}_list")
    for value in NOT_NUMBERS:
        response = client.get(url, {"per_page": value})
        assert response.status_code == 200, (url, value)
        assert response.context["per_page"] == 50


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_page_number_that_is_not_a_number_gives_a_page(client, admin_user, value):
    client.force_login(admin_user)
    DeviceFactory()
    response = client.get(reverse("inventory:device_list"), {"page": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_progress_filters_that_are_not_ids_are_ignored(client, admin_user, value):
    client.force_login(admin_user)
    wave = MigrationWaveFactory()
    MigrationFactory(wave=wave)
    for params in ({"wave": value}, {"organization": value}, {"organization": [value, "7"]}):
        response = client.get(reverse("inventory:migration_progress"), params)
        assert response.status_code == 200, params
        assert response.context["selected_wave"] is None


def test_progress_filters_by_a_wave_and_organizations(client, admin_user):
    client.force_login(admin_user)
    migration = MigrationFactory(wave=MigrationWaveFactory())
    org = migration.device.organization_id
    response = client.get(
        reverse("inventory:migration_progress"), {"wave": str(migration.wave_id), "organization": [str(org), "²"]}
    )
    assert response.status_code == 200
    assert response.context["selected_wave"] == migration.wave_id
    assert response.context["selected_organizations"] == [org]
    assert models.Migration.objects.filter(wave=migration.wave_id).exists()


def _regions(n: int) -> None:
    models.Region.objects.bulk_create(
        models.Region(name=f"Kecamatan {i:03d}", kind="district", code=f"99.{i:03d}") for i in range(n)
    )


def _page(client, **params) -> tuple[object, str]:
    response = client.get(reverse("inventory:region_list"), {"per_page": 25, **params}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.context["table"], response.content.decode()


def _texts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="(total|rows-shown)">([^<]*)<', html))


def test_a_short_list_shows_its_total_and_its_last_page(client, admin_user):
    client.force_login(admin_user)
    _regions(60)
    table, html = _page(client, page=2)
    assert not table.paginator.total_unknown
    assert _texts(html) == {"total": "60", "rows-shown": "26–50 of 60"}
    assert "Page 2 of 3" in html and 'data-testid="last-page"' in html and 'data-testid="first-page"' in html
    assert len(table.page.object_list) == 25
    table, html = _page(client, page=3)
    assert len(table.page.object_list) == 10 and not table.page.has_next() and "last-page" not in html
    table, html = _page(client, page=99)  # past the end: the last page
    assert table.page.number == 3


def test_a_list_longer_than_the_cap_is_not_counted_to_its_end(client, admin_user, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 30)
    client.force_login(admin_user)
    _regions(60)
    table, html = _page(client)
    assert table.paginator.total_unknown
    assert _texts(html) == {"total": "more than 30", "rows-shown": "1–25 of more than 30"}
    assert "Page 1<" in html and "last-page" not in html and table.page.has_next()
    names = [r.record.name for r in table.page.object_list]
    assert names == [f"Kecamatan {i:03d}" for i in range(25)]
    table, html = _page(client, page=3)  # rows 51-60: read, not counted; no next page
    assert [r.record.name for r in table.page.object_list][-1] == "Kecamatan 059"
    assert not table.page.has_next() and table.page.has_previous()
    assert _texts(html)["rows-shown"] == "51–60 of more than 30"
    table, _html = _page(client, page=4)  # past the end: the last page known to exist
    assert table.page.number == 2 and table.page.has_next()
    for value in ("99999999999999999999999", str(2**62)):
        assert _page(client, page=value)[0].page.number in (1, 2)


def test_a_list_longer_than_the_cap_in_indonesian(client, admin_user, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 30)
    client.force_login(admin_user)
    _regions(60)
    html = client.get(reverse("inventory:region_list"), {"per_page": 25}, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert _texts(html) == {"total": "lebih dari 30", "rows-shown": "1–25 dari lebih dari 30"}
    assert "Halaman 1<" in html and "Pertama" not in html and "Berikutnya" in html


def test_the_count_stops_at_the_cap(db):
    _regions(40)
    rows = models.Region.objects.all()
    assert paging.capped_count(rows, 30) == 31
    assert paging.capped_count(rows, 100) == 40
    assert paging.capped_count(rows.filter(name__endswith="7"), 3) == 4
    assert paging.capped_count(list(range(40)), 30) == 40  # a list in memory is counted exactly


def test_a_history_tab_longer_than_the_cap(client, admin_user, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 60)
    client.force_login(admin_user)
    device = DeviceFactory()
    changelog.record_bulk((device, ChangeAction.UPDATE, {"n": i}, {"n": i + 1}) for i in range(120))
    url = reverse("inventory:device_history", args=[device.pk])
    first = client.get(url)
    assert first.context["page"].paginator.total_unknown and first.context["page"].has_next()
    assert "1 / " not in first.content.decode()
    last = client.get(url, {"page": 3})
    assert len(last.context["page"]) >= 20 and not last.context["page"].has_next()
    assert client.get(url, {"page": "²"}).context["page"].number == 1
