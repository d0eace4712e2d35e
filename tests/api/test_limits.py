"""Input limits (issue 9), API side: text limits in the schema and on every write, over-long stored
text refused at its next save (no change record repeats it), bodies too large or nested too deep
answered in JSON, never a 500. The web side: tests/core/test_limits.py."""

import json

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from infra.core.api.parsers import MAX_JSON_DEPTH
from infra.core.models import ObjectChange
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, REASON_MAX_LENGTH
from infra.core.versions import etag_for
from infra.inventory import forms
from infra.inventory.choices import DeviceStatus, MigrationState
from infra.inventory.models import Application, Device, Migration, MigrationTransition

from ..core.test_limits import HUGE, form_data
from ..factories import ApplicationFactory, DeviceFactory, MigrationFactory, SiteFactory
from .endpoints import url

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def web(engineer) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(engineer)
    return client


def test_the_api_shows_the_limits(api):
    schema = yaml.safe_load(api.get("/api/schema/").content)
    device = schema["components"]["schemas"]["Device"]["properties"]
    assert device["description"]["maxLength"] == DESCRIPTION_MAX_LENGTH
    migration = schema["components"]["schemas"]["Migration"]["properties"]
    assert migration["retain_justification"]["maxLength"] == REASON_MAX_LENGTH


# --- the 19 MB description: refused, nothing changed ------------------------------------------
def test_the_api_refuses_a_19_mb_description_and_changes_nothing(api):
    device = DeviceFactory(description="kecil")
    site = SiteFactory()
    changes = ObjectChange.objects.count()
    response = api.patch(url("devices", device.pk), {"description": "x" * HUGE}, format="json", **EN)
    assert response.status_code == 400
    assert response.json()["description"] == ["Ensure this field has no more than 4000 characters."]
    body = {"name": "srv-besar", "organization": site.organization_id, "site": site.pk, "kind": "server"}
    response = api.post(url("devices"), {**body, "description": "x" * HUGE}, format="json", **EN)
    assert response.status_code == 400
    assert Device.objects.get(pk=device.pk).description == "kecil"
    assert not Device.objects.filter(name="srv-besar").exists()
    assert ObjectChange.objects.count() == changes


def test_the_api_bulk_create_refuses_an_over_long_text(api):
    site = SiteFactory()
    items = [
        {"name": f"srv-{n}", "organization": site.organization_id, "site": site.pk, "kind": "server"} for n in range(3)
    ]
    items[1]["description"] = "x" * (DESCRIPTION_MAX_LENGTH + 1)
    response = api.post(url("devices"), items, format="json", **EN)
    assert response.status_code == 400
    assert {item["index"]: item["errors"] for item in response.json()["items"]} == {
        1: {"description": ["Ensure this field has no more than 4000 characters."]}
    }
    assert not Device.objects.filter(site=site).exists()


def test_a_transition_reason_over_its_limit_is_refused_by_api_and_web(api, web):
    migration = MigrationFactory()
    long_reason = "x" * (REASON_MAX_LENGTH + 1)
    body = {"to_state": MigrationState.RETAINED, "reason": long_reason}
    response = api.post(url("migrations", migration.pk, "transition"), body, format="json", **EN)
    assert response.status_code == 400
    assert response.json()["reason"] == ["Ensure this field has no more than 2000 characters."]
    web_body = {**body, "_version": etag_for(migration)}
    response = web.post(reverse("inventory:migration_transition", args=[migration.pk]), web_body, follow=True)
    assert "Reason: Ensure this value has at most 2000 characters (it has 2001)." in [
        str(m) for m in response.context["messages"]
    ]
    migration.refresh_from_db()
    assert migration.state == MigrationState.INVENTORIED and migration.retain_justification == ""
    assert MigrationTransition.objects.filter(migration=migration).count() == 1  # the first one only


# --- rows stored before the limits -------------------------------------------------------------
def test_an_edit_of_another_field_never_logs_an_over_long_stored_text(api, web):
    """A description stored before the limits (or by code that skipped validation) is kept, and
    every door refuses the next save until it is shortened: no change record repeats it."""
    device = DeviceFactory()
    application = ApplicationFactory()
    # As stored before the limits, below the change log (a logged queryset update records its values).
    Device._base_manager.filter(pk=device.pk).update(description="x" * HUGE)
    Application._base_manager.filter(pk=application.pk).update(description="y" * HUGE)
    changes = ObjectChange.objects.count()

    response = api.patch(url("devices", device.pk), {"status": DeviceStatus.OFFLINE}, format="json", **EN)
    assert response.status_code == 400
    assert response.json()["description"] == [f"Ensure this value has at most 4000 characters (it has {HUGE})."]

    stored = Device.objects.get(pk=device.pk)
    data = {**form_data(forms.DeviceForm, stored), "status": DeviceStatus.OFFLINE}
    response = web.post(reverse("inventory:device_edit", args=[device.pk]), data)
    assert response.status_code == 400
    assert "description" in response.context["form"].errors

    stored.status = DeviceStatus.OFFLINE
    with pytest.raises(ValidationError) as refused:
        stored.save()  # a program's save, validated or not
    assert refused.value.message_dict["description"] == [
        f"Description holds {HUGE} characters, more than the 4000 allowed: shorten it to save this record."
    ]
    with pytest.raises(ValidationError), transaction.atomic():
        device.applications.add(application)  # a link logs the application's values too
    with pytest.raises(ValidationError), transaction.atomic():
        Application.objects.get(pk=application.pk).devices.add(device)

    assert ObjectChange.objects.count() == changes
    assert Device.objects.get(pk=device.pk).status == DeviceStatus.ACTIVE
    assert len(Device.objects.get(pk=device.pk).description) == HUGE, "the stored text is kept"
    assert not application.devices.exists()
    largest = max(len(json.dumps(c.before)) + len(json.dumps(c.after)) for c in ObjectChange.objects.all())
    assert largest < 4 * DESCRIPTION_MAX_LENGTH


def test_shortening_an_over_long_stored_text_is_allowed_and_logged(api):
    device = DeviceFactory()
    Device.objects.filter(pk=device.pk).update(description="x" * (DESCRIPTION_MAX_LENGTH + 10))
    response = api.patch(url("devices", device.pk), {"description": "pendek"}, format="json")
    assert response.status_code == 200
    record = ObjectChange.objects.filter(object_id=device.pk, content_type__model="device").first()
    assert len(record.before["description"]) == DESCRIPTION_MAX_LENGTH + 10, "the old text stays in the log"
    assert record.after["description"] == "pendek"


def test_a_migration_with_over_long_notes_is_not_moved_until_they_are_shortened(api):
    migration = MigrationFactory()
    Migration.objects.filter(pk=migration.pk).update(notes="n" * 9000)
    body = {"to_state": MigrationState.ASSESSED}
    response = api.post(url("migrations", migration.pk, "transition"), body, format="json", **EN)
    assert response.status_code == 400
    assert response.json()["notes"] == [
        "Notes holds 9000 characters, more than the 8000 allowed: shorten it to save this record."
    ]
    assert Migration.objects.get(pk=migration.pk).state == MigrationState.INVENTORIED
    assert MigrationTransition.objects.filter(migration=migration).count() == 1


# --- request bodies ----------------------------------------------------------------------------
def test_a_body_django_refuses_before_the_view_is_answered_in_json(settings):
    """Django's own refusal (reading a form before any view), answered as the API answers everything."""
    settings.SIMPUL_MAX_UPLOAD_SIZE = 1000
    upload = SimpleUploadedFile("a.csv", b"x" * 5000)
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32  # the check reads the form, and meets the refusal
    response = client.post("/api/no-such-endpoint/", {"file": upload, "csrfmiddlewaretoken": "a" * 32}, **EN)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("What you sent is too large for one request.")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_json_nested_too_deep_is_a_400(api, depth):
    before = Device.objects.count(), ObjectChange.objects.count()
    body = "[" * depth + "]" * depth
    response = api.generic("POST", url("devices"), body, content_type="application/json", **EN)
    assert response.status_code == 400
    assert response.json() == {"detail": f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."}
    body = '{"a": ' * depth + "1" + "}" * depth
    response = api.generic("PATCH", url("devices"), body, content_type="application/json", **EN)
    assert response.status_code == 400
    assert (Device.objects.count(), ObjectChange.objects.count()) == before


def test_json_nested_as_deep_as_the_api_reads_is_read(api):
    site = SiteFactory()
    body = [{"name": "srv-dalam", "organization": {"id": site.organization_id}, "site": site.pk, "kind": "server"}]
    assert api.post(url("devices"), body, format="json").status_code == 201
