"""Take the README's screenshots from the demo city, in a real (headless) Chromium.

    .venv/bin/python scripts/screenshots.py            # its own server on a fresh demo database
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000   # a server already running

Writes docs/screenshots/*.png: the dashboard (with its "down now" panel), the device list, a device,
the migration board and progress, the evidence page (SPBE indicators), a fiber link, the checks, a
check, the status page, a device's charts (Month) and an OPD's availability report, both for the
month of a device's outage in the synthetic history (the last full month when it had one: the
history's episodes are few), and an alert channel.

Its own server loads the demo as ``make run`` does (the demo city, then its synthetic year of probe
history), probes every check three times (the demo's live incident is down after three failures), and
adds a webhook alert channel with no secret pointing at a receiver this script runs on 127.0.0.1, so
that the channel's page shows a test message and the live incident's alert delivered.
"""

import argparse
import datetime
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PYTHON = sys.executable
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# Run in the demo database (manage.py shell): a webhook channel with no secret and a rule sending it
# everything, and the picks for the charts and the report. Prints the picks as JSON.
SETUP = """
import datetime
import json
from django.db.models import Count, DurationField, ExpressionWrapper, F
from django.utils import timezone
from infra.core.choices import ChangeSource
from infra.core.context import change_context
from infra.inventory.models import Organization
from infra.probes.choices import ChannelKind, Severity
from infra.probes.models import AlertChannel, AlertRule, Downtime
with change_context(source=ChangeSource.COMMAND):
    channel, _ = AlertChannel.objects.get_or_create(
        name="Webhook NOC Diskominfo",
        defaults={"kind": ChannelKind.WEBHOOK, "url": URL, "description": "Demo: penerima di 127.0.0.1."},
    )
    AlertRule.objects.get_or_create(
        name="Semua gangguan", defaults={"channel": channel, "min_severity": Severity.INFO, "on_flapping": True}
    )
# The latest outage at an OPD of one site (its report's total then shows it) in a month already over,
# so that the charts' Month and the report show one: the month is the last full month when it had one
# (the history's episodes are few, a month may have none). The longest outage of that month: its
# device, its OPD, and how many months back.
today = timezone.localdate()
this_month = today.replace(day=1)
zone = timezone.get_current_timezone()
single = Organization.objects.annotate(n=Count("sites")).filter(n=1).values("pk")
outages = Downtime.objects.filter(
    probe_check__kind="icmp",
    end__lt=datetime.datetime.combine(this_month, datetime.time(), tzinfo=zone),
    probe_check__device__site__organization__in=single,
).select_related("probe_check__device__site")
down = outages.order_by("-start").first()
picks = {"channel": channel.pk}
if down is not None:
    month = timezone.localtime(down.start).date().replace(day=1)
    start = datetime.datetime.combine(month, datetime.time(), tzinfo=zone)
    longest = ExpressionWrapper(F("start") - F("end"), output_field=DurationField())
    down = outages.filter(start__gte=start).order_by(longest).first()
    picks.update(
        device=down.probe_check.device_id,
        organization=down.probe_check.device.site.organization_id,
        month=f"{month:%Y-%m}",
        months_back=(this_month.year - month.year) * 12 + this_month.month - month.month,
    )
print(json.dumps(picks))
"""


class Receiver(http.server.BaseHTTPRequestHandler):
    """The alert webhook's other end, on loopback: answers every POST with 204."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def start_receiver() -> str:
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{receiver.server_port}/simpul"


def start_server(port: int) -> tuple[subprocess.Popen, str, dict]:
    var = tempfile.mkdtemp(prefix="simpul-shots-")
    env = {
        **os.environ,
        "SIMPUL_VAR_DIR": var,
        "DEBUG": "true",
        "SIMPUL_PROBE_NETWORKS": "127.0.0.0/8,::1/128",
        "SIMPUL_PROBE_REFERENCE": "127.0.0.1",
        "SIMPUL_ALERT_SETTLE_SECONDS": "0",  # decide about the live incident's down at once
    }
    env.pop("DATABASE_URL", None)  # a fresh SQLite database in the var directory
    # The demo as `make run` loads it, then three sweeps of its checks (all on loopback): the pages
    # show states, and the live incident (an SNMP check where no agent listens) is down.
    # Hourly figures for 120 days (`make run` keeps 14 on SQLite), so that a past month's latency shows.
    run = ["probe", "run", "--all"]
    history = ["probe", "demo-history", "--hourly-days", "120"]
    for args in (["migrate", "-v0"], ["load_demo"], history, run, run, run):
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    code = f"URL = {start_receiver()!r}\n{SETUP}"
    picks = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    picks = json.loads(picks.stdout.strip().splitlines()[-1])
    subprocess.run([PYTHON, "manage.py", "probe", "alerts"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/login/", timeout=1)
            return server, url, picks
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def shoot(url: str, picks: dict | None = None) -> None:
    """Sign in as the demo's engineer and shoot each page. ``picks`` (from SETUP): the device for the
    charts, the OPD for the report, the alert channel; without them the first of each list."""
    picks = picks or {}
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page(base_url=url, viewport={"width": 1440, "height": 900}, locale="id-ID")
        page.goto("/login/")
        page.fill("#id_username", "insinyur")
        page.fill("#id_password", "simpul-demo")
        page.get_by_test_id("login").click()
        page.wait_for_url("**/")
        page.screenshot(path=OUT / "dashboard.png", full_page=False)
        page.goto("/devices/?per_page=25")
        page.screenshot(path=OUT / "device-list.png")
        page.goto("/devices/?kind=server&migration_state=testing&per_page=25")
        page.locator("table tbody tr td a").first.click()
        page.wait_for_load_state()
        page.screenshot(path=OUT / "device.png", full_page=True)
        page.goto("/migrations/board/")
        page.screenshot(path=OUT / "migration-board.png")
        page.goto("/fiber-links/?status=active")
        page.locator("table tbody tr td a").first.click()
        page.wait_for_load_state()
        page.screenshot(path=OUT / "fiber-link.png")
        page.goto("/migrations/progress/")
        page.screenshot(path=OUT / "migration-progress.png", full_page=True)
        # The SPBE indicators as an auditor asks for them: on 31 December of last year, rebuilt from history.
        page.goto(f"/evidence/?as_of={datetime.date.today().year - 1}-12-31")
        page.screenshot(path=OUT / "evidence.png", full_page=True)
        page.goto("/probes/checks/?per_page=25")
        page.screenshot(path=OUT / "checks.png")
        page.locator("table a[href*='/probes/checks/']").first.click()
        page.wait_for_load_state()
        page.screenshot(path=OUT / "check.png", full_page=True)

        page.goto("/probes/status/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "status.png", full_page=True)

        if picks.get("device"):
            page.goto(f"/devices/{picks['device']}/")
        else:
            page.goto("/probes/checks/?kind=icmp&per_page=25")
            page.locator("table tbody tr td a[href^='/devices/']").first.click()
        page.wait_for_load_state()
        charts = page.get_by_test_id("charts")
        title = page.get_by_test_id("chart-title")
        changed = "([el, old]) => el.textContent !== old"
        title.wait_for()
        page.wait_for_function("el => el.textContent !== ''", arg=title.element_handle())  # the Day loaded
        shown = title.inner_text()
        page.get_by_test_id("range-month").click()
        page.wait_for_function(changed, arg=[title.element_handle(), shown])
        for _ in range(picks.get("months_back", 1)):  # the month of the outage, or the last full month
            shown = title.inner_text()
            page.get_by_test_id("chart-previous").click()
            page.wait_for_function(changed, arg=[title.element_handle(), shown])
        page.locator("[data-testid=chart-band] canvas").first.wait_for()
        page.wait_for_load_state("networkidle")
        charts.evaluate("panel => window.scrollTo(0, panel.getBoundingClientRect().top + window.scrollY - 8)")
        page.screenshot(path=OUT / "charts.png")

        # The report of the OPD and month of that outage; without picks, the first OPD's last full month.
        if picks.get("organization"):
            page.goto(f"/probes/reports/availability/?month={picks['month']}&organization={picks['organization']}")
        else:
            page.goto("/probes/reports/availability/")
            page.locator("#report-organization").select_option(index=1)
            page.get_by_test_id("report-show").click()
            page.wait_for_load_state()
        page.screenshot(path=OUT / "report.png")

        if picks.get("channel"):
            page.goto(f"/probes/alert-channels/{picks['channel']}/")
            page.get_by_test_id("send-test").click()
            page.wait_for_load_state()
            page.goto(f"/probes/alert-channels/{picks['channel']}/")
        else:
            page.goto("/probes/alert-channels/")
        page.screenshot(path=OUT / "alerts.png")
        browser.close()
    for name in sorted(OUT.glob("*.png")):
        print(name.relative_to(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Simpul with the demo city (default: start one)")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if args.url:
        shoot(args.url)
        return
    server, url, picks = start_server(args.port)
    try:
        shoot(url, picks)
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
