"""Imports in the background: the web request only stores the file, huey's consumer checks and
imports it within limits (size, rows, unpacked XLSX size, time), and nothing is left behind.

Most tests run huey in immediate mode (tests/conftest.py): the task runs where it is queued. The
consumer tests start huey's real consumer in threads, against a SqliteHuey queue in a temporary
file, and watch a large upload from the outside as a browser would.
"""

import codecs
import datetime
import io
import re
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from infra.core.models.fields import DESCRIPTION_MAX_LENGTH
from infra.inventory import models, spreadsheets
from infra.inventory.choices import ImportPhase, ImportStatus
from infra.inventory.models import ImportJob
from infra.inventory.services import imports
from infra.inventory.spreadsheets.tables import ReadLimits, TableError, decode_text, read_table

from ..factories import OrganizationFactory

HEADER = "nama,jenis,status,opd,wilayah,alamat,lintang,bujur,keterangan\n"


def _rows(count: int, start: int = 0) -> str:
    return "".join(f"Kantor {i},opd_office,active,Diskominfo,,,-5.4,105.2,\n" for i in range(start, start + count))


@pytest.fixture
def diskominfo(db):
    return OrganizationFactory(short_name="Diskominfo")


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


def _post(client: Client, data: bytes, name: str = "lokasi.csv", kind: str = "sites", **extra):
    return client.post(
        reverse("inventory:import"),
        {"kind": kind, "file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
        **extra,
    )


def _upload(client: Client, data: bytes, name: str = "lokasi.csv", kind: str = "sites"):
    """Upload and follow to the job's page; in immediate mode its check has run by then."""
    return _post(client, data, name, kind, follow=True)


def _xlsx_bomb(unpacked: int) -> bytes:
    """A valid XLSX whose one sheet unpacks to about ``unpacked`` bytes of rows: a zip bomb of a spreadsheet.

    The sheet is streamed into the archive, so building it never holds it in memory.
    """
    from openpyxl import Workbook

    small = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["nama", "jenis"])
    workbook.save(small)
    bomb = io.BytesIO()
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info))
                continue
            with target.open("xl/worksheets/sheet1.xml", "w") as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/'
                )
                sheet.write(b'spreadsheetml/2006/main"><sheetData>')
                sheet.write(b'<row><c t="inlineStr"><is><t>nama</t></is></c></row>')
                # Rows without numbers, all alike: they pack as well as a bomb's rows do.
                chunk = b'<row><c t="inlineStr"><is><t>Kantor</t></is></c></row>' * 20_000
                written = 0
                while written < unpacked:
                    sheet.write(chunk)
                    written += len(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return bomb.getvalue()


# --- the limits ---------------------------------------------------------------------------------
def test_a_million_rows_are_refused_naming_both_figures(client, engineer, diskominfo):
    body = ("nama\n" + "".join(f"K{i}\n" for i in range(1_000_000))).encode()
    assert len(body) < 20 * 1024 * 1024  # within the upload limit: the row limit must catch it
    client.force_login(engineer)
    started = time.monotonic()
    response = _upload(client, body)
    assert time.monotonic() - started < 60
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert (job.status, job.data, job.report) == (ImportStatus.FAILED, None, None)
    assert job.summary == (
        "The file has 1,000,000 rows; at most 100,000 are imported at once. Split it into smaller files."
    )
    assert b"The file has 1,000,000 rows" in response.content
    assert models.Site.objects.count() == 0


def test_the_row_limit_is_a_setting_and_empty_rows_do_not_count(client, engineer, diskominfo, settings):
    settings.SIMPUL_IMPORT_MAX_ROWS = 2
    client.force_login(engineer)
    job = ImportJob.objects.get(pk=_upload(client, (HEADER + _rows(2) + ",,,\n\n").encode()).context["job"].pk)
    assert job.status == ImportStatus.STAGED
    _upload(client, (HEADER + _rows(3)).encode())
    job = ImportJob.objects.latest("created")
    assert (job.status, job.summary) == (
        ImportStatus.FAILED,
        "The file has 3 rows; at most 2 are imported at once. Split it into smaller files.",
    )


def test_an_xlsx_that_unpacks_to_163_mb_is_refused_before_it_is_unpacked(client, engineer, diskominfo):
    bomb = _xlsx_bomb(163 * 1024 * 1024)
    assert len(bomb) < 2 * 1024 * 1024  # a small upload...
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:  # ...that unpacks to 163 MB
        assert sum(i.file_size for i in archive.infolist()) > 163 * 1024 * 1024
    client.force_login(engineer)
    started = time.monotonic()
    response = _upload(client, bomb, name="bom.xlsx")
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert (job.status, job.data) == (ImportStatus.FAILED, None)
    assert re.match(r"The XLSX file unpacks to 163\.\d\xa0MB, more than the limit of 100\.0\xa0MB\. ", job.summary)
    assert b'data-testid="import-failed"' in response.content


def test_the_unpacked_size_is_checked_in_the_reader_too():
    bomb = _xlsx_bomb(2 * 1024 * 1024)
    with pytest.raises(TableError, match="unpacks to"):
        read_table(io.BytesIO(bomb), limits=ReadLimits(max_unpacked_bytes=1024 * 1024))
    table = read_table(io.BytesIO(bomb), limits=ReadLimits(max_unpacked_bytes=10 * 1024 * 1024))
    assert table.header == ["nama"] and len(table.rows) > 10_000


def test_an_upload_past_the_limit_is_refused_unread(client, engineer, settings):
    settings.SIMPUL_IMPORT_MAX_BYTES = 1000
    client.force_login(engineer)
    response = _post(client, b"nama\n" + b"x" * 200_000)
    assert response.status_code == 413
    assert response.context["file_error"].startswith("The file is 195.")
    assert response.context["file_error"].endswith("; at most 1000\xa0bytes can be uploaded.")
    assert not ImportJob.objects.exists()


def test_a_200000_character_cell_is_a_row_error_not_a_500(client, engineer, diskominfo):
    body = HEADER + _rows(1) + "Kantor X,opd_office,active,Diskominfo,,," + "-5.4,105.2," + "a" * 200_000 + "\n"
    client.force_login(engineer)
    response = _upload(client, body.encode())
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.INVALID
    assert [str(e) for e in response.context["errors"]] == [
        "Row 3, column keterangan: This cell holds 200,000 characters; a cell may hold at most 32,767."
    ]
    # The preview shows the cell cut short, not 200,000 characters.
    assert len(response.content) < 50_000
    assert models.Site.objects.count() == 0


def test_a_long_cell_within_the_limits_still_imports(client, engineer, diskominfo):
    # Past the csv module's default field limit (128 KiB) is covered above; the field's own limit
    # (a description's) decides here: a text of exactly that length imports.
    body = HEADER + "Kantor X,opd_office,active,Diskominfo,,,-5.4,105.2," + "a" * DESCRIPTION_MAX_LENGTH + "\n"
    job = imports.submit(user=engineer, kind="sites", file_name="x.csv", data=body.encode())
    job.refresh_from_db()
    assert job.status == ImportStatus.STAGED
    imports.confirm(user=engineer, token=job.token)
    assert len(models.Site.objects.get().description) == DESCRIPTION_MAX_LENGTH


def test_a_check_past_its_time_limit_is_stopped_and_fails(client, engineer, diskominfo, settings):
    settings.SIMPUL_IMPORT_TIME_LIMIT = 1
    client.force_login(engineer)
    started = time.monotonic()
    response = _upload(client, (HEADER + _rows(30_000)).encode())
    elapsed = time.monotonic() - started
    job = ImportJob.objects.get()
    assert (job.status, job.data, job.report) == (ImportStatus.FAILED, None, None)
    assert job.summary == (
        "This took longer than the limit of 1 seconds and was stopped; nothing was saved. "
        "Split the file into smaller ones."
    )
    assert b"This took longer than the limit of 1 seconds" in response.content
    assert elapsed < 8, "the check went on past its limit"


def test_an_import_past_its_time_limit_saves_nothing(engineer, diskominfo, settings):
    job = imports.submit(user=engineer, kind="sites", file_name="x.csv", data=(HEADER + _rows(500)).encode())
    job.refresh_from_db()
    assert job.status == ImportStatus.STAGED
    settings.SIMPUL_IMPORT_TIME_LIMIT = 0
    job = imports.confirm(user=engineer, token=job.token)
    assert (job.status, job.data) == (ImportStatus.FAILED, None)
    assert job.summary.startswith("This took longer than the limit of 0 seconds")
    assert models.Site.objects.count() == 0


# --- encodings ----------------------------------------------------------------------------------
SHEET = "nama,keterangan\nKantor Café,“Gedung” – lantai 2, 45° ±5 m²\nKantor Sukarame,résumé\n"


@pytest.mark.parametrize(
    "data",
    [
        SHEET.encode("utf-8"),
        codecs.BOM_UTF8 + SHEET.encode("utf-8"),
        codecs.BOM_UTF16_LE + SHEET.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + SHEET.encode("utf-16-be"),
        SHEET.encode("utf-16-le"),
        SHEET.encode("cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le-no-bom", "cp1252"],
)
def test_the_encodings_offices_save_in_are_read(data):
    assert decode_text(data) == SHEET


def test_latin_1_is_read():
    text = "nama,keterangan\nKantor Café,lantai 2 ±5 ½\n"
    assert decode_text(text.encode("latin-1")) == text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("nama,opd\n東京事務所,Diskominfo\n大阪支店,Diskominfo\n", "shift_jis"),
        ("nama,opd\nサーバー,Diskominfo\n", "shift_jis"),
        ("nama,opd\n服务器机房,Diskominfo\n", "gbk"),
        ("nama,opd\nСервер Москва,Diskominfo\n", "cp1251"),
    ],
)
def test_other_encodings_are_refused_not_read_as_cp1252(text, encoding):
    with pytest.raises(TableError, match="cannot be read with confidence"):
        decode_text(text.encode(encoding))


def test_a_shift_jis_upload_is_refused_with_a_message(client, engineer, diskominfo):
    body = (HEADER + "東京事務所,opd_office,active,Diskominfo,,,-5.4,105.2,\n").encode("shift_jis")
    client.force_login(engineer)
    response = _upload(client, body)
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert job.summary.startswith("The file is not in UTF-8 and its characters cannot be read with confidence")
    assert "Save it as “CSV UTF-8” and upload it again." in job.summary
    assert models.Site.objects.count() == 0


def test_a_file_with_a_false_byte_order_mark_is_refused():
    with pytest.raises(TableError, match="says it is UTF-8 but is not"):
        decode_text(codecs.BOM_UTF8 + "Café".encode("cp1252"))


# --- nothing left behind ----------------------------------------------------------------------------
def test_expired_jobs_leave_no_upload_nor_preview_behind(engineer, diskominfo):
    staged = imports.submit(user=engineer, kind="sites", file_name="a.csv", data=(HEADER + _rows(2)).encode())
    invalid = imports.submit(user=engineer, kind="sites", file_name="b.csv", data=(HEADER + "X,pabrik\n").encode())
    # A job the worker never finished (the consumer was down, or died with it).
    stuck = ImportJob.objects.create(
        user=engineer, kind="sites", file_name="c.csv", data=b"nama\nx\n", size=7, status=ImportStatus.CHECKING
    )
    # The invalid file is kept too, to be checked again with another column mapping, until it expires.
    assert ImportJob.objects.filter(data__isnull=False).count() == 3
    assert ImportJob.objects.filter(report__isnull=False).count() == 2
    later = timezone.now() + datetime.timedelta(hours=2)
    assert imports.purge_expired(later) == 2
    states = dict(ImportJob.objects.values_list("pk", "status"))
    assert states == {staged.pk: ImportStatus.EXPIRED, invalid.pk: ImportStatus.INVALID, stuck.pk: ImportStatus.FAILED}
    assert not ImportJob.objects.filter(data__isnull=False).exists()
    assert not ImportJob.objects.filter(report__isnull=False).exists()
    stuck.refresh_from_db()
    assert stuck.summary == (
        "The background worker did not finish this file in time; nothing was saved. Upload it again."
    )


def test_a_finished_job_keeps_neither_file_nor_preview(engineer, diskominfo):
    job = imports.submit(user=engineer, kind="sites", file_name="a.csv", data=(HEADER + _rows(2)).encode())
    job = imports.confirm(user=engineer, token=job.token)
    assert (job.status, job.data, job.report) == (ImportStatus.IMPORTED, None, None)


def test_a_large_upload_leaves_no_file_on_disk(client, engineer, diskominfo, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    body = (HEADER + _rows(60_000)).encode()
    assert len(body) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE  # Django spools it to a temporary file
    settings.SIMPUL_IMPORT_TIME_LIMIT = 0  # the check itself is not the point here
    client.force_login(engineer)
    _upload(client, body)
    assert ImportJob.objects.get().size == len(body)
    assert list((tmp_path / "uploads").iterdir()) == []
    assert list((tmp_path / "var").iterdir()) == []


# --- the page and the command line ---------------------------------------------------------------
def test_the_job_page_and_its_progress_are_the_uploaders_only(client, engineer, diskominfo, admin_user):
    client.force_login(engineer)
    job = _upload(client, (HEADER + _rows(2)).encode()).context["job"]
    other = Client(headers={"accept-language": "en"})
    other.force_login(admin_user)
    assert other.get(reverse("inventory:import_job", args=[job.token])).status_code == 404
    assert other.get(reverse("inventory:import_progress", args=[job.token])).status_code == 404


def test_a_running_job_shows_a_progress_bar_that_reloads_the_page_when_done(client, engineer, diskominfo):
    client.force_login(engineer)
    job = ImportJob.objects.create(
        user=engineer,
        kind="sites",
        file_name="a.csv",
        data=b"x",
        size=1,
        status=ImportStatus.CHECKING,
        phase=ImportPhase.CHECKING,
        rows_done=250,
        row_count=1000,
    )
    page = client.get(reverse("inventory:import_job", args=[job.token]))
    assert b'<progress class="import-progress" max="100" value="31"' in page.content
    assert b"250 of 1,000 rows" in page.content
    assert f'hx-get="{reverse("inventory:import_progress", args=[job.token])}"'.encode() in page.content
    assert b"<script" not in page.content.split(b"<main", 1)[-1].split(b"</main>")[0]
    progress = client.get(reverse("inventory:import_progress", args=[job.token]), headers={"hx-request": "true"})
    assert progress.status_code == 200
    assert b'value="31"' in progress.content
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, summary="Stopped.")
    done = client.get(reverse("inventory:import_progress", args=[job.token]), headers={"hx-request": "true"})
    assert (done.status_code, done["HX-Refresh"]) == (200, "true")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_command_shows_a_progress_bar_on_a_terminal(engineer, diskominfo, tmp_path):
    path = tmp_path / "lokasi.csv"
    path.write_text(HEADER + _rows(3000))
    out, err = io.StringIO(), _Terminal()
    call_command("import_data", "sites", str(path), stdout=out, stderr=err)
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "Columns:" and "  “nama” -> nama (template name)" in lines, "the mapping used comes first"
    assert lines[-1] == "Sites: 3000 created, 0 updated, 0 unchanged."
    assert "[##############################] 100%  3000/3000" in err.getvalue()
    assert models.Site.objects.count() == 3000
    plain = io.StringIO()
    call_command("import_data", "sites", str(path), "--dry-run", stdout=io.StringIO(), stderr=plain)
    assert plain.getvalue() == ""


def test_the_command_applies_the_limits(engineer, diskominfo, tmp_path, settings):
    settings.SIMPUL_IMPORT_MAX_ROWS = 2
    path = tmp_path / "lokasi.csv"
    path.write_text(HEADER + _rows(3))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="The file has 3 rows; at most 2 are imported at once"):
        call_command("import_data", "sites", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_pages_run_a_fixed_number_of_queries(client, engineer, diskominfo, query_counts, huey_queue):
    client.force_login(engineer)
    with CaptureQueriesContext(connection) as upload:
        response = _post(client, (HEADER + _rows(100)).encode())
    query_counts.check("web/import/upload", len(upload))
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("inventory:import_job", args=[job.token])
    with CaptureQueriesContext(connection) as progress:
        client.get(reverse("inventory:import_progress", args=[job.token]), headers={"hx-request": "true"})
    query_counts.check("web/import/progress", len(progress))
    imports.check(job.pk)  # as the consumer would
    with CaptureQueriesContext(connection) as page:
        client.get(reverse("inventory:import_job", args=[job.token]))
    query_counts.check("web/import/job", len(page))


# --- a real consumer ---------------------------------------------------------------------------------
def _wait_for(job: ImportJob, client: Client, seconds: float) -> list[int]:
    """Poll the job's progress as its page does until it is done; the percents seen."""
    seen = []
    deadline = time.monotonic() + seconds
    url = reverse("inventory:import_progress", args=[job.token])
    while time.monotonic() < deadline:
        response = client.get(url, headers={"hx-request": "true"})
        assert response.status_code == 200
        if response.get("HX-Refresh") == "true":
            return seen
        seen.append(response.context["job"].percent)
        time.sleep(0.5)
    raise AssertionError(f"the job did not finish in {seconds} s; progress seen: {seen}")


@pytest.mark.django_db(transaction=True)
def test_a_100000_row_upload_returns_at_once_and_the_consumer_checks_it(
    client, engineer, sqlite_readers_do_not_lock, consumer
):
    OrganizationFactory(short_name="Diskominfo")
    body = (HEADER + _rows(100_000)).encode()
    client.force_login(engineer)
    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        response = _post(client, body)
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 5, f"the upload request took {elapsed:.1f} s"
    assert len(queries) <= 10
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("inventory:import_job", args=[job.token])
    assert job.status == ImportStatus.CHECKING  # the request did not wait for the check
    page = client.get(response["Location"])
    assert b'data-testid="import-progress"' in page.content

    seen = _wait_for(job, client, 600)
    job.refresh_from_db()
    assert (job.status, job.row_count, job.rows_done, job.percent) == (ImportStatus.STAGED, 100_000, 100_000, 100)
    assert seen == sorted(seen), seen  # the bar never goes back
    assert len({p for p in seen if 0 < p < 100}) > 2, seen  # and it moved on the way
    page = client.get(reverse("inventory:import_job", args=[job.token]))
    assert b"100,000 to create, 0 to update, 0 unchanged." in page.content
    assert b'data-testid="confirm-import"' in page.content


@pytest.mark.django_db(transaction=True)
def test_the_confirmed_import_runs_on_the_consumer_too(client, engineer, sqlite_readers_do_not_lock, consumer):
    OrganizationFactory(short_name="Diskominfo")
    client.force_login(engineer)
    response = _post(client, (HEADER + _rows(5000)).encode())
    job = ImportJob.objects.get()
    _wait_for(job, client, 300)
    job.refresh_from_db()
    assert job.status == ImportStatus.STAGED
    started = time.monotonic()
    response = client.post(reverse("inventory:import"), {"confirm": "1", "token": str(job.token)})
    assert time.monotonic() - started < 5
    assert response["Location"] == reverse("inventory:import_job", args=[job.token])
    seen = _wait_for(job, client, 600)
    assert seen == sorted(seen), seen
    job.refresh_from_db()
    assert (job.status, job.data, job.percent) == (ImportStatus.IMPORTED, None, 100)
    assert job.summary == "Sites: 5000 created, 0 updated, 0 unchanged."
    assert models.Site.objects.count() == 5000
    assert b'data-testid="import-done"' in client.get(reverse("inventory:import_job", args=[job.token])).content


@pytest.mark.django_db(transaction=True)
def test_without_a_consumer_the_job_waits_and_the_purge_fails_it(client, engineer, huey_queue):
    OrganizationFactory(short_name="Diskominfo")
    client.force_login(engineer)
    response = _post(client, (HEADER + _rows(2)).encode())
    job = ImportJob.objects.get()
    assert (job.status, job.phase) == (ImportStatus.CHECKING, ImportPhase.WAITING)
    assert huey_queue.pending_count() == 1  # queued for the consumer
    page = client.get(response["Location"])
    assert b"Waiting for the background worker" in page.content
    imports.purge_expired(timezone.now() + datetime.timedelta(hours=2))
    job.refresh_from_db()
    assert (job.status, job.data) == (ImportStatus.FAILED, None)
    # The task, picked up late, leaves the failed job alone.
    imports.check(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


def test_the_reader_reports_its_progress():
    seen = []
    table = spreadsheets.tables.read_csv_text(HEADER + _rows(5), progress=lambda *a: seen.append(a))
    assert len(table.rows) == 5
    assert seen[-1] == ("reading", 5, 5)


def test_the_upload_and_the_confirmation_still_need_the_csrf_token(engineer, diskominfo):
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    browser.force_login(engineer)
    assert _post(browser, (HEADER + _rows(2)).encode()).status_code == 403
    assert browser.post(reverse("inventory:import"), {"confirm": "1", "token": "x"}).status_code == 403
    assert not ImportJob.objects.exists()
    browser.get(reverse("inventory:import"))  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        reverse("inventory:import"),
        {
            "kind": "sites",
            "csrfmiddlewaretoken": token,
            "file": SimpleUploadedFile("a.csv", (HEADER + _rows(2)).encode()),
        },
    )
    assert response.status_code == 302
    assert ImportJob.objects.get().status == ImportStatus.STAGED
