"""The demo web server (``infra.probes.demo_websites``): every case the websites report shows, served for
real on loopback and read back with urllib, ssl and feedparser.

Each xdist worker serves the demo's sites from addresses of its own (127.73.<worker>.x) on two free
ports, so workers and a running ``make run`` never meet. Nothing leaves 127.0.0.0/8."""

from __future__ import annotations

import datetime
import email.utils
import ipaddress
import os
import re
import signal
import socket
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from django.core.management import CommandError, call_command

from infra.inventory.demo import OPD_ROWS
from infra.inventory.demo.data import APPLICATIONS
from infra.inventory.demo.websites import (
    APPLICATION_URLS,
    CASES,
    DEMO_SITES,
    FLAGS,
    LOOPBACK,
    OPD_WEBSITES,
    TLS_KINDS,
)
from infra.probes.demo_websites import WIB, DemoServerError, DemoWebsites, ensure_ca, running, tanggal

ROOT = Path(__file__).resolve().parents[2]
SLOW = 1.0
MONTHS = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split()


class Clock:
    """The server's clock: the real time plus an offset a test can move (a day later, ...)."""

    def __init__(self) -> None:
        self.offset = datetime.timedelta()

    def __call__(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC) + self.offset


def _free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def _worker_net() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return f"127.73.{int(worker) % 250 if worker.isdigit() else 0}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    net = _worker_net()
    sites = [replace(s, address=f"{net}.{s.address.rsplit('.', 1)[1]}") if s.address else s for s in DEMO_SITES]
    first = next(s.address for s in sites if s.address)
    clock = Clock()
    server = DemoWebsites(
        tmp_path_factory.mktemp("demo-websites"),
        sites,
        http_port=_free_port(first),
        https_port=_free_port(first),
        slow_seconds=SLOW,
        clock=clock,
    )
    server.clock_control = clock
    server.by_owner = {s.owner: s for s in sites}
    with running(server):
        yield server


def url(demo, owner: str, path: str = "/", scheme: str | None = None) -> str:
    site = demo.by_owner[owner]
    scheme = scheme or site.scheme
    port = demo.https_port if scheme == "https" else demo.http_port
    return f"{scheme}://{site.address}:{port}{path}"


def trusting(demo) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(demo.ca_file))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(demo, owner: str, path: str = "/", scheme: str | None = None, timeout: float = 5, follow: bool = True):
    """(status, headers, text) of one request; HTTP errors are answers too."""
    handlers = [urllib.request.HTTPSHandler(context=trusting(demo))]
    if not follow:
        handlers.append(NoRedirect())
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(url(demo, owner, path, scheme), timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def certificate_error(demo, owner: str, context: ssl.SSLContext | None = None) -> ssl.SSLCertVerificationError:
    site = demo.by_owner[owner]
    context = context or trusting(demo)
    with socket.create_connection((site.address, demo.https_port), timeout=5) as raw:
        with pytest.raises(ssl.SSLCertVerificationError) as caught:
            context.wrap_socket(raw, server_hostname=site.address)
    return caught.value


def peer_certificate(demo, owner: str) -> dict:
    site = demo.by_owner[owner]
    with socket.create_connection((site.address, demo.https_port), timeout=5) as raw:
        with trusting(demo).wrap_socket(raw, server_hostname=site.address) as tls:
            return tls.getpeercert()


def age(moment: datetime.datetime) -> datetime.timedelta:
    return datetime.datetime.now(datetime.UTC) - moment


def feed_newest(text: str) -> datetime.datetime:
    parsed = feedparser.parse(text)
    assert not parsed.bozo, parsed.bozo_exception
    stamps = [e.get("published_parsed") or e.get("updated_parsed") for e in parsed.entries]
    return max(datetime.datetime(*s[:6], tzinfo=datetime.UTC) for s in stamps)


def sitemap_newest(text: str) -> datetime.datetime:
    marks = [e.text for e in ET.fromstring(text).iter() if e.tag.endswith("lastmod")]
    return max(datetime.datetime.fromisoformat(m) for m in marks)


def indonesian_dates(text: str) -> list[datetime.date]:
    found = re.findall(r"(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})", text)
    return [datetime.date(int(y), MONTHS.index(m) + 1, int(d)) for d, m, y in found]


# --- the catalogue ---------------------------------------------------------------------------------


def test_the_catalogue_covers_every_case_on_loopback_and_names_real_owners():
    assert {s.case for s in DEMO_SITES} == set(CASES)
    assert {s.tls for s in DEMO_SITES} == set(TLS_KINDS)
    assert set(FLAGS) <= {f for s in DEMO_SITES for f in s.flags}
    opds = {short for _name, short, _kind in OPD_ROWS}
    assert set(OPD_WEBSITES) == opds  # every OPD has a website
    assert set(APPLICATION_URLS) <= {a.short_name for a in APPLICATIONS}
    assert {"e-Planning", "e-Budgeting", "Dukcapil Online", "Antrean MPP"} <= set(APPLICATION_URLS)
    local = [s for s in DEMO_SITES if s.case != "public"]
    assert len([s for s in local if s.object == "opd"]) > len(opds) * 3 / 4  # most OPDs: served here
    for site in local:
        host = site.url().split("//")[1].split(":")[0]
        assert ipaddress.ip_address(host) in LOOPBACK
    for site in DEMO_SITES:
        if site.case == "public":
            assert ".bandarlampungkota.go.id" in site.url()
    # The public services' expected text: on the page of all but the one in maintenance.
    assert {s.owner for s in DEMO_SITES if s.expect_text} == set(APPLICATION_URLS)


def test_a_site_off_loopback_is_refused(tmp_path):
    site = next(s for s in DEMO_SITES if s.case == "wordpress")
    with pytest.raises(DemoServerError, match="loopback"):
        DemoWebsites(tmp_path, [replace(site, address="10.0.0.1")])


def test_the_ca_is_made_once_and_its_key_kept_private(tmp_path):
    first = ensure_ca(tmp_path)
    pem = first.read_bytes()
    assert ensure_ca(tmp_path) == first and first.read_bytes() == pem
    assert stat.S_IMODE((tmp_path / "ca-key.pem").stat().st_mode) == 0o600


# --- freshness cases -------------------------------------------------------------------------------


def test_wordpress_site_links_an_rss_feed_dated_today(demo):
    status, _, home = fetch(demo, "Setda")
    assert status == 200 and 'content="WordPress' in home
    link = re.search(r'<link rel="alternate" type="application/rss\+xml"[^>]*href="([^"]+)"', home).group(1)
    assert link == url(demo, "Setda", "/feed/")
    _, headers, feed = fetch(demo, "Setda", "/feed/")
    assert headers.get_content_type() == "application/rss+xml"
    assert age(feed_newest(feed)) < datetime.timedelta(hours=1)
    assert feed_newest(fetch(demo, "Setda", "/?feed=rss2")[2]) == feed_newest(feed)  # the other WordPress path
    assert "Last-Modified" not in headers
    entry = feedparser.parse(feed).entries[0]  # the newest post: its page answers with its title
    status, _, article = fetch(demo, "Setda", entry.link.split(str(demo.https_port), 1)[1])
    assert status == 200 and entry.title in article
    # An older WordPress site: its newest post as old as the catalogue says.
    assert abs(age(feed_newest(fetch(demo, "DLH", "/feed/")[2])) - datetime.timedelta(days=200)) < datetime.timedelta(
        hours=1
    )


def test_atom_site_is_stale_its_newest_entry_120_days_old(demo):
    _, _, home = fetch(demo, "Setwan")
    assert 'type="application/atom+xml"' in home and 'href="/feed.atom"' in home
    newest = feed_newest(fetch(demo, "Setwan", "/feed.atom")[2])
    assert abs(age(newest) - datetime.timedelta(days=120)) < datetime.timedelta(hours=1)


def test_joomla_site_has_its_feed_only_at_the_usual_path(demo):
    _, _, home = fetch(demo, "Disnaker")
    assert "Joomla!" in home and "application/rss+xml" not in home and "atom+xml" not in home
    newest = feed_newest(fetch(demo, "Disnaker", "/index.php?format=feed&type=rss")[2])
    assert abs(age(newest) - datetime.timedelta(days=10)) < datetime.timedelta(hours=1)


def test_sitemap_sites_date_themselves_by_lastmod_only(demo):
    _, _, home = fetch(demo, "BPKAD")
    assert "rss" not in home and "atom" not in home and not indonesian_dates(home)
    assert url(demo, "BPKAD", "/sitemap.xml") in fetch(demo, "BPKAD", "/robots.txt")[2]
    newest = sitemap_newest(fetch(demo, "BPKAD", "/sitemap.xml")[2])
    assert abs(age(newest) - datetime.timedelta(days=6)) < datetime.timedelta(hours=1)
    assert fetch(demo, "BPKAD", "/feed/")[0] == 404
    # A sitemap index: the newest lastmod is in a child sitemap, 100 days old (stale).
    index = fetch(demo, "Diskop UKM", "/sitemap.xml")[2]
    assert "<sitemapindex" in index
    children = re.findall(r"<loc>([^<]+)</loc>", index)
    assert url(demo, "Diskop UKM", "/post-sitemap.xml") in children
    newest = sitemap_newest(fetch(demo, "Diskop UKM", "/post-sitemap.xml")[2])
    assert abs(age(newest) - datetime.timedelta(days=100)) < datetime.timedelta(hours=1)


def test_news_list_site_dates_its_items_in_indonesian(demo):
    now = datetime.datetime.now(datetime.UTC)
    _, _, home = fetch(demo, "Bapenda")
    assert "rss" not in home and fetch(demo, "Bapenda", "/sitemap.xml")[0] == 404
    dates = indonesian_dates(home)
    expected = (now - datetime.timedelta(days=1, minutes=20)).astimezone(WIB).date()
    assert max(dates) == expected and len(dates) >= 5
    assert tanggal(expected) in home  # with the day's name: "Senin, 30 November 2026"
    stale = max(indonesian_dates(fetch(demo, "Kesbangpol")[2]))
    assert (now.astimezone(WIB).date() - stale).days in (150, 151)


def test_static_site_is_dated_by_last_modified_only(demo):
    _, headers, home = fetch(demo, "DPPPA")
    changed = email.utils.parsedate_to_datetime(headers["Last-Modified"])
    assert abs(age(changed) - datetime.timedelta(days=45, hours=3)) < datetime.timedelta(minutes=5)
    assert not indonesian_dates(home) and "rss" not in home


def test_text_only_site_changes_its_text_daily(demo):
    first, again = fetch(demo, "BKPSDM")[2], fetch(demo, "BKPSDM")[2]
    assert first == again  # nothing moves within a day
    demo.clock_control.offset = datetime.timedelta(days=1)
    try:
        tomorrow = fetch(demo, "BKPSDM")[2]
    finally:
        demo.clock_control.offset = datetime.timedelta()
    assert tomorrow != first
    assert not indonesian_dates(first) and "rss" not in first  # nothing but its text dates it


def _without_clock(page: str) -> str:
    page = re.sub(r'<span id="jam">[^<]*</span>', "", page)
    page = re.sub(r'<span id="pengunjung">[^<]*</span>', "", page)
    return page.replace(tanggal(datetime.datetime.now(WIB).date()), "")


def test_clock_page_changes_only_its_clock_and_counter(demo):
    first = fetch(demo, "BPBD")[2]
    time.sleep(1.05)
    second = fetch(demo, "BPBD")[2]
    assert first != second
    clock = [re.search(r'<span id="jam">([^<]*)</span>', p).group(1) for p in (first, second)]
    visitors = [
        int(re.search(r'<span id="pengunjung">([\d.]+)</span>', p).group(1).replace(".", "")) for p in (first, second)
    ]
    assert clock[0] != clock[1] and visitors[1] == visitors[0] + 1
    assert _without_clock(first) == _without_clock(second)
    assert tanggal(datetime.datetime.now(WIB).date()) in first  # today's date: noise too


def test_clock_page_fingerprint_stays_while_the_daily_text_one_moves(demo):
    freshness = pytest.importorskip("infra.probes.freshness")
    today = datetime.datetime.now(WIB).date()
    first = fetch(demo, "BPBD")[2]
    time.sleep(1.05)
    assert freshness.fingerprint(fetch(demo, "BPBD")[2], today) == freshness.fingerprint(first, today)
    text = fetch(demo, "BKPSDM")[2]
    demo.clock_control.offset = datetime.timedelta(days=1)
    try:
        tomorrow = fetch(demo, "BKPSDM")[2]
    finally:
        demo.clock_control.offset = datetime.timedelta()
    assert freshness.fingerprint(tomorrow, today + datetime.timedelta(days=1)) != freshness.fingerprint(text, today)


# --- certificates and security -----------------------------------------------------------------------


def test_valid_certificate_is_trusted_through_the_demo_ca_only(demo):
    cert = peer_certificate(demo, "Setda")
    expires = datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), datetime.UTC)
    assert age(expires) < -datetime.timedelta(days=60)
    assert ("IP Address", demo.by_owner["Setda"].address) in cert["subjectAltName"]
    # Without the demo CA (the system's store only), the same site is untrusted.
    error = certificate_error(demo, "Setda", ssl.create_default_context())
    assert error.verify_code == 20  # unable to get local issuer certificate


def test_expiring_certificate_expires_in_about_ten_days(demo):
    cert = peer_certificate(demo, "Disdukcapil")
    expires = datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), datetime.UTC)
    left = expires - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(days=9) < left < datetime.timedelta(days=30)


def test_expired_wrong_name_and_self_signed_certificates_fail_verification(demo):
    assert certificate_error(demo, "Disdikbud").verify_code == 10  # certificate has expired
    assert certificate_error(demo, "Dinkes").verify_code == 64  # IP address mismatch (62 for a host name)
    assert certificate_error(demo, "Disdag").verify_code == 18  # self-signed


def test_mixed_content_and_hsts(demo):
    _, _, page = fetch(demo, "Dinas PUPR")
    plain = re.findall(r'(?:src|href)="(http://[^"]+)"', page)
    assert plain and all(p.startswith(f"http://{demo.by_owner['Dinas PUPR'].address}:") for p in plain)
    assert not re.findall(r'(?:src|href)="http://', fetch(demo, "Bappeda")[2])
    assert fetch(demo, "Setda")[1]["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in fetch(demo, "Bappeda")[1]


def test_plain_http_site_has_no_https(demo):
    status, _, page = fetch(demo, "Disperkim")
    assert status == 200 and "Berita Terbaru" in page
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((demo.by_owner["Disperkim"].address, demo.https_port), timeout=2).close()


def test_redirects_http_to_https_and_home_to_its_page(demo):
    status, headers, _ = fetch(demo, "Dishub", follow=False)
    assert status == 301 and headers["Location"] == url(demo, "Dishub", "/", "https")
    status, _, page = fetch(demo, "Dishub")  # followed: the HTTPS page
    assert status == 200 and "Berita Terbaru" in page
    status, headers, _ = fetch(demo, "RSUD", follow=False)
    assert status == 302 and headers["Location"] == url(demo, "RSUD", "/beranda/")
    assert fetch(demo, "RSUD")[0] == 200
    assert fetch(demo, "RSUD", "/?feed=rss2", follow=False)[1].get_content_type() == "application/rss+xml"


# --- down, slow, errors, public services -------------------------------------------------------------


def test_down_site_refuses_connections(demo):
    site = demo.by_owner["Satpol PP"]
    for port in (demo.http_port, demo.https_port):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((site.address, port), timeout=2).close()


def test_slow_site_answers_after_the_delay_only(demo):
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        fetch(demo, "Dinsos", timeout=SLOW / 4)
    started = time.monotonic()
    status, _, page = fetch(demo, "Dinsos", timeout=SLOW * 5)
    assert status == 200 and "Berita Terbaru" in page
    assert time.monotonic() - started >= SLOW * 0.95


def test_error_site_answers_500(demo):
    status, _, page = fetch(demo, "DKP")
    assert status == 500 and "database connection" in page


def test_public_services_and_their_expected_text(demo):
    for owner in ("e-Planning", "Dukcapil Online", "Antrean MPP", "e-Budgeting"):
        site = demo.by_owner[owner]
        status, _, page = fetch(demo, owner)
        assert status == 200
        assert (site.expect_text in page) is (owner != "e-Budgeting"), owner
    assert "pemeliharaan" in fetch(demo, "e-Budgeting")[2]


def test_a_second_server_on_the_same_ports_says_so_and_leaves_the_first_serving(demo, tmp_path):
    second = DemoWebsites(tmp_path, list(demo.by_owner.values()), http_port=demo.http_port, https_port=demo.https_port)
    with pytest.raises(DemoServerError, match="already in use"):
        with running(second):
            pass
    assert not second.listening
    assert fetch(demo, "Setda")[0] == 200


# --- the command ---------------------------------------------------------------------------------------


def test_command_serves_until_interrupted_and_refuses_a_second_start(tmp_path, settings):
    ports = [_free_port("127.0.0.11"), _free_port("127.0.0.11")]
    env = {**os.environ, "SIMPUL_VAR_DIR": str(tmp_path)}
    command = [
        sys.executable,
        "manage.py",
        "demo_websites",
        "--http-port",
        str(ports[0]),
        "--https-port",
        str(ports[1]),
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert "Demo websites:" in line and str(tmp_path / "demo-websites" / "ca.pem") in line
        settings.VAR_DIR = tmp_path
        with pytest.raises(CommandError, match="already in use"):
            call_command("demo_websites", "--http-port", str(ports[0]), "--https-port", str(ports[1]))
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=20)
        assert server.returncode == 0 and "stopped" in out
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_prepare_makes_the_ca_only_for_the_demo_city(db, settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("demo_websites", "--prepare")
    assert capsys.readouterr().out == "" and not (tmp_path / "demo-websites").exists()
    from infra.inventory.demo import DATA_CENTER_SITE
    from tests.factories import SiteFactory

    SiteFactory(name=DATA_CENTER_SITE)  # what says the demo city is loaded
    call_command("demo_websites", "--prepare")
    assert capsys.readouterr().out.strip() == str(tmp_path / "demo-websites" / "ca.pem")
    assert (tmp_path / "demo-websites" / "ca.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


# --- the demo's checks, probed for real --------------------------------------------------------------


def _registry(demo):
    """The demo's OPDs and public services, with the URLs of this worker's server (the signals make
    their automatic checks), and the public-looking OPDs with theirs."""
    from tests.factories import ApplicationFactory, OrganizationFactory

    made = {}
    for site in demo.by_owner.values():
        link = site.url(demo.http_port, demo.https_port)
        if site.object == "opd":
            made[site.owner] = OrganizationFactory(short_name=site.owner, website=link)
        else:
            made[site.owner] = ApplicationFactory(short_name=site.owner, url=link)
    return made


def _checks_by_owner(made):
    from infra.probes.models import Check

    checks = {}
    for owner, obj in made.items():
        field = "organization" if hasattr(obj, "website") else "application"
        checks[owner] = Check.objects.select_related("credential", "website").get(kind="http", **{field: obj})
    return checks


@pytest.mark.django_db
def test_follow_demo_checks_switches_on_loopback_only_and_sets_expected_texts(demo):
    from infra.probes.demo_websites import follow_demo_checks

    checks = _checks_by_owner(_registry(demo))
    sites = list(demo.by_owner.values())
    counts = follow_demo_checks(sites, demo.http_port, demo.https_port)
    assert counts["expect_text"] == 4 and counts["created"] == 0  # the signals made them all
    assert follow_demo_checks(sites, demo.http_port, demo.https_port)["expect_text"] == 0  # once
    for owner, check in checks.items():
        check.refresh_from_db()
        site = demo.by_owner[owner]
        assert check.enabled is (site.case != "public"), owner
        assert check.expect_text == site.expect_text, owner


@pytest.mark.django_db
def test_the_demo_checked_for_real_shows_every_case(demo, settings):
    """What the websites report shows for the demo: every case, from the real engine, freshness and
    recording against this worker's demo server."""
    from infra.probes.choices import FreshnessSource, WebsiteWarning
    from infra.probes.demo_websites import follow_demo_checks
    from infra.probes.engines.base import Outcome
    from infra.probes.models import WebsiteStatus
    from infra.probes.services.probing import probe_now

    settings.SIMPUL_HTTP_CA_FILE = str(demo.ca_file)
    settings.SIMPUL_PROBE_REFERENCE = ""
    settings.SIMPUL_WEBSITE_FRESHNESS_HOURS = 0  # every run looks for the last update
    checks = _checks_by_owner(_registry(demo))
    follow_demo_checks(list(demo.by_owner.values()), demo.http_port, demo.https_port)
    checks["Dinsos"].timeout = SLOW / 2  # the slow site, slower than its check's timeout
    checks["Dinsos"].save()
    enabled = [c for owner, c in checks.items() if demo.by_owner[owner].case != "public"]

    def run():
        from infra.probes.models import Check

        fresh = list(Check.objects.select_related("credential", "website").filter(pk__in=[c.pk for c in enabled]))
        observations, _ = probe_now(fresh)
        return {o.check_id: o.outcome for o in observations}

    outcomes = run()
    owner_of = {c.pk: owner for owner, c in checks.items()}
    by_owner = {owner_of[pk]: Outcome(outcome) for pk, outcome in outcomes.items()}
    expected = {
        "Disdikbud": Outcome.TLS_EXPIRED,
        "Dinkes": Outcome.TLS_WRONG_NAME,
        "Disdag": Outcome.TLS_UNTRUSTED,
        "Satpol PP": Outcome.CONNECTION_REFUSED,
        "Dinsos": Outcome.TIMEOUT,
        "DKP": Outcome.HTTP_ERROR,
        "e-Budgeting": Outcome.CONTENT_MISSING,
    }
    for owner, outcome in by_owner.items():
        assert outcome == expected.get(owner, Outcome.OK), owner
    status = {owner_of[s.pk]: s for s in WebsiteStatus.objects.filter(pk__in=outcomes)}
    days = {o: (timezone_now() - s.last_update).days for o, s in status.items() if s.last_update}
    for owner, source, age_days in (
        ("Setda", FreshnessSource.FEED, 0),
        ("Setwan", FreshnessSource.FEED, 120),
        ("Disnaker", FreshnessSource.FEED, 10),
        ("BPKAD", FreshnessSource.SITEMAP, 6),
        ("Diskop UKM", FreshnessSource.SITEMAP, 100),
        ("Bapenda", FreshnessSource.NEWS, 1),
        ("Kesbangpol", FreshnessSource.NEWS, 150),
        ("DPPPA", FreshnessSource.LAST_MODIFIED, 45),
    ):
        assert status[owner].update_source == source, owner
        if source == FreshnessSource.NEWS:
            # news pages print a bare local date, read as that day's midnight UTC: compare the days, as
            # whole-day arithmetic on it depends on the hour the test runs at
            published = (timezone_now() - datetime.timedelta(days=age_days, minutes=20)).astimezone(WIB)
            assert status[owner].last_update.date() == published.date(), owner
        else:
            assert days[owner] == age_days, owner
    assert WebsiteWarning.STALE in status["Setwan"].warnings and WebsiteWarning.STALE not in status["Setda"].warnings
    assert WebsiteWarning.CERT_EXPIRING in status["Disdukcapil"].warnings
    assert WebsiteWarning.CERT_EXPIRED in status["Disdikbud"].warnings
    assert WebsiteWarning.MIXED_CONTENT in status["Dinas PUPR"].warnings
    assert WebsiteWarning.PLAIN_HTTP in status["Disperkim"].warnings
    assert WebsiteWarning.PLAIN_HTTP not in status["Dishub"].warnings  # its http:// address goes to HTTPS
    assert status["Dishub"].final_url.startswith("https://") and status["Dishub"].redirects
    assert status["Setda"].hsts and not status["Bappeda"].hsts
    # The text-only site and the clock page have no date: their fingerprint only, seen once so far.
    assert status["BKPSDM"].last_update is None and status["BPBD"].last_update is None
    # A day later the text-only site has a new text (updated), the clock page only a new time (not).
    demo.clock_control.offset = datetime.timedelta(days=1)
    try:
        run()
    finally:
        demo.clock_control.offset = datetime.timedelta()
    bkpsdm, bpbd = (WebsiteStatus.objects.get(pk=checks[o].pk) for o in ("BKPSDM", "BPBD"))
    assert bkpsdm.update_source == FreshnessSource.FINGERPRINT and bkpsdm.last_update is not None
    assert bpbd.last_update is None


def timezone_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
