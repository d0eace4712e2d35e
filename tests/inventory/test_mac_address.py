"""MAC addresses (issue 9): the usual notations accepted and stored as aa:bb:cc:dd:ee:ff by every
door; anything else refused with a message that shows the accepted forms; stored values migrated."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from infra.core.models import ObjectChange
from infra.core.models.fields import canonical_mac
from infra.core.validation import validate_instance
from infra.inventory import forms
from infra.inventory.models import Interface

from ..api.conftest import token_client
from ..api.endpoints import url
from ..core.test_limits import form_data
from ..factories import DeviceFactory, InterfaceFactory

REFUSED = (
    "Enter a MAC address of 12 hexadecimal digits, such as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF or aabb.ccdd.eeff."
)


@pytest.mark.parametrize(
    "given",
    [
        "aa:bb:cc:dd:ee:0f",
        "AA:BB:CC:DD:EE:0F",
        "aa-bb-cc-dd-ee-0f",
        "AABB.CCDD.EE0F",
        "aabbccddee0f",
        " AA-BB-CC-DD-EE-0F ",
    ],
)
def test_the_usual_notations_are_one_stored_form(given):
    assert canonical_mac(given) == "aa:bb:cc:dd:ee:0f"


@pytest.mark.parametrize(
    "given", ["zz:zz", "zz:zz:zz:zz:zz:zz", "aa:bb:cc:dd:ee", "aa:bb-cc:dd:ee:ff", "aabbccddeeff00", "a:b:c:d:e:f", "-"]
)
def test_anything_else_is_refused_by_model_validation(db, given):
    interface = InterfaceFactory.build(device=DeviceFactory(), mac_address=given)
    with pytest.raises(ValidationError) as refused:
        validate_instance(interface, resolved=["device"])
    assert refused.value.message_dict == {"mac_address": [REFUSED]}
    with pytest.raises(ValidationError):
        interface.full_clean()


def test_the_api_refuses_zz_zz_and_stores_the_canonical_form(engineer):
    api = token_client(engineer)
    device = DeviceFactory()
    body = {"device": device.pk, "name": "eth0", "mac_address": "zz:zz"}
    response = api.post(url("interfaces"), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"mac_address": [REFUSED]}
    assert not Interface.objects.exists()

    response = api.post(url("interfaces"), {**body, "mac_address": "AA-BB-CC-DD-EE-FF"}, format="json")
    assert response.status_code == 201
    assert response.json()["mac_address"] == "aa:bb:cc:dd:ee:ff"
    interface = Interface.objects.get()
    assert interface.mac_address == "aa:bb:cc:dd:ee:ff"
    assert ObjectChange.objects.filter(object_id=interface.pk).first().after["mac_address"] == "aa:bb:cc:dd:ee:ff"

    response = api.patch(url("interfaces", interface.pk), {"mac_address": "0011.2233.4455"}, format="json")
    assert response.status_code == 200
    assert Interface.objects.get().mac_address == "00:11:22:33:44:55"

    items = [{"device": device.pk, "name": f"eth{n}", "mac_address": f"0011223344{n:02x}"} for n in (1, 2)]
    response = api.post(url("interfaces"), items, format="json")
    assert response.status_code == 201
    assert sorted(Interface.objects.filter(name__in=["eth1", "eth2"]).values_list("mac_address", flat=True)) == [
        "00:11:22:33:44:01",
        "00:11:22:33:44:02",
    ]
    items = [{"id": interface.pk, "mac_address": "zz:zz"}]
    response = api.patch(url("interfaces"), items, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert Interface.objects.get(pk=interface.pk).mac_address == "00:11:22:33:44:55"


def test_the_web_form_refuses_zz_zz_and_stores_the_canonical_form(engineer):
    client = Client(headers={"accept-language": "en"})
    client.force_login(engineer)
    interface = InterfaceFactory(mac_address="")
    edit = reverse("inventory:interface_edit", args=[interface.pk])
    response = client.post(edit, {**form_data(forms.InterfaceForm, interface), "mac_address": "zz:zz"})
    assert response.status_code == 400
    assert response.context["form"].errors["mac_address"] == [REFUSED]
    assert Interface.objects.get().mac_address == ""
    response = client.post(edit, {**form_data(forms.InterfaceForm, interface), "mac_address": "AABBCCDDEEFF"})
    assert response.status_code == 302
    assert Interface.objects.get().mac_address == "aa:bb:cc:dd:ee:ff"


def test_the_migration_normalises_valid_values_and_keeps_the_rest(db):
    migration = importlib.import_module("infra.inventory.migrations.0006_mac_address")
    from django.apps import apps

    device = DeviceFactory()
    stored = {
        "eth0": "AA-BB-CC-DD-EE-FF",
        "eth1": "0011.2233.4455",
        "eth2": "zz:zz",
        "eth3": "",
        "eth4": "00:11:22:33:44:66",
    }
    for name, mac in stored.items():
        Interface.objects.create(device=device, name=name)
        Interface.objects.filter(device=device, name=name).update(mac_address=mac)  # as stored before the rule

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.normalise(apps, editor)
    assert dict(Interface.objects.values_list("name", "mac_address")) == {
        "eth0": "aa:bb:cc:dd:ee:ff",
        "eth1": "00:11:22:33:44:55",
        "eth2": "zz:zz",
        "eth3": "",
        "eth4": "00:11:22:33:44:66",
    }
