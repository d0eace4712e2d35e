"""Input limits (issue 9), web and model side: every text field has an enforced limit, shown by
its form; a body too large gets a page that says so. The API side: tests/api/test_limits.py."""

import pytest
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.test.utils import isolate_apps
from django.urls import reverse

from infra.core.checks import check_text_limits, text_field_errors
from infra.core.models import ObjectChange
from infra.core.models.fields import DESCRIPTION_MAX_LENGTH, LimitedTextField
from infra.core.validation import validate_instance
from infra.inventory import forms, spreadsheets
from infra.inventory.models import Device

from ..factories import DeviceFactory, OrganizationFactory, SiteFactory

HUGE = 19 * 1024 * 1024  # the description of the finding: 19 MB


def form_data(form_class, obj) -> dict:
    """What the edit page would send back for ``obj`` unchanged."""
    form = form_class(instance=obj)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else value
    return data


@pytest.fixture
def web(engineer) -> Client:
    """The engineer signed in, reading pages in English."""
    client = Client(headers={"accept-language": "en"})
    client.force_login(engineer)
    return client


# --- every text field has a limit -------------------------------------------------------------
def test_no_project_model_has_a_text_field_without_a_limit():
    assert check_text_limits() == []
    assert [m.id for m in checks.run_checks(tags=[checks.Tags.models]) if m.id == "core.E001"] == []


@isolate_apps("infra.inventory")
def test_a_new_text_field_without_a_limit_fails_the_check():
    class Note(models.Model):
        body = models.TextField()
        limited = LimitedTextField(max_length=100)

        class Meta:
            app_label = "inventory"

        def __str__(self) -> str:
            return self.body

    assert [(e.id, e.obj.name) for e in text_field_errors(Note)] == [("core.E001", "body")]


def test_a_limited_text_field_needs_its_limit():
    with pytest.raises(TypeError):
        LimitedTextField()


def test_model_validation_and_forms_enforce_and_show_the_limit(db):
    device = DeviceFactory.build(organization=OrganizationFactory(), site=SiteFactory(), description="x" * 4001)
    with pytest.raises(ValidationError) as refused:
        validate_instance(device, resolved=["organization", "site"])
    assert refused.value.message_dict["description"] == ["Ensure this value has at most 4000 characters (it has 4001)."]
    with pytest.raises(ValidationError):
        device.full_clean()
    device.description = "x" * DESCRIPTION_MAX_LENGTH
    validate_instance(device, resolved=["organization", "site"])
    assert 'maxlength="4000"' in str(forms.DeviceForm()["description"])
    assert 'maxlength="8000"' in str(forms.MigrationForm()["notes"])


# --- the 19 MB description: refused at every door, nothing changed ----------------------------
def test_the_web_form_refuses_a_19_mb_description_and_changes_nothing(web):
    device = DeviceFactory(description="kecil")
    changes = ObjectChange.objects.count()
    data = {**form_data(forms.DeviceForm, device), "description": "x" * HUGE}
    response = web.post(reverse("inventory:device_edit", args=[device.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["description"] == [
        f"Ensure this value has at most 4000 characters (it has {HUGE})."
    ]
    assert Device.objects.get(pk=device.pk).description == "kecil"
    assert ObjectChange.objects.count() == changes


def test_the_import_refuses_an_over_long_description(db, tmp_path):
    from ..inventory.test_import import DEVICE_HEADER, good_device_rows, write_csv

    dukcapil = OrganizationFactory(name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Disdukcapil")
    SiteFactory(name="Kantor Disdukcapil", organization=dukcapil)
    rows = good_device_rows()
    rows[0][-1] = "x" * (DESCRIPTION_MAX_LENGTH + 1)
    path = write_csv(tmp_path / "perangkat.csv", DEVICE_HEADER, rows)
    changes = ObjectChange.objects.count()
    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("devices", path)
    assert any("at most 4000 characters (it has 4001)" in str(e) for e in failure.value.errors)
    assert not Device.objects.exists()
    assert ObjectChange.objects.count() == changes


# --- request bodies ----------------------------------------------------------------------------
def test_a_web_form_over_the_body_limit_gets_a_page_that_says_so(web, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    device = DeviceFactory(description="kecil")
    data = {**form_data(forms.DeviceForm, device), "description": "x" * 20_000}
    response = web.post(reverse("inventory:device_edit", args=[device.pk]), data)
    assert response.status_code == 413
    assert "What you sent is too large for one request." in response.content.decode()
    assert Device.objects.get(pk=device.pk).description == "kecil"


def test_an_upload_over_the_upload_limit_is_refused_before_it_is_stored(web, settings):
    settings.SIMPUL_MAX_UPLOAD_SIZE = 50_000
    upload = SimpleUploadedFile("perangkat.csv", b"nama\n" + b"x" * 60_000, content_type="text/csv")
    response = web.post(reverse("inventory:import"), {"kind": "devices", "file": upload})
    assert response.status_code == 413
    assert "What you sent is too large for one request." in response.content.decode()


def test_a_table_setting_past_its_limits_is_refused_not_a_database_error(web, engineer):
    """The preference key is 100 characters in the database: PostgreSQL refused a longer one (a 500)."""
    from infra.core.models import UserPreference

    response = web.post(reverse("table_config", args=["T" * 200]), {"columns": ["name"]})
    assert response.status_code == 400
    assert "These columns are not a choice this page offers" in response.content.decode()
    response = web.post(reverse("table_config", args=["DeviceTable"]), {"columns": ["c" * 101]})
    assert response.status_code == 400
    response = web.post(reverse("table_config", args=["DeviceTable"]), {"columns": [f"c{n}" for n in range(101)]})
    assert response.status_code == 400
    assert not UserPreference.objects.filter(user=engineer).exists()
    response = web.post(reverse("table_config", args=["DeviceTable"]), {"columns": ["name", "status"]})
    assert response.status_code == 302
    assert UserPreference.get(engineer, "table.DeviceTable") == {"columns": ["name", "status"]}
