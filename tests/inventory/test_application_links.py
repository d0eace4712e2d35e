"""Which servers an application runs on (issue 9): an OPD operator links only their own OPD's
servers into their own application, at every door that writes the link; links an engineer made to
another OPD's servers stay when the operator saves without touching them."""

import pytest
from django.test import Client
from django.urls import reverse

from infra.core.models import ObjectChange
from infra.inventory import forms
from infra.inventory.models import Application

from ..api.conftest import token_client
from ..api.endpoints import url
from ..core.test_limits import form_data
from ..factories import ApplicationFactory, DeviceFactory, OrganizationFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def refusal(server) -> str:
    return f"{server} belongs to another organization: you may link only your own organization's devices."


@pytest.fixture
def servers(operator):
    """The operator's application, one of their servers, and a server of another OPD that an
    engineer already linked into the application, and one nobody linked."""
    other = OrganizationFactory(name="Dinas Lain", short_name="Lain")
    application = ApplicationFactory(organization=operator.organization)
    own = DeviceFactory(name="srv-sendiri", organization=operator.organization)
    linked = DeviceFactory(name="srv-pusat-data", organization=other)
    foreign = DeviceFactory(name="srv-dinas-lain", organization=other)
    application.devices.add(linked)  # by an engineer: hosted in the data center
    return {"application": application, "own": own, "linked": linked, "foreign": foreign}


def linked_ids(application) -> set[int]:
    return set(Application.objects.get(pk=application.pk).devices.values_list("pk", flat=True))


@pytest.fixture
def web(operator) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(operator)
    return client


# --- web ---------------------------------------------------------------------------------------
def test_the_web_form_refuses_another_opds_server_by_name(web, servers):
    application, foreign = servers["application"], servers["foreign"]
    changes = ObjectChange.objects.count()
    data = form_data(forms.ApplicationForm, application)
    data["devices"] = [*data["devices"], str(foreign.pk)]
    response = web.post(reverse("inventory:application_edit", args=[application.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["devices"] == [refusal(foreign)]
    assert linked_ids(application) == {servers["linked"].pk}
    assert ObjectChange.objects.count() == changes


def test_the_web_form_keeps_an_engineers_link_and_adds_the_operators_own(web, servers):
    application = servers["application"]
    data = {**form_data(forms.ApplicationForm, application), "criticality": "high"}
    data["devices"] = [*data["devices"], str(servers["own"].pk)]
    response = web.post(reverse("inventory:application_edit", args=[application.pk]), data)
    assert response.status_code == 302
    assert linked_ids(application) == {servers["linked"].pk, servers["own"].pk}
    assert Application.objects.get(pk=application.pk).criticality == "high"


def test_a_new_application_of_the_operator_takes_only_their_servers(web, servers, operator):
    data = {
        "name": "Aplikasi Baru",
        "organization": operator.organization_id,
        "status": "production",
        "criticality": "medium",
        "integration_status": "none",
        "devices": [str(servers["own"].pk), str(servers["foreign"].pk)],
    }
    response = web.post(reverse("inventory:application_add"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["devices"] == [refusal(servers["foreign"])]
    assert not Application.objects.filter(name="Aplikasi Baru").exists()


def test_an_engineer_links_any_server(client, engineer, servers):
    client.force_login(engineer)
    application = servers["application"]
    data = form_data(forms.ApplicationForm, application)
    data["devices"] = [*data["devices"], str(servers["foreign"].pk)]
    response = client.post(reverse("inventory:application_edit", args=[application.pk]), data)
    assert response.status_code == 302
    assert servers["foreign"].pk in linked_ids(application)


# --- API ---------------------------------------------------------------------------------------
def test_the_api_refuses_another_opds_server_on_update(operator, servers):
    api = token_client(operator)
    application, foreign, linked = servers["application"], servers["foreign"], servers["linked"]
    response = api.patch(url("applications", application.pk), {"devices": [linked.pk, foreign.pk]}, format="json", **EN)
    assert response.status_code == 400
    assert response.json() == {"devices": [refusal(foreign)]}
    assert linked_ids(application) == {linked.pk}

    response = api.patch(
        url("applications", application.pk), {"devices": [linked.pk, servers["own"].pk]}, format="json", **EN
    )
    assert response.status_code == 200
    assert linked_ids(application) == {linked.pk, servers["own"].pk}
    response = api.patch(url("applications", application.pk), {"description": "SIAK"}, format="json", **EN)
    assert response.status_code == 200
    assert linked_ids(application) == {linked.pk, servers["own"].pk}


def test_the_api_refuses_another_opds_server_on_create_and_in_bulk(operator, servers):
    api = token_client(operator)
    foreign, own = servers["foreign"], servers["own"]
    body = {"name": "Aplikasi Baru", "organization": operator.organization_id, "devices": [own.pk, foreign.pk]}
    response = api.post(url("applications"), body, format="json", **EN)
    assert response.status_code == 400
    assert response.json() == {"devices": [refusal(foreign)]}

    items = [{**body, "name": "Aplikasi A", "devices": [own.pk]}, {**body, "name": "Aplikasi B"}]
    response = api.post(url("applications"), items, format="json", **EN)
    assert response.status_code == 400
    assert {item["index"]: item["errors"] for item in response.json()["items"]} == {1: {"devices": [refusal(foreign)]}}
    assert not Application.objects.filter(name__startswith="Aplikasi ").exclude(pk=servers["application"].pk).exists()

    application = servers["application"]
    items = [{"id": application.pk, "devices": [foreign.pk]}]
    response = api.patch(url("applications"), items, format="json", **EN)
    assert response.status_code == 400
    assert linked_ids(application) == {servers["linked"].pk}


def test_an_engineer_links_any_server_through_the_api(engineer, servers):
    api = token_client(engineer)
    application = servers["application"]
    body = {"devices": [servers["linked"].pk, servers["foreign"].pk]}
    assert api.patch(url("applications", application.pk), body, format="json").status_code == 200
    assert servers["foreign"].pk in linked_ids(application)
