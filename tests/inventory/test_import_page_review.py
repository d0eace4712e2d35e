"""The import page under the use a first review found wrong: a second click, a page left open, a long title."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from infra.inventory import models
from infra.inventory.choices import ImportStatus
from infra.inventory.models import ImportJob

from ..factories import OrganizationFactory, SiteFactory
from .test_import_page import _index, _panel_form, _upload_servers


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def gedung(db):
    OrganizationFactory(short_name="Diskominfo")
    return SiteFactory(name="Gedung A")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _recheck(client, job, form: dict):
    return client.post(reverse("inventory:import_recheck", args=[job.token]), form, follow=True)


def test_checking_again_while_a_check_runs_shows_that_check(client, engineer, gedung):
    """A double click on "Check again": the second request finds the first check running. The user
    is shown its progress, not told the import is gone and to upload the file again."""
    client.force_login(engineer)
    response = _upload_servers(client)
    job = ImportJob.objects.get()
    form = _panel_form(response) | {f"column-{_index(response, 'Identitas Mesin')}": "nama"}
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, report=None)
    response = _recheck(client, job, form)
    assert response.redirect_chain[-1][0] == reverse("inventory:import_job", args=[job.token])
    assert "This import is no longer pending: upload the file again." not in _messages(response)
    assert b'data-testid="import-progress"' in response.content
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKING


BODY = "Identitas Mesin,jenis,OPD,lokasi,merek\nsrv-keu-01,server,Diskominfo,Gedung A,Dell\n"


def test_a_confirmation_from_a_page_checked_with_another_mapping_imports_nothing(client, engineer, gedung):
    """Two tabs, or the back button: the page confirmed showed the check with "merek" read, but the
    file was checked again since with "merek" ignored. The import must not run with a mapping the
    user did not see the preview of."""
    client.force_login(engineer)
    response = _upload_servers(client, BODY)
    job = ImportJob.objects.get()
    form = _panel_form(response) | {f"column-{_index(response, 'Identitas Mesin')}": "nama"}
    seen = _recheck(client, job, form)
    assert seen.context["token"]
    confirm_form = seen.content.decode().split('name="checked" value="')[1].split('"')[0]
    _recheck(client, job, form | {f"column-{_index(response, 'merek')}": ""})
    response = client.post(
        reverse("inventory:import"),
        {"confirm": "1", "token": seen.context["token"], "checked": confirm_form},
        follow=True,
    )
    assert not models.Device.objects.exists()
    assert response.redirect_chain[-1][0] == reverse("inventory:import_job", args=[job.token])
    assert (
        "The file was checked again with another mapping since that page was shown; nothing was saved. "
        "Look at this check and confirm it." in _messages(response)
    )
    assert ImportJob.objects.get().status == ImportStatus.STAGED
    # The page now shown confirms the check it shows.
    stamp = response.content.decode().split('name="checked" value="')[1].split('"')[0]
    client.post(reverse("inventory:import"), {"confirm": "1", "token": response.context["token"], "checked": stamp})
    assert list(models.Device.objects.values_list("name", "vendor")) == [("srv-keu-01", "")]


def test_a_column_titled_longer_than_the_preview_shows_is_mapped_as_chosen(client, engineer, gedung):
    """The preview cuts titles at 200 characters; the user's choice for such a column must still reach it."""
    client.force_login(engineer)
    long_title = "Tipe perangkat sesuai kontrak pengadaan " + "x" * 200
    body = f"nama,jenis,OPD,lokasi,{long_title}\nsrv-keu-01,server,Diskominfo,Gedung A,PowerEdge R740\n"
    response = _upload_servers(client, body)
    job = ImportJob.objects.get()
    response = _recheck(client, job, _panel_form(response) | {"column-4": "model"})
    assert [(c["column"], c["how"]) for c in response.context["panel"]["columns"]][4] == ("model", "mapping")
    client.post(reverse("inventory:import"), {"confirm": "1", "token": response.context["token"]})
    assert list(models.Device.objects.values_list("name", "model")) == [("srv-keu-01", "PowerEdge R740")]


def test_a_refused_mapping_name_keeps_the_user_on_the_file(client, engineer, gedung):
    """A name the mapping module refuses is said on the job's page: the file is still there to map."""
    client.force_login(engineer)
    response = _upload_servers(client)
    job = ImportJob.objects.get()
    form = _panel_form(response) | {f"column-{_index(response, 'Identitas Mesin')}": "nama", "save_as": "x" * 101}
    response = _recheck(client, job, form)
    assert response.redirect_chain[-1][0] == reverse("inventory:import_job", args=[job.token])
    assert "A mapping's name has at most 100 characters." in _messages(response)
    assert not models.ImportMapping.objects.exists()
    assert ImportJob.objects.get().status == ImportStatus.INVALID
