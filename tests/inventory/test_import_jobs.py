"""Uploaded spreadsheets wait in the database, are checked and imported by the background worker
(huey, in immediate mode here: see tests/conftest.py), and wait for their uploader's confirmation
on any web server."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from infra.core.choices import Role
from infra.core.models import ObjectChange
from infra.inventory import models
from infra.inventory.choices import ImportStatus
from infra.inventory.models import ImportJob
from infra.inventory.services import imports
from infra.inventory.tasks import purge_expired_imports

from ..factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "nama,jenis,status,opd,wilayah,alamat,lintang,bujur,keterangan\n"
GOOD = (
    HEADER
    + "Kantor A,opd_office,active,Diskominfo,,,-5.4,105.2,\nKantor B,opd_office,active,Diskominfo,,,-5.5,105.3,\n"
)


@pytest.fixture
def diskominfo():
    return OrganizationFactory(short_name="Diskominfo")


@pytest.fixture
def client():
    """Pages answer in English here, the language the messages below are written in."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def var_dir(settings, tmp_path):
    """A fresh VAR_DIR, so a file written there by the import page would show."""
    settings.VAR_DIR = tmp_path
    return tmp_path


def _upload(client: Client, body: str, kind: str = "sites", name: str = "lokasi.csv"):
    """Upload, then follow to the job's page (its check has run: huey's immediate mode)."""
    return client.post(
        reverse("inventory:import"),
        {"kind": kind, "file": SimpleUploadedFile(name, body.encode(), content_type="text/csv")},
        follow=True,
    )


def _confirm(client: Client, token: str):
    return client.post(reverse("inventory:import"), {"confirm": "1", "token": token})


def _stage(user, name: str = "x.csv", data: bytes = GOOD.encode()) -> ImportJob:
    """Submit a file as ``user`` and return its job once checked."""
    job = imports.submit(user=user, kind="sites", file_name=name, data=data)
    job.refresh_from_db()
    return job


def _message(response) -> str:
    """The message a confirmation left for the page it redirects to (earlier ones were shown before)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def _client(user) -> Client:
    """A browser of its own: a new session, as when the confirmation reaches another web server."""
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_staging_keeps_the_file_in_the_database_not_on_disk(client, engineer, diskominfo, var_dir):
    client.force_login(engineer)
    response = _upload(client, GOOD)
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert response.redirect_chain == [(reverse("inventory:import_job", args=[job.token]), 302)]
    assert response.context["token"] == str(job.token)
    assert (job.user, job.kind, job.file_name, job.status) == (engineer, "sites", "lokasi.csv", ImportStatus.STAGED)
    assert bytes(job.data) == GOOD.encode()
    assert (job.size, job.row_count) == (len(GOOD.encode()), 2)
    assert job.summary == "Sites: 2 created, 0 updated, 0 unchanged. Dry run: nothing was saved."
    assert abs(job.expires - job.created - datetime.timedelta(hours=1)) < datetime.timedelta(seconds=5)
    assert list(var_dir.iterdir()) == []
    assert "pending_import" not in client.session
    assert models.Site.objects.count() == 0


def test_the_confirmation_may_come_from_another_session(engineer, diskominfo, var_dir):
    token = _upload(_client(engineer), GOOD).context["token"]
    other_server = _client(engineer)
    response = _confirm(other_server, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:import_job", args=[token])
    page = other_server.get(response["Location"])
    assert page.context["job"].summary == "Sites: 2 created, 0 updated, 0 unchanged."
    assert reverse("inventory:site_list").encode() in page.content
    assert set(models.Site.objects.values_list("name", flat=True)) == {"Kantor A", "Kantor B"}
    assert ObjectChange.objects.filter(source="import", user=engineer, action="create").count() == 2
    job = ImportJob.objects.get()
    assert (job.status, job.data, job.summary) == (
        ImportStatus.IMPORTED,
        None,
        "Sites: 2 created, 0 updated, 0 unchanged.",
    )
    assert job.finished is not None
    assert list(var_dir.iterdir()) == []


def test_nobody_else_confirms_a_job(engineer, diskominfo):
    token = _upload(_client(engineer), GOOD).context["token"]
    colleague = UserFactory(role=Role.ENGINEER)
    response = _confirm(_client(colleague), token)
    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:import")
    assert _message(response) == "This import is no longer pending: upload the file again."
    assert models.Site.objects.count() == 0
    with pytest.raises(imports.ConfirmRefused):
        imports.confirm(user=colleague, token=token)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.STAGED
    # The uploader still can.
    imports.confirm(user=engineer, token=token)
    assert models.Site.objects.count() == 2


def test_an_expired_job_is_refused_and_its_file_dropped(client, engineer, diskominfo):
    client.force_login(engineer)
    token = _upload(client, GOOD).context["token"]
    ImportJob.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    response = _confirm(client, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:import") + "?kind=sites"
    assert (
        _message(response)
        == "The check of lokasi.csv expired before it was confirmed; nothing was saved. Upload the file again."
    )
    assert models.Site.objects.count() == 0
    job = ImportJob.objects.get()
    assert (job.status, job.data) == (ImportStatus.EXPIRED, None)
    # And it stays refused.
    assert _message(_confirm(client, token)) == "This import is no longer pending: upload the file again."


def test_the_stage_lifetime_is_a_setting(client, engineer, diskominfo, settings):
    settings.SIMPUL_IMPORT_STAGE_TTL = 0
    client.force_login(engineer)
    token = _upload(client, GOOD).context["token"]
    with pytest.raises(imports.ConfirmRefused, match="expired"):
        imports.confirm(user=engineer, token=token)
    assert models.Site.objects.count() == 0


def test_a_job_is_confirmed_once(client, engineer, diskominfo):
    client.force_login(engineer)
    token = _upload(client, GOOD).context["token"]
    job = imports.confirm(user=engineer, token=token)
    assert (job.status, job.summary) == (ImportStatus.IMPORTED, "Sites: 2 created, 0 updated, 0 unchanged.")
    with pytest.raises(imports.ConfirmRefused, match="confirmed already"):
        imports.confirm(user=engineer, token=token)
    # A second click on "Confirm" lands on the import it started, not on the upload form.
    response = _confirm(client, token)
    assert response["Location"] == reverse("inventory:import_job", args=[token])
    assert _message(response) == "This file was confirmed already and is imported once: here is its import."
    assert models.Site.objects.count() == 2
    assert ObjectChange.objects.filter(source="import").count() == 2


@pytest.mark.parametrize("token", ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_token_is_not_pending(client, engineer, token):
    client.force_login(engineer)
    response = _confirm(client, token)
    assert response["Location"] == reverse("inventory:import")
    assert _message(response) == "This import is no longer pending: upload the file again."


def test_an_invalid_file_is_not_staged(client, engineer, diskominfo, var_dir):
    client.force_login(engineer)
    response = _upload(client, GOOD + "Kantor C,pabrik,active,Diskominfo,,,,,\n")
    assert response.status_code == 200
    assert response.context["token"] == ""
    assert b'data-testid="confirm-import"' not in response.content
    job = ImportJob.objects.get()
    assert (job.status, job.summary) == (
        ImportStatus.INVALID,
        "1 problem: nothing can be imported until the file is fixed.",
    )
    # Kept (in the database, not on disk) to be checked again with another column mapping.
    assert job.data is not None
    assert list(var_dir.iterdir()) == []


def test_a_file_that_is_not_a_table_is_not_staged(client, engineer):
    client.force_login(engineer)
    response = _upload(client, "", name="kosong.csv")
    assert response.status_code == 400
    assert response.context["file_error"] == "Choose a spreadsheet file: CSV, XLSX, XLS or ODS."
    assert not ImportJob.objects.exists()
    response = _upload(client, "PK\x03\x04 bukan zip", name="rusak.xlsx")
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert (job.status, job.data) == (ImportStatus.FAILED, None)
    assert job.summary.startswith("The file cannot be read as XLSX")
    assert b'data-testid="import-failed"' in response.content


def test_a_file_too_large_is_refused(client, engineer, diskominfo, settings):
    settings.SIMPUL_IMPORT_MAX_BYTES = len(GOOD) - 1
    client.force_login(engineer)
    response = _upload(client, GOOD)
    assert response.status_code == 400
    # Sizes as filesizeformat writes them, with a non-breaking space before the unit.
    assert response.context["file_error"] == (
        f"The file is {len(GOOD)}\xa0bytes; at most {len(GOOD) - 1}\xa0bytes can be uploaded."
    )
    assert not ImportJob.objects.exists()


def test_the_preview_names_every_bad_row(client, engineer, diskominfo, monkeypatch):
    monkeypatch.setattr(imports, "PREVIEW_ROWS", 3)
    client.force_login(engineer)
    body = HEADER + "".join(
        f"Kantor {i},{'pabrik' if i % 2 else 'opd_office'},active,Diskominfo,,,,,\n" for i in range(1, 7)
    )
    response = _upload(client, body)
    assert response.status_code == 200
    # Rows 2, 4 and 6 of the file (the header is row 1) hold the odd offices; row 6 is past the preview.
    assert [e.row for e in response.context["errors"]] == [2, 4, 6]
    assert response.context["bad_row_count"] == 3
    assert response.context["row_count"] == 6
    assert [row.number for row in response.context["rows"]] == [2, 3, 4]
    assert b'data-row="2" data-bad="1"' in response.content
    assert b'data-row="4" data-bad="1"' in response.content
    assert b"Row 6, column jenis" in response.content
    assert ImportJob.objects.get().status == ImportStatus.INVALID


def test_a_missing_key_column_is_named(engineer, diskominfo):
    job = _stage(engineer, data=b"jenis,status\nopd_office,active\n")
    assert job.status == ImportStatus.INVALID
    errors = imports.preview(job).errors
    assert [(e.row, e.column) for e in errors] == [(1, "")], "the file has no such column to name"
    assert "The key column nama is missing" in errors[0].message


def test_a_failed_import_marks_the_job(client, engineer, diskominfo):
    client.force_login(engineer)
    token = _upload(client, GOOD).context["token"]
    diskominfo.delete()  # between the check and the confirmation
    response = _confirm(client, token)
    assert response["Location"] == reverse("inventory:import_job", args=[token])
    job = ImportJob.objects.get()
    assert (job.status, job.data) == (ImportStatus.FAILED, None)
    assert job.summary.startswith("The file was not imported because of 2 problems; nothing was saved.")
    page = client.get(response["Location"])
    assert b"The file was not imported because of 2 problems" in page.content
    assert models.Site.objects.count() == 0
    assert _message(_confirm(client, token)) == "This import is no longer pending: upload the file again."


def test_only_importers_stage_and_confirm(engineer, operator, diskominfo):
    with pytest.raises(PermissionDenied):
        imports.submit(user=operator, kind="sites", file_name="x.csv", data=GOOD.encode())
    with pytest.raises(PermissionDenied):
        imports.submit(user=engineer, kind="pemanggang", file_name="x.csv", data=GOOD.encode())
    job = _stage(engineer)
    engineer.role = Role.AUDITOR
    engineer.save()
    with pytest.raises(PermissionDenied):
        imports.confirm(user=engineer, token=job.token)
    assert _client(engineer).post(reverse("inventory:import"), {"confirm": "1", "token": job.token}).status_code == 403
    job.refresh_from_db()
    assert job.status == ImportStatus.STAGED
    assert models.Site.objects.count() == 0


def test_purge_drops_only_expired_staged_files(engineer, diskominfo):
    now = timezone.now()
    late, _fresh, done = (_stage(engineer, f"{n}.csv") for n in ("late", "fresh", "done"))
    imports.confirm(user=engineer, token=done.token)
    ImportJob.objects.filter(pk__in=[late.pk, done.pk]).update(expires=now - datetime.timedelta(minutes=1))
    assert imports.purge_expired(now) == 1
    assert dict(ImportJob.objects.values_list("file_name", "status")) == {
        "late.csv": ImportStatus.EXPIRED,
        "fresh.csv": ImportStatus.STAGED,
        "done.csv": ImportStatus.IMPORTED,
    }
    assert list(ImportJob.objects.filter(data__isnull=False).values_list("file_name", flat=True)) == ["fresh.csv"]
    assert imports.purge_expired(now) == 0


def test_staging_purges_and_so_does_the_periodic_task(engineer, diskominfo):
    old = _stage(engineer, "old.csv")
    ImportJob.objects.filter(pk=old.pk).update(expires=timezone.now())
    _stage(engineer, "new.csv")
    old.refresh_from_db()
    assert (old.status, old.data) == (ImportStatus.EXPIRED, None)

    ImportJob.objects.filter(file_name="new.csv").update(expires=timezone.now())
    assert purge_expired_imports.call_local() == 1
    assert not ImportJob.objects.filter(status=ImportStatus.STAGED).exists()


def test_the_expiry_is_told_in_indonesian(engineer, diskominfo):
    client = Client(headers={"accept-language": "id"})
    client.force_login(engineer)
    token = _upload(client, GOOD).context["token"]
    ImportJob.objects.update(expires=timezone.now())
    assert _message(_confirm(client, token)) == (
        "Hasil pemeriksaan lokasi.csv kedaluwarsa sebelum dikonfirmasi; tidak ada data yang disimpan. "
        "Unggah ulang berkasnya."
    )


def test_a_user_who_imported_cannot_be_deleted_so_the_record_of_who_imported_stays(engineer, diskominfo):
    from django.db.models import ProtectedError

    _upload(_client(engineer), GOOD)
    with pytest.raises(ProtectedError):
        engineer.delete()
    assert ImportJob.objects.filter(user=engineer).count() == 1
