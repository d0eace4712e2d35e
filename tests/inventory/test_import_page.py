"""The import page: check first, confirm second, all or nothing; only engineers and administrators.

The check and the import run in the background (huey's immediate mode in tests): the upload
redirects to the job's page, which then shows the preview.
"""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from infra.inventory import models

from ..factories import OrganizationFactory

HEADER = "nama,jenis,status,opd,wilayah,alamat,lintang,bujur,keterangan\n"


def _upload(client, body: str, kind: str = "sites"):
    return client.post(
        reverse("inventory:import"),
        {"kind": kind, "file": SimpleUploadedFile("lokasi.csv", body.encode(), content_type="text/csv")},
        follow=True,
    )


def test_check_then_confirm(client, engineer):
    OrganizationFactory(short_name="Diskominfo")
    client.force_login(engineer)
    response = _upload(client, HEADER + "Kantor A,opd_office,active,Diskominfo,,,-5.4,105.2,\n")
    assert response.status_code == 200
    assert models.Site.objects.count() == 0
    token = response.context["token"]
    response = client.post(reverse("inventory:import"), {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert list(models.Site.objects.values_list("name", flat=True)) == ["Kantor A"]
    # The same token cannot be used twice.
    client.post(reverse("inventory:import"), {"confirm": "1", "token": token})
    assert models.Site.objects.count() == 1


def test_bad_rows_are_named_and_nothing_is_offered(client, engineer):
    client.force_login(engineer)
    response = _upload(client, HEADER + "Kantor A,opd_office,active,,,,-5.4,105.2,\nKantor B,pabrik,active,,,,,,\n")
    assert response.status_code == 200
    assert [e.row for e in response.context["errors"]] == [3]
    assert response.context["token"] == ""
    assert b'data-row="3" data-bad="1"' in response.content
    assert models.Site.objects.count() == 0


def test_a_file_that_is_not_a_table(client, engineer):
    client.force_login(engineer)
    response = client.post(reverse("inventory:import"), {"kind": "sites"})
    assert response.status_code == 400
    assert response.context["file_error"]


def test_operators_and_auditors_cannot_import(client, operator, auditor):
    for user in (operator, auditor):
        client.force_login(user)
        assert client.get(reverse("inventory:import")).status_code == 403
        assert _upload(client, HEADER).status_code == 403


def test_templates_download(client, engineer):
    client.force_login(engineer)
    csv = client.get(reverse("inventory:import_template", args=["devices", "csv"]))
    assert csv.status_code == 200
    assert csv.content.decode().lstrip("\ufeff").startswith("nama,")
    xlsx = client.get(reverse("inventory:import_template", args=["sites", "xlsx"]))
    assert xlsx.content[:2] == b"PK"
