"""The filter panel of a list stays small and fast whatever the size of the tables it offers."""

import re

from django.urls import reverse

from infra.core import filtersets
from infra.inventory import models

from .test_query_counts import City


def _total(page: str) -> int:
    return int(re.search(r'data-testid="total">([\d.,]+)<', page).group(1).replace(".", "").replace(",", ""))


def test_small_tables_are_selects_with_the_chosen_ones_selected(client, admin_user):
    client.force_login(admin_user)
    city = City(admin_user)
    city.grow(5)
    site = models.Site.objects.get(name="Kantor 3")
    page = client.get(reverse("inventory:site_list") + f"?per_page=25&organization={city.organization.pk}").content
    page = page.decode()
    select = re.search(r'<select name="organization"[^>]*multiple[^>]*>(.*?)</select>', page, re.S).group(1)
    assert select.count("<option") == models.Organization.objects.count()
    assert f'<option value="{city.organization.pk}" selected>Diskominfo</option>' in select
    assert _total(page) == models.Site.objects.filter(organization=city.organization).count()
    assert f'<option value="{site.region_id}">Kecamatan 3</option>' in page


def test_large_tables_become_a_box_for_ids(client, admin_user, monkeypatch):
    client.force_login(admin_user)
    city = City(admin_user)
    city.grow(5)
    monkeypatch.setattr(filtersets, "PANEL_SELECT_LIMIT", 3)  # 5+ sites and OPDs are "many" here
    other = models.Site.objects.get(name="Kantor 2")
    device = models.Device.objects.get(name="srv-0001")
    models.Device.objects.filter(pk=device.pk).update(site=other)
    url = reverse("inventory:device_list") + f"?per_page=25&site={city.site.pk},{other.pk}"
    page = client.get(url).content.decode()
    assert '<select name="site"' not in page
    box = re.search(r'<input type="text" name="site"[^>]*>', page).group(0)
    assert f'value="{city.site.pk}, {other.pk}"' in box
    assert _total(page) == models.Device.objects.count()
    only_other = client.get(reverse("inventory:device_list") + f"?site={other.pk}").content.decode()
    assert _total(only_other) == 1 and "srv-0001" in only_other
    # The kinds and statuses are few whatever the city: they stay selects.
    assert '<select name="kind"' in page


def test_a_wrong_id_is_reported_not_ignored(client, admin_user, monkeypatch):
    client.force_login(admin_user)
    City(admin_user).grow(5)
    monkeypatch.setattr(filtersets, "PANEL_SELECT_LIMIT", 3)
    page = client.get(reverse("inventory:device_list") + "?site=abc").content.decode()
    assert _total(page) == 0
    assert "alert-warning" in page
