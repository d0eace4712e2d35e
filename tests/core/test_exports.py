"""No download turns user text into a formula (issue 9, finding 2).

An OPD operator may write ``=HYPERLINK("http://x","click")`` as a serial; every CSV and XLSX the
project writes must give it back as text. The downloads are found, not listed: every list page and
API list in the URL conf (with ``as_of`` too), the import templates and the export commands; and no
module but ``infra.core.exports`` may write CSV or XLSX at all, so a new download cannot bypass it.
"""

import ast
import csv
import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from infra.core import exports
from infra.core.api.viewsets import AsOfMixin, ExportMixin
from infra.core.models.changes import ImmutableChangeError
from infra.core.views import ObjectListView
from infra.inventory import spreadsheets
from infra.inventory.models import Device

from ..api.conftest import token_client
from ..factories import DeviceFactory
from ..inventory.test_views import city  # noqa: F401  (one object of every model)
from ..urlconf import patterns

INFRA = Path(__file__).resolve().parents[2] / "infra"
# What a spreadsheet program runs: each first character of OWASP's rule.
PAYLOADS = (
    '=HYPERLINK("http://x","click")',
    "=cmd|' /C calc'!A0",
    '+1+cmd|" /C calc"!A0',
    '-2+cmd|" /C calc"!A0',
    '@SUM(1+1)*cmd|" /C calc"!A0',
    "\t=1+1",
    "\r=1+1",
)
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


# --- the rule ----------------------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_is_quoted_in_csv(payload):
    assert exports.neutralise(payload) == "'" + payload
    assert exports.restore(exports.neutralise(payload)) == payload


@pytest.mark.parametrize("text", ["-6.2", "+62", "-12", "srv-01", "'0812", "", "abc=1", "1e5"])
def test_numbers_and_plain_text_stay_as_they_are(text):
    assert exports.neutralise(text) == text
    assert exports.restore(text) == text


@given(st.text())
def test_restore_undoes_neutralise_for_every_text(text):
    quoted = exports.neutralise(text)
    assert exports.restore(quoted) == text
    assert not quoted.startswith(exports.FORMULA_STARTS) or _NUMBER.fullmatch(quoted)


def test_numbers_stay_numbers_and_text_stays_text_in_both_formats():
    rows = [["n", "t", "d"], [-5, "=1+1", None]]
    assert "".join(exports.csv_lines(rows)) == "\ufeffn,t,d\r\n-5,'=1+1,\r\n"
    cells = next(load_workbook(io.BytesIO(exports.xlsx_bytes(rows))).active.iter_rows(min_row=2))
    assert [(c.value, c.data_type) for c in cells] == [(-5, "n"), ("=1+1", "s"), (None, "n")]


def test_text_xml_cannot_hold_does_not_break_a_workbook():
    book = load_workbook(io.BytesIO(exports.xlsx_bytes([["a"], ["x\x01y"], ["#N/A"]])))
    assert [c.value for (c,) in book.active.iter_rows(min_row=2)] == ["x\ufffdy", "#N/A"]


# --- one writer ----------------------------------------------------------------------------------
WRITERS = {"writer", "DictWriter", "Workbook", "WriteOnlyCell"}


def test_only_core_exports_writes_csv_or_xlsx():
    """A CSV writer, a workbook or a download content type anywhere else is a download that could
    bypass the neutralising writer."""
    offenders = []
    for path in INFRA.rglob("*.py"):
        if path == INFRA / "core" / "exports.py" or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("openpyxl"):
                names = {a.name for a in node.names}
                if names & WRITERS:
                    offenders.append(f"{path}:{node.lineno} imports {names & WRITERS}")
            elif name in WRITERS and isinstance(node, (ast.Attribute, ast.Name)):
                offenders.append(f"{path}:{node.lineno} uses {name}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if "text/csv" in node.value or "spreadsheetml" in node.value:
                    offenders.append(f"{path}:{node.lineno} names a download type")
    assert offenders == []


# --- every download --------------------------------------------------------------------------------
def download_urls() -> list[tuple[str, str]]:
    """(kind, url without the format) of every list download in the URL conf."""
    urls = []
    for route, pattern in patterns():
        if "<" in route or "(?P" in route:
            continue  # a list has no parameters
        path = "/" + route
        view_class = getattr(pattern.callback, "view_class", None)
        viewset = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None) or {}
        if view_class is not None and issubclass(view_class, ObjectListView):
            urls.append(("web", path + "?export="))
        elif viewset is not None and actions.get("get") == "list" and issubclass(viewset, ExportMixin):
            urls.append(("api", path + "?format="))
            if issubclass(viewset, AsOfMixin):
                urls.append(("api as_of", path + "?as_of={now}&format="))
    return urls


def required_filters(url: str) -> str:
    """What a list that refuses to be read whole needs (raw probe results are read per check)."""
    if url.startswith("/api/probes/results/"):
        from infra.probes.models import Check

        return f"check={Check.objects.order_by('pk').first().pk}&"
    return ""


def poison(db_models) -> int:
    """Every text field of every stored object becomes a formula (saved, so the change log has them too)."""
    poisoned = 0
    for model in db_models:
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices and not f.primary_key
        ]
        if not fields:
            continue
        for position, obj in enumerate(model.objects.order_by("pk")):
            for index, field in enumerate(fields):
                # By position, not id: ids differ between runs on PostgreSQL (sequences are not reset),
                # and every model's first text must be one the checks recognise in both formats.
                payload = PAYLOADS[(index + position) % len(PAYLOADS)]
                # The first character makes the formula; the id keeps unique names unique.
                text = f"{payload[0]}{obj.pk}.{index}{payload[1:]}"
                setattr(obj, field.attname, text[: field.max_length] if field.max_length else text)
            try:
                obj.save()
            except ImmutableChangeError:
                # Evidence (a migration's transitions) is never edited by the application: poison it
                # below it, as a transition written with such text would hold it.
                model._base_manager.filter(pk=obj.pk).update(**{f.attname: getattr(obj, f.attname) for f in fields})
            poisoned += 1
    return poisoned


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def check_csv(data: bytes, where: str, *, has_data: bool = True) -> None:
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]
    live = [c for c in cells if c.startswith(exports.FORMULA_STARTS) and not _NUMBER.fullmatch(c)]
    assert live == [], f"{where}: cells a spreadsheet would run: {live[:5]}"
    if has_data:
        assert any(c[:2] in ("'=", "'+", "'-", "'@") for c in cells), f"{where}: no formula text to check"


def check_xlsx(data: bytes, where: str, *, has_data: bool = True) -> None:
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [c.value for c in cells if c.data_type == "f"]
    assert formulas == [], f"{where}: formula cells {formulas[:5]}"
    if has_data:
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert any(t.startswith(("=", "+", "-", "@")) and not _NUMBER.fullmatch(t) for t in texts), (
            f"{where}: formula text not kept as it was"
        )


CHECKS = {"csv": check_csv, "xlsx": check_xlsx}


def test_download_urls_are_found():
    found = download_urls()
    kinds = {kind for kind, _url in found}
    assert kinds == {"web", "api", "api as_of"}
    assert ("api", "/api/changes/?format=") in found  # the change log
    from infra.inventory.urls import PAGES

    assert len([k for k, _u in found if k == "web"]) >= len(PAGES)


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_no_download_holds_a_live_formula(client, admin_user, city, fmt):  # noqa: F811
    apps.get_model("probes", "Check").objects.create(address="127.0.0.9")  # a row for the checks sheet
    channel = apps.get_model("probes", "AlertChannel").objects.create(name="saluran", url="http://127.0.0.1:9/")
    apps.get_model("probes", "AlertRule").objects.create(name="aturan", channel=channel)  # rows for the alert lists
    apps.get_model("probes", "AlertDelivery").objects.create(channel=channel, created=timezone.now(), summary="x")
    poison(apps.get_app_config("inventory").get_models())
    poison(apps.get_app_config("probes").get_models())
    # A diagram snapshot (the maps list): its title and view are text, poisoned below its immutability.
    from infra.maps.builders import DiagramParams
    from infra.maps.services.snapshots import take_snapshot

    take_snapshot("city", DiagramParams(view="city"))
    poison(apps.get_app_config("maps").get_models())
    # The sign-in log: what someone typed as a user name, and their browser's name, are text too.
    for model in (AccessLog, AccessFailureLog):
        model.objects.create(username=PAYLOADS[0], user_agent=PAYLOADS[1], ip_address="127.0.0.1", path_info="/login/")
    now = quote(timezone.now().isoformat())
    client.force_login(admin_user)
    api = token_client(admin_user)
    checked = 0
    for kind, url in download_urls():
        url = url.format(now=now).replace("?", "?" + required_filters(url), 1) + fmt
        response = (client if kind == "web" else api).get(url)
        assert response.status_code == 200, (url, response.status_code)
        CHECKS[fmt](_body(response), url)
        checked += 1
    for name in spreadsheets.KINDS:
        response = client.get(reverse("inventory:import_template", args=[name, fmt]))
        CHECKS[fmt](_body(response), f"template {name}", has_data=False)
        out = io.StringIO() if fmt == "csv" else None
        if fmt == "csv":
            call_command("export_data", name, stdout=out)
            CHECKS[fmt](out.getvalue().encode(), f"export_data {name}")
        else:
            buffer = io.BytesIO()
            spreadsheets.export(name, buffer, format="xlsx")
            CHECKS[fmt](buffer.getvalue(), f"export_data {name}")
        checked += 2
    assert checked > 30


# --- the round trip ------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_export_edit_import_keeps_formula_text_as_it_was(db, tmp_path, fmt):
    """Export, change one cell, import: the serials come back without a quote added."""
    serials = {}
    for index, payload in enumerate(PAYLOADS[:5]):
        device = DeviceFactory(serial=payload, description=f"lama {index}")
        serials[device.name] = payload
    path = tmp_path / f"devices.{fmt}"
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as stream:
            spreadsheets.export("devices", stream)
        text = path.read_text(encoding="utf-8")
        assert "'=HYPERLINK" in text and "'@SUM" in text
        path.write_text(text.replace("lama 0", "baru"), encoding="utf-8")
    else:
        spreadsheets.export("devices", path, format="xlsx")
        book = load_workbook(path)
        for row in book["Data"].iter_rows():
            for cell in row:
                if cell.value == "lama 0":
                    cell.value = "baru"
        book.save(path)

    result = spreadsheets.import_file("devices", path)

    assert (result.created, result.updated) == (0, 1)
    assert dict(Device.objects.values_list("name", "serial")) == serials
    assert Device.objects.filter(description="baru").count() == 1
