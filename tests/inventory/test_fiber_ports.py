"""A fiber link names the switch ports it ends on (interface_a, interface_b): in the form (a port of a
device at that end's site), on its page, in the API and in the spreadsheet (port_a, port_b)."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from infra.inventory import spreadsheets
from infra.inventory.models import FiberLink

from ..api.conftest import token_client
from ..factories import DeviceFactory, FiberLinkFactory, InterfaceFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ends():
    site_a, site_b = SiteFactory(name="Pusat Data"), SiteFactory(name="Kantor Camat")
    core = InterfaceFactory(device=DeviceFactory(name="sw-core", site=site_a), name="ge-0/0/1")
    access = InterfaceFactory(device=DeviceFactory(name="sw-camat", site=site_b), name="ge-0/0/24")
    elsewhere = InterfaceFactory(device=DeviceFactory(name="sw-lain"), name="ge-0/0/2")
    link = FiberLinkFactory(code="FO-PD-01", site_a=site_a, site_b=site_b)
    return {"a": site_a, "b": site_b, "core": core, "access": access, "elsewhere": elsewhere, "link": link}


def _form(client, url: str) -> dict:
    page = client.get(url).content.decode()
    data = {
        name: unescape(value) for name, value in re.findall(r'<input type="[^"]+" name="([^"]+)" value="([^"]*)"', page)
    }
    for name in re.findall(r'<select name="([^"]+)"', page):
        chosen = re.search(rf'(?s)<select name="{name}".*?<option value="([^"]*)"[^>]* selected', page)
        data[name] = chosen.group(1) if chosen else ""
    return data


def test_the_form_offers_the_ports_of_each_ends_site(client, engineer, ends):
    client.force_login(engineer)
    page = client.get(reverse("inventory:fiberlink_edit", args=[ends["link"].pk])).content.decode()
    choice_a = re.search(r'(?s)<select name="interface_a".*?</select>', page).group(0)
    choice_b = re.search(r'(?s)<select name="interface_b".*?</select>', page).group(0)
    assert "sw-core ge-0/0/1" in choice_a and "sw-camat" not in choice_a and "sw-lain" not in choice_a
    assert "sw-camat ge-0/0/24" in choice_b and "sw-core" not in choice_b


def test_the_ports_are_saved_and_shown(client, engineer, ends):
    client.force_login(engineer)
    url = reverse("inventory:fiberlink_edit", args=[ends["link"].pk])
    data = {**_form(client, url), "interface_a": ends["core"].pk, "interface_b": ends["access"].pk}
    assert client.post(url, data).status_code == 302
    link = FiberLink.objects.get(pk=ends["link"].pk)
    assert (link.interface_a, link.interface_b) == (ends["core"], ends["access"])
    page = client.get(reverse("inventory:fiberlink", args=[link.pk])).content.decode()
    assert re.search(r'(?s)data-testid="interface-a">.*?sw-core</a> <a [^>]*>ge-0/0/1<', page)
    assert re.search(r'(?s)data-testid="interface-b">.*?sw-camat</a> <a [^>]*>ge-0/0/24<', page)


def test_a_port_at_another_site_is_refused(client, engineer, ends):
    client.force_login(engineer)
    url = reverse("inventory:fiberlink_edit", args=[ends["link"].pk])
    data = {**_form(client, url), "interface_a": ends["elsewhere"].pk}
    response = client.post(url, data)
    assert response.status_code == 400
    assert re.search(r'data-field-error="interface_a">[^<]+<', response.content.decode())
    assert FiberLink.objects.get(pk=ends["link"].pk).interface_a is None


def test_moving_an_end_offers_the_new_sites_ports(client, engineer, ends):
    """The choices follow the site sent with the form, so a port of the new site is taken at once."""
    client.force_login(engineer)
    url = reverse("inventory:fiberlink_edit", args=[ends["link"].pk])
    other_site = ends["elsewhere"].device.site
    data = {**_form(client, url), "site_a": other_site.pk, "interface_a": ends["elsewhere"].pk}
    assert client.post(url, data).status_code == 302
    assert FiberLink.objects.get(pk=ends["link"].pk).interface_a == ends["elsewhere"]


def test_the_api_reads_writes_and_checks_the_ports(engineer, ends):
    api = token_client(engineer)
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/api/fiber-links/{ends['link'].pk}/"
    response = api.patch(url, {"interface_a": ends["core"].pk, "interface_b": ends["access"].pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["interface_a"]["display"] == "ge-0/0/1"
    response = api.patch(url, {"interface_b": ends["elsewhere"].pk}, format="json")
    assert response.status_code == 400
    assert response.json()["interface_b"] == ["This interface's device is not at the link's site B."]
    found = api.get(f"/api/fiber-links/?device={ends['core'].device_id}").json()["results"]
    assert [link["code"] for link in found] == ["FO-PD-01"]
    assert api.get(f"/api/fiber-links/?device={ends['elsewhere'].device_id}").json()["count"] == 0


def _export() -> list[dict]:
    out = io.StringIO()
    spreadsheets.export("fiberlinks", out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_the_spreadsheet_names_the_ports(ends, tmp_path):
    FiberLink.objects.filter(pk=ends["link"].pk).update(interface_a=ends["core"])
    rows = _export()
    assert (rows[0]["port_a"], rows[0]["port_b"]) == ("sw-core ge-0/0/1", "")
    rows[0]["port_a"], rows[0]["port_b"] = "", "sw-camat:GE-0/0/24"  # either separator, any case
    path = tmp_path / "fo.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = spreadsheets.import_file("fiberlinks", path)
    assert result.updated == 1
    link = FiberLink.objects.get(pk=ends["link"].pk)
    assert (link.interface_a, link.interface_b) == (None, ends["access"])


def test_the_spreadsheet_refuses_a_port_not_at_the_ends_site(ends, tmp_path):
    path = tmp_path / "fo.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        f.write("kode,lokasi_a,port_a\nFO-PD-01,Pusat Data,sw-camat ge-0/0/24\n")
    with translation.override("en"), pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("fiberlinks", path)
    assert [str(e) for e in failure.value.errors] == [
        "Row 2, column port_a: No port named “sw-camat ge-0/0/24” exists."
    ]
    assert FiberLink.objects.get(pk=ends["link"].pk).interface_a is None
