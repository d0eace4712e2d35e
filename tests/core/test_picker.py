"""Edit forms' pickers: a choice among thousands is a search box and a short select, not a page of
thousands of options; the search answers with the form's own choices for the user asking."""

import re

import pytest

from infra.core.widgets import ObjectPicker
from infra.inventory import choices
from infra.inventory import models as inv

from ..factories import DeviceFactory, IPAddressFactory, OrganizationFactory, SiteFactory

pytestmark = pytest.mark.django_db

THRESHOLD = ObjectPicker.threshold


def interfaces(n: int, device_name: str = "srv") -> list[inv.Interface]:
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    devices = inv.Device.objects.bulk_create(
        inv.Device(name=f"{device_name}-{i:04d}", organization=org, site=site, kind="server") for i in range(n // 2)
    )
    return inv.Interface.objects.bulk_create(inv.Interface(device=d, name=f"eth{k}") for d in devices for k in range(2))


def options(html: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of the options of the select named ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [
        (value, label.strip(), " selected" in attrs)
        for value, attrs, label in re.findall(r'<option value="([^"]*)"([^>]*)>(.*?)</option>', select, re.S)
    ]


def pick(client, form: str, field: str, **params):
    response = client.get(f"/pick/inventory.{form}/{field}/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content[:300]
    html = response.content.decode()
    found = re.findall(r'<option value="([^"]*)"( selected)?>(.*?)</option>', html)
    return [(value, label, bool(selected)) for value, selected, label in found], html


def test_a_few_choices_stay_a_plain_select(client, engineer):
    client.force_login(engineer)
    address = IPAddressFactory()
    html = client.get(f"/ip-addresses/{address.pk}/edit/").content.decode()
    assert "simpul-picker" not in html
    assert len(options(html, "interface")) == inv.Interface.objects.count() + 1  # and the empty choice


def test_hundreds_of_choices_become_a_search_the_chosen_one_and_a_start(client, engineer):
    client.force_login(engineer)
    chosen = interfaces(THRESHOLD + 50)[7]
    address = IPAddressFactory(interface=chosen)
    html = client.get(f"/ip-addresses/{address.pk}/edit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="simpul-picker"' in html
    assert 'hx-get="/pick/inventory.IPAddressForm/interface/"' in html
    offered = options(html, "interface")
    assert offered[:2] == [("", "---------", False), (str(chosen.pk), "srv-0003 eth1", True)]
    # then the first fifty others, in the list's order, as a start before any search
    start = [f"srv-{n // 2:04d} eth{n % 2}" for n in range(51) if n != 7]
    assert [label for _v, label, _s in offered[2:]] == start[:50]
    assert f"{inv.Interface.objects.count()} to choose from: search, then pick from the list." in html


def test_the_search_finds_by_every_word_with_the_chosen_first(client, engineer):
    client.force_login(engineer)
    made = interfaces(THRESHOLD + 50)
    chosen = made[0]
    found, _html = pick(client, "IPAddressForm", "interface", q="srv-001 eth1", interface=str(chosen.pk))
    assert found[0] == ("", "---------", False)
    assert found[1] == (str(chosen.pk), "srv-0000 eth0", True)
    labels = [label for _value, label, selected in found[2:]]
    assert labels == [f"srv-{n:04d} eth1" for n in range(10, 20)]


def test_the_search_says_when_more_match_than_it_shows(client, engineer):
    client.force_login(engineer)
    interfaces(THRESHOLD + 50)
    found, html = pick(client, "IPAddressForm", "interface", q="eth0")
    assert len(found) == 1 + 50  # the empty choice and the first fifty
    assert "More match than shown" in html
    _found, html = pick(client, "IPAddressForm", "interface", q="tidak-ada")
    assert "Nothing matches." in html


def test_the_search_offers_only_the_forms_own_choices(client, engineer):
    """A VM's host is a physical server: the picker for it never offers a VM or a switch."""
    client.force_login(engineer)
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    for name, kind in (("srv-a", "server"), ("vm-a", "virtual_machine"), ("sw-a", "switch")):
        DeviceFactory(name=name, organization=org, site=site, kind=kind)
    found, _html = pick(client, "DeviceForm", "host", q="a")
    assert [label for _v, label, _s in found[1:]] == ["srv-a"]


def test_an_operator_is_offered_only_their_own_opd(client, operator, organization):
    client.force_login(operator)
    OrganizationFactory(short_name="DINAS-LAIN")
    found, _html = pick(client, "DeviceForm", "organization")
    assert [value for value, _label, _s in found if value] == [str(organization.pk)]


def test_a_many_choice_picker_keeps_every_chosen_server(client, engineer):
    client.force_login(engineer)
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    servers = inv.Device.objects.bulk_create(
        inv.Device(name=f"srv-app-{i:04d}", organization=org, site=site, kind=choices.DeviceKind.SERVER)
        for i in range(THRESHOLD + 10)
    )
    found, _html = pick(client, "ApplicationForm", "devices", q="srv-app-0200", devices=[servers[3].pk, servers[9].pk])
    assert [(label, selected) for _v, label, selected in found] == [
        ("srv-app-0003", True),
        ("srv-app-0009", True),
        ("srv-app-0200", False),
    ]


def test_unknown_forms_and_fields_are_404(client, engineer):
    client.force_login(engineer)
    assert client.get("/pick/inventory.NoSuchForm/interface/").status_code == 404
    assert client.get("/pick/inventory.IPAddressForm/no_such_field/").status_code == 404
    assert client.get("/pick/inventory.IPAddressForm/dns_name/").status_code == 404


def test_a_stranger_is_sent_to_sign_in(client):
    response = client.get("/pick/inventory.IPAddressForm/interface/", {"q": "srv"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_fields_that_need_an_object_and_odd_ids_are_not_server_errors(client, engineer):
    client.force_login(engineer)
    # A device's primary address is chosen among its own: no picker without the device.
    assert client.get("/pick/inventory.DeviceForm/primary_ip/").status_code == 404
    interfaces(THRESHOLD + 10)
    found, _html = pick(client, "IPAddressForm", "interface", q="srv", interface=["²", "9" * 30, "-1", "abc"])
    assert found[0] == ("", "---------", False) and not any(selected for _v, _l, selected in found)


def test_a_bulk_action_ignores_ids_that_are_not_numbers(client, engineer):
    """ "²" passes str.isdigit() but names no row: a selection of only such values is empty, not a 500."""
    client.force_login(engineer)
    response = client.post("/devices/bulk-delete/", {"pk": ["²", "9" * 30]})
    assert response.status_code == 404
