"""Lost updates under real parallel requests: gunicorn (several workers and threads) in front of the
real database, writers released at the same moment.

The review's trial: five parallel PATCHes of one device with the same If-Match gave three 200s and
two 412s in every one of ten trials, because the ETag was compared before the transaction and
without a row lock. Each test here runs on SQLite and on PostgreSQL (whichever the suite runs on).
"""

from __future__ import annotations

import importlib.util
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from infra.core.choices import Role
from infra.inventory.forms import DeviceForm

from ..factories import DeviceFactory, UserFactory
from ..served import ROOT, collect_static, gunicorn
from .conftest import token_client

pytestmark = pytest.mark.django_db(transaction=True)

_spec = importlib.util.spec_from_file_location("concurrency_trial", ROOT / "scripts" / "concurrency_trial.py")
trial_script = sys.modules.setdefault("concurrency_trial", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(trial_script)


@pytest.fixture(scope="session")
def static_files(tmp_path_factory):
    return collect_static(tmp_path_factory.mktemp("static"))


@pytest.fixture
def writer():
    return UserFactory(username="penulis-paralel", role=Role.ENGINEER)


def test_ten_trials_of_five_parallel_patches_with_one_if_match(tmp_path, writer):
    """Exactly one writer of each trial wins (200), the four others get 412, and the winner's value
    is what the device holds."""
    device = DeviceFactory(description="asli")
    key = token_client(writer).key
    with gunicorn(tmp_path) as url:
        trials = trial_script.run_trials(url, key, device.pk, trials=10, parallel=5)
    report = "\n".join(t.describe() for t in trials)
    for trial in trials:
        assert sorted(trial.statuses) == [200, 412, 412, 412, 412], report
        assert trial.stored == trial.sent[trial.winners[0]], report


def test_the_script_reports_its_trials(tmp_path, writer, capsys):
    DeviceFactory()
    key = token_client(writer).key
    with gunicorn(tmp_path) as url:
        status = trial_script.main([url, key, "--trials", "2", "--parallel", "3"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "2 of 2 trials correct" in out


# --- the web edit page ---------------------------------------------------------------------------


def _form_data(form) -> dict[str, str]:
    """What the browser sends for an unchanged edit form (the version included)."""
    values = {name: form[name].value() for name in form.fields}
    return {name: "" if value is None else str(value) for name, value in values.items()}


class Browser:
    """A signed-in browser talking to the served site: its session cookie and CSRF token."""

    url = ""  # the server's, once it runs

    def __init__(self, user) -> None:
        client = Client()
        client.force_login(user)  # the session row is committed (before the server starts)
        self.cookies = {"sessionid": client.cookies["sessionid"].value}

    def _open(self, method: str, path: str, data: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.url + path, data=body, method=method)
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        request.add_header("Accept-Language", "en")
        request.add_header("Referer", self.url + path)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status if hasattr(response, "status") else response.code, response.read().decode()

    def open_page(self, path: str) -> None:
        """Open the page as the browser does: its CSRF cookie and the form's token."""
        status, html = self._open("GET", path)
        assert status == 200, html
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def post(self, path: str, data: dict):
        return self._open("POST", path, {**data, "csrfmiddlewaretoken": self.csrf})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_two_parallel_web_edits_with_one_version_save_once(tmp_path, writer, static_files):
    """Two people press Save at the same moment on the same opened page: one change is saved, the
    other is refused and says so; the device holds the saved one."""
    device = DeviceFactory(description="asli")
    opened = _form_data(DeviceForm(instance=device, user=writer))
    assert opened["_version"]
    path = reverse("inventory:device_edit", args=[device.pk])
    api_key = token_client(writer).key
    browsers = [Browser(writer) for _ in range(2)]
    with gunicorn(tmp_path, static=static_files) as url:
        for browser in browsers:  # opened first, so both posts leave at once
            browser.url = url
            browser.open_page(path)
        start = threading.Barrier(2)

        def save(n: int):
            start.wait()
            return browsers[n].post(path, {**opened, "description": f"simpan {n}"})

        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(save, range(2)))
        stored = trial_script.call(url, api_key, "GET", f"/api/devices/{device.pk}/")[2]["description"]
    statuses = [status for status, _html in answers]
    assert sorted(statuses) == [302, 400], statuses
    refused = answers[statuses.index(400)][1]
    assert "changed this record after you opened it" in refused
    assert stored == f"simpan {statuses.index(302)}"


def test_sqlite_transactions_take_the_write_lock_when_they_begin():
    """On SQLite the check-then-write of a conditional write is safe because every transaction is
    BEGIN IMMEDIATE: the test database and the served copy use the deployed settings."""
    connection = connections["default"]
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL locks the rows instead (SELECT ... FOR UPDATE)")
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
