"""Take the README's screenshots from the demo city, in a real (headless) Chromium.

    .venv/bin/python scripts/screenshots.py            # its own server on a fresh demo database
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000   # a server already running

Writes docs/screenshots/{dashboard,device-list,device,migration-board,fiber-link}.png.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PYTHON = sys.executable
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def start_server(port: int) -> tuple[subprocess.Popen, str]:
    var = tempfile.mkdtemp(prefix="simpul-shots-")
    env = {**os.environ, "SIMPUL_VAR_DIR": var, "DEBUG": "true", "SIMPUL_PROBE_NETWORKS": "127.0.0.0/8,::1/128"}
    # Two sweeps of the demo's checks (all on loopback), so that the probes' pages show states.
    for args in (["migrate", "-v0"], ["load_demo"], ["probe", "run", "--all"], ["probe", "run", "--all"]):
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
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
            return server, url
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def shoot(url: str) -> None:
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
        page.goto("/probes/checks/?per_page=25")
        page.screenshot(path=OUT / "checks.png")
        page.locator("table a[href*='/probes/checks/']").first.click()
        page.wait_for_load_state()
        page.screenshot(path=OUT / "check.png", full_page=True)
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
    server, url = start_server(args.port)
    try:
        shoot(url)
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
