"""The import page: check first, confirm second, all or nothing; only engineers and administrators.

The check and the import run in the background (huey's immediate mode in tests): the upload
redirects to the job's page, which then shows the preview.
"""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from infra.core.choices import Role
from infra.core.models import ObjectChange
from infra.inventory import models
from infra.inventory.choices import ImportStatus
from infra.inventory.models import ImportJob
from infra.inventory.services import imports

from ..factories import OrganizationFactory, SiteFactory, UserFactory

HEADER = "nama,jenis,status,opd,wilayah,alamat,lintang,bujur,keterangan\n"


@pytest.fixture
def client():
    """Pages answer in English here, the language the messages below are written in."""
    return Client(headers={"accept-language": "en"})


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


# --- the column mapping (issue 13) ------------------------------------------------------------------
# A server list as an office keeps it: a title for the name no synonym knows, and no "jenis" column
# (every row is a server).
SERVERS = "Identitas Mesin,OPD,lokasi,merek\nsrv-keu-01,Diskominfo,Gedung A,Dell\nsrv-keu-02,Diskominfo,Gedung A,HPE\n"


@pytest.fixture
def gedung(db):
    OrganizationFactory(short_name="Diskominfo")
    return SiteFactory(name="Gedung A")


def _upload_servers(client, body: str = SERVERS, **extra):
    data = {"kind": "devices", "file": SimpleUploadedFile("server.csv", body.encode(), content_type="text/csv")}
    data.update(extra)
    return client.post(reverse("inventory:import"), data, follow=True)


def _panel_form(response) -> dict[str, str]:
    """The mapping panel's fields as the page fills them (its proposal)."""
    form = {}
    for entry in response.context["panel"]["columns"]:
        form[f"column-{entry['index']}"] = entry["column"]
    return form


def _index(response, title: str) -> int:
    return next(c["index"] for c in response.context["panel"]["columns"] if c["title"] == title)


def _recheck(client, response, **changes):
    job = ImportJob.objects.get(token=response.context["job"].token)
    form = _panel_form(response)
    form.update(changes)
    return client.post(reverse("inventory:import_recheck", args=[job.token]), form, follow=True)


def test_the_panel_shows_each_column_with_its_first_values_and_proposal(client, engineer, gedung):
    client.force_login(engineer)
    response = _upload_servers(client)
    panel = response.context["panel"]
    columns = {c["title"]: c for c in panel["columns"]}
    assert list(columns) == ["Identitas Mesin", "OPD", "lokasi", "merek"]
    assert columns["Identitas Mesin"]["samples"] == ["srv-keu-01", "srv-keu-02"]
    assert (columns["Identitas Mesin"]["column"], columns["Identitas Mesin"]["how"]) == ("", "none")
    assert (columns["merek"]["column"], columns["merek"]["how"]) == ("merek", "name")
    # The fields nothing fills are offered a value for every row; a choice field as a select.
    needed = {u["column"].name for u in panel["needed"]}
    assert {"nama", "jenis"} <= needed
    assert b'name="constant-jenis"' in response.content
    assert b'<option value="server">' in response.content
    assert ImportJob.objects.get().status == ImportStatus.INVALID
    assert response.context["token"] == ""
    # The problems are the header's (an unknown column, no name column): no row of the table is refused.
    assert {e.row for e in response.context["errors"]} == {1}
    assert response.context["counts"]["refused"] == 0
    assert b"0 rows refused" in response.content


def test_mapping_a_column_and_a_constant_then_importing(client, engineer, gedung):
    client.force_login(engineer)
    response = _upload_servers(client)
    response = _recheck(
        client, response, **{f"column-{_index(response, 'Identitas Mesin')}": "nama", "constant-jenis": "server"}
    )
    assert response.context["errors"] == []
    # The panel now shows the choices made in it (not as a saved mapping: none was saved).
    columns = {c["title"]: c for c in response.context["panel"]["columns"]}
    assert (columns["Identitas Mesin"]["column"], columns["Identitas Mesin"]["how_label"]) == ("nama", "your choice")
    assert response.context["panel"]["saved"] == ""
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.STAGED
    assert job.mapping["constants"] == {"jenis": "server"}
    assert job.mapping["columns"]["identitas_mesin"] == "nama"
    assert models.Device.objects.count() == 0
    client.post(reverse("inventory:import"), {"confirm": "1", "token": response.context["token"]})
    stored = sorted(models.Device.objects.values_list("name", "kind", "vendor", "site__name"))
    assert stored == [("srv-keu-01", "server", "Dell", "Gedung A"), ("srv-keu-02", "server", "HPE", "Gedung A")]


def test_an_ignored_column_is_not_read(client, engineer, gedung):
    client.force_login(engineer)
    body = SERVERS.replace("merek\n", "merek,Catatan Lama\n").replace("Dell\n", "Dell,x\n").replace("HPE\n", "HPE,y\n")
    response = _upload_servers(client, body)
    assert "Catatan Lama" in {c["title"] for c in response.context["panel"]["columns"]}
    response = _recheck(
        client,
        response,
        **{
            f"column-{_index(response, 'Identitas Mesin')}": "nama",
            f"column-{_index(response, 'Catatan Lama')}": "",
            "constant-jenis": "server",
        },
    )
    assert response.context["errors"] == []
    assert ImportJob.objects.get().mapping["columns"]["catatan_lama"] == ""


def test_a_mapping_saved_by_name_is_reused_for_the_next_file(client, engineer, gedung):
    client.force_login(engineer)
    response = _upload_servers(client)
    _recheck(
        client,
        response,
        **{
            f"column-{_index(response, 'Identitas Mesin')}": "nama",
            "constant-jenis": "server",
            "save_as": "Daftar server BMD",
        },
    )
    saved = models.ImportMapping.objects.get()
    assert (saved.kind, saved.name, saved.columns["identitas_mesin"], saved.constants) == (
        "devices",
        "Daftar server BMD",
        "nama",
        {"jenis": "server"},
    )
    assert ObjectChange.objects.for_object(saved).exists()
    # The next month's file, same shape: picked at upload, it is checked with the saved mapping at once.
    page = client.get(reverse("inventory:import"))
    assert b"Daftar server BMD" in page.content
    body = SERVERS.replace("srv-keu-01", "srv-keu-03").replace("srv-keu-02", "srv-keu-04")
    response = _upload_servers(client, body, saved_mapping=str(saved.pk))
    assert response.context["errors"] == []
    assert response.context["panel"]["saved"] == "Daftar server BMD"
    columns = {c["title"]: c for c in response.context["panel"]["columns"]}
    assert (columns["Identitas Mesin"]["column"], columns["Identitas Mesin"]["how"]) == ("nama", "mapping")
    assert columns["Identitas Mesin"]["how_label"] == "saved mapping"
    client.post(reverse("inventory:import"), {"confirm": "1", "token": response.context["token"]})
    assert set(models.Device.objects.values_list("name", "kind")) == {
        ("srv-keu-03", "server"),
        ("srv-keu-04", "server"),
    }


def test_saving_again_under_the_same_name_replaces_the_mapping(client, engineer, gedung):
    client.force_login(engineer)
    response = _upload_servers(client)
    form = {f"column-{_index(response, 'Identitas Mesin')}": "nama", "save_as": "Server"}
    _recheck(client, response, **form, **{"constant-jenis": "server"})
    response = client.get(reverse("inventory:import_job", args=[ImportJob.objects.get().token]))
    _recheck(client, response, **form, **{"constant-jenis": "virtual_machine"})
    assert list(models.ImportMapping.objects.values_list("name", "constants")) == [
        ("Server", {"jenis": "virtual_machine"})
    ]


def test_a_saved_mapping_of_another_kind_is_refused_at_upload(client, engineer, gedung):
    other = models.ImportMapping.objects.create(kind="sites", name="Lokasi", columns={"x": "nama"})
    client.force_login(engineer)
    response = _upload_servers(client, saved_mapping=str(other.pk))
    assert response.status_code == 400
    assert response.context["file_error"] == (
        "That saved mapping does not exist for this kind of file: choose another one."
    )
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"Identitas Mesin": "nama", "merek": "nama"},
            "“Identitas Mesin” and “merek” are both read as nama: ignore one of them.",
        ),
        ({"Identitas Mesin": "tidak_ada"}, "“Identitas Mesin”: choose one of the listed columns."),
        (
            {"Identitas Mesin": "nama", "constant-merek": "Dell"},
            "merek is read from “merek” and also given for every row: keep only one.",
        ),
    ],
)
def test_a_contradictory_mapping_is_refused_and_nothing_is_rechecked(client, engineer, gedung, changes, message):
    client.force_login(engineer)
    response = _upload_servers(client)
    form = {}
    for title, value in changes.items():
        form[title if title.startswith("constant-") else f"column-{_index(response, title)}"] = value
    before = ImportJob.objects.get()
    response = _recheck(client, response, **form)
    assert message in [str(m) for m in get_messages(response.wsgi_request)] or message.encode() in response.content
    after = ImportJob.objects.get()
    assert (after.status, after.report, after.mapping) == (before.status, before.report, before.mapping)


def test_only_the_uploader_may_check_again(client, engineer, gedung):
    client.force_login(engineer)
    response = _upload_servers(client)
    job = ImportJob.objects.get()
    other = UserFactory(username="insinyur-lain", role=Role.ENGINEER)
    client.force_login(other)
    assert client.post(reverse("inventory:import_recheck", args=[job.token]), _panel_form(response)).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID


def test_operators_may_neither_check_again_nor_delete_mappings(client, engineer, operator, gedung):
    saved = models.ImportMapping.objects.create(kind="devices", name="Server", columns={"x": "nama"})
    client.force_login(engineer)
    _upload_servers(client)
    job = ImportJob.objects.get()
    client.force_login(operator)
    assert client.post(reverse("inventory:import_recheck", args=[job.token]), {}).status_code == 403
    assert client.post(reverse("inventory:import_mapping_delete", args=[saved.pk])).status_code == 403
    assert models.ImportMapping.objects.filter(pk=saved.pk).exists()


def test_an_engineer_deletes_a_saved_mapping(client, engineer, gedung):
    saved = models.ImportMapping.objects.create(kind="devices", name="Server", columns={"x": "nama"})
    client.force_login(engineer)
    response = client.post(reverse("inventory:import_mapping_delete", args=[saved.pk]), follow=True)
    assert not models.ImportMapping.objects.exists()
    assert "The mapping Server was deleted." in [str(m) for m in get_messages(response.wsgi_request)]
    assert ObjectChange.objects.filter(object_repr="Server", action="delete").exists()


def test_an_expired_check_cannot_be_checked_again(client, engineer, gedung):
    client.force_login(engineer)
    response = _upload_servers(client)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(expires=timezone.now() - datetime.timedelta(seconds=1))
    response = _recheck(client, response, **{f"column-{_index(response, 'Identitas Mesin')}": "nama"})
    assert "The check of server.csv expired; nothing was saved. Upload the file again." in [
        str(m) for m in get_messages(response.wsgi_request)
    ]
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID
    # The purge then drops the file it was keeping.
    imports.purge_expired()
    job.refresh_from_db()
    assert (job.data, job.report) == (None, None)


def test_an_imported_job_cannot_be_checked_again(client, engineer, gedung):
    client.force_login(engineer)
    body = "nama,jenis,opd,lokasi\nsrv-1,server,Diskominfo,Gedung A\n"
    response = _upload_servers(client, body)
    client.post(reverse("inventory:import"), {"confirm": "1", "token": response.context["token"]})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.IMPORTED
    response = client.post(reverse("inventory:import_recheck", args=[job.token]), {}, follow=True)
    assert "This import is no longer pending: upload the file again." in [
        str(m) for m in get_messages(response.wsgi_request)
    ]
    assert models.Device.objects.count() == 1


def test_the_preview_tells_each_rows_outcome(client, engineer, gedung):
    """Refused rows are marked as such; the engine's outcomes (new, changed with its columns) are shown."""
    client.force_login(engineer)
    body = "nama,jenis,opd,lokasi\nsrv-1,server,Diskominfo,Gedung A\nsrv-2,pabrik,Diskominfo,Gedung A\n"
    response = _upload_servers(client, body)
    statuses = {row.number: row.status for row in response.context["rows"]}
    assert statuses[3] == "refused"
    assert b'data-row="3" data-bad="1" data-status="refused"' in response.content
    assert response.context["counts"]["refused"] == 1
    assert b"1 row refused" in response.content
    # A staged job's report, as the check writes it: one new row, one changed in two columns.
    job = ImportJob.objects.get()
    report = dict(job.report, errors=[], result={"created": 1, "updated": 1, "unchanged": 0})
    report["outcomes"] = [[2, "new", []], [3, "changed", ["jenis", "lokasi"]]]
    report["created_refs"] = [["site", "Gedung Baru", "", [3]]]
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.STAGED, report=report)
    response = client.get(reverse("inventory:import_job", args=[job.token]))
    rows = {row.number: (row.status, list(row.changed)) for row in response.context["rows"]}
    assert rows == {2: ("new", []), 3: ("changed", ["jenis", "lokasi"])}
    assert b"1 new, 1 changed, 0 unchanged" in response.content
    assert b"jenis, lokasi" in response.content
    assert b"Gedung Baru" in response.content
    assert b'data-testid="confirm-import"' in response.content


def test_the_job_page_runs_as_many_queries_whatever_the_saved_mappings(client, engineer, gedung):
    client.force_login(engineer)
    response = _upload_servers(client)
    url = reverse("inventory:import_job", args=[response.context["job"].token])
    counts = []
    for total in (1, 6):
        while models.ImportMapping.objects.count() < total:
            n = models.ImportMapping.objects.count()
            models.ImportMapping.objects.create(kind="devices", name=f"Server {n}", columns={"a": "nama", "b": ""})
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        counts.append(len(page))
    assert counts[0] == counts[1]


def test_indonesian_titles_are_proposed_by_their_synonyms(client, engineer, gedung):
    client.force_login(engineer)
    body = "No,Nama Server,Nama OPD,Lokasi,Merk,Tipe\n1,srv-01,Diskominfo,Gedung A,Dell,PowerEdge R740\n"
    response = _upload_servers(client, body)
    columns = {c["title"]: (c["column"], c["how"]) for c in response.context["panel"]["columns"]}
    assert columns["Nama Server"] == ("nama", "synonym")
    assert columns["Nama OPD"] == ("opd", "synonym")
    assert columns["Tipe"] == ("model", "synonym")  # the model, not the kind of device
    assert b"synonym" in response.content
    # Only the kind is missing: given for every row, the file imports as it is.
    assert [u["column"].name for u in response.context["panel"]["needed"] if u["missing"]] == ["jenis"]
    response = _recheck(client, response, **{"constant-jenis": "server"})
    client.post(reverse("inventory:import"), {"confirm": "1", "token": response.context["token"]})
    assert list(models.Device.objects.values_list("name", "kind", "model")) == [("srv-01", "server", "PowerEdge R740")]


def test_a_saved_mapping_that_fits_is_found_without_being_chosen(client, engineer, gedung):
    models.ImportMapping.objects.create(
        kind="devices", name="Daftar server BMD", columns={"identitas_mesin": "nama"}, constants={"jenis": "server"}
    )
    client.force_login(engineer)
    response = _upload_servers(client)  # "Automatic"
    assert response.context["errors"] == []
    assert response.context["panel"]["saved"] == "Daftar server BMD"
    assert b'data-testid="confirm-import"' in response.content


def test_missing_sites_are_listed_before_the_confirmation_and_created_with_the_import(client, engineer, gedung):
    """Needs lane "assets" (the engine's create-missing): the option at upload, the sites listed first."""
    client.force_login(engineer)
    body = "nama,jenis,opd,lokasi\nsrv-1,server,Diskominfo,Gedung Baru\nsrv-2,server,Diskominfo,Gedung Baru\n"
    refused = _upload_servers(client, body)
    assert refused.context["token"] == ""
    assert [e.row for e in refused.context["errors"]] == [2, 3]
    response = _upload_servers(client, body, create_missing="1")
    assert [(r.noun, r.name, list(r.rows)) for r in response.context["created_refs"]] == [
        ("site", "Gedung Baru", [2, 3])
    ]
    assert b'data-testid="created-refs"' in response.content
    assert not models.Site.objects.filter(name="Gedung Baru").exists()
    client.post(reverse("inventory:import"), {"confirm": "1", "token": response.context["token"]})
    assert set(models.Device.objects.values_list("name", "site__name")) == {
        ("srv-1", "Gedung Baru"),
        ("srv-2", "Gedung Baru"),
    }


def test_a_saved_mapping_the_template_no_longer_fits_is_said_and_nothing_offered(client, engineer, gedung):
    stale = models.ImportMapping.objects.create(kind="devices", name="Lama", columns={"identitas_mesin": "kolom_lama"})
    client.force_login(engineer)
    response = _upload_servers(client, saved_mapping=str(stale.pk))
    assert response.context["token"] == ""
    [error] = response.context["errors"]
    assert error.row is None
    assert error.message.startswith(
        "The column mapping cannot be used: The devices template has no column “kolom_lama”"
    )
    # The panel offers the automatic proposal instead.
    assert response.context["panel"]["saved"] == ""
    assert ImportJob.objects.get().status == ImportStatus.INVALID
