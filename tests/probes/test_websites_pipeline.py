"""What a website check found, written: the answer, the certificate and security warnings, when the
site was last updated (a dated source, else the text fingerprint), and the reminders (certificate,
not updated) at most once per period, routed to the alert rules that take them, without moving the
check's up/down state. Then the whole way on loopback: schedule, run_chunk, engine, WebsiteStatus."""

import datetime
import json
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infra.probes.choices import AlertDecision, EventKind, FreshnessSource, WebsiteWarning
from infra.probes.engines.base import Outcome
from infra.probes.models import (
    AlertChannel,
    AlertDelivery,
    AlertEventDecision,
    AlertRule,
    Check,
    CheckEvent,
    CheckStatus,
    Downtime,
    MaintenanceWindow,
    WebsiteStatus,
)
from infra.probes.services import alerting, websites

from ..factories import ApplicationFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 1, 3, 0, tzinfo=datetime.UTC)  # 10:00 WIB
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


# The engine's and freshness module's result shapes, as the contract gives them (the tests drive
# ``websites.record`` directly; the end-to-end tests below use the real engine).
@dataclass(frozen=True)
class Finding:
    last_update: datetime.datetime | None
    source: str
    detail: str
    fingerprint: str


@dataclass
class Result:
    key: int
    outcome: Outcome = Outcome.OK
    started: datetime.datetime = NOW
    detail: str = ""
    status_code: int | None = 200
    ttfb_ms: float | None = 12.5
    total_ms: float | None = 30.0
    final_url: str = ""
    redirects: list = field(default_factory=list)
    tls_version: str = ""
    tls_issuer: str = ""
    tls_subject: str = ""
    tls_expires: datetime.datetime | None = None
    hsts: bool | None = None
    plain_http_only: bool | None = None
    mixed_content: list = field(default_factory=list)
    content_found: bool | None = None
    finding: Finding | None = None


def website(url="https://127.0.30.1/", **fields) -> Check:
    """An OPD's website check (switched on: loopback)."""
    OrganizationFactory(website=url)
    check = Check.objects.get(url=url)
    if fields:
        Check.objects.filter(pk=check.pk).update(**fields)
        check.refresh_from_db()
    return check


def https_answer(check, **fields) -> Result:
    values = {
        "final_url": check.url,
        "tls_version": "TLSv1.3",
        "tls_issuer": "CN=Simpul Test CA",
        "tls_subject": "CN=127.0.30.1",
        "tls_expires": NOW + 200 * DAY,
        "hsts": True,
        "plain_http_only": False,
        **fields,
    }
    return Result(key=check.pk, **values)


def stored(check) -> WebsiteStatus:
    return WebsiteStatus.objects.get(probe_check=check)


def test_the_answer_and_its_certificate_are_stored():
    check = website()
    result = https_answer(
        check,
        redirects=[(301, "https://127.0.30.1/beranda/")],
        final_url="https://127.0.30.1/beranda/",
        content_found=True,
    )
    assert websites.record([result], NOW) == {"statuses": 1, "events": 0}
    status = stored(check)
    assert (status.checked_at, status.status_code, status.ttfb_ms, status.total_ms) == (NOW, 200, 12.5, 30.0)
    assert (status.final_url, status.redirects, status.content_found) == (
        "https://127.0.30.1/beranda/",
        [[301, "https://127.0.30.1/beranda/"]],
        True,
    )
    assert (status.tls_version, status.tls_issuer, status.tls_expires, status.hsts) == (
        "TLSv1.3",
        "CN=Simpul Test CA",
        NOW + 200 * DAY,
        True,
    )
    assert status.warnings == []


@pytest.mark.parametrize(
    ("fields", "warnings"),
    [
        ({"tls_expires": NOW + 10 * DAY}, [WebsiteWarning.CERT_EXPIRING]),
        ({"tls_expires": NOW + 31 * DAY}, []),
        (
            {"tls_expires": NOW - DAY, "outcome": Outcome.TLS_EXPIRED, "status_code": None},
            [WebsiteWarning.CERT_EXPIRED],
        ),
        ({"hsts": False}, [WebsiteWarning.NO_HSTS]),
        ({"mixed_content": ["http://127.0.30.1/logo.png"]}, [WebsiteWarning.MIXED_CONTENT]),
    ],
)
def test_security_warnings(fields, warnings):
    check = website()
    websites.record([https_answer(check, **fields)], NOW)
    assert stored(check).warnings == warnings


def test_a_plain_http_site_warns_of_plain_http_and_not_of_hsts():
    check = website("http://127.0.30.2/")
    websites.record([Result(key=check.pk, final_url=check.url, hsts=False, plain_http_only=True)], NOW)
    assert stored(check).warnings == [WebsiteWarning.PLAIN_HTTP]


def test_the_certificate_days_follow_the_setting(settings):
    settings.SIMPUL_WEBSITE_CERT_DAYS = 60
    check = website()
    websites.record([https_answer(check, tls_expires=NOW + 45 * DAY)], NOW)
    assert stored(check).warnings == [WebsiteWarning.CERT_EXPIRING]


def test_a_dated_source_gives_the_last_update():
    check = website()
    feed = Finding(NOW - 3 * DAY, FreshnessSource.FEED, "https://127.0.30.1/feed/", "a" * 64)
    websites.record([https_answer(check, finding=feed)], NOW)
    status = stored(check)
    assert (status.last_update, status.update_source, status.update_detail, status.freshness_at) == (
        NOW - 3 * DAY,
        "feed",
        "https://127.0.30.1/feed/",
        NOW,
    )
    assert (status.fingerprint, status.fingerprint_since) == ("a" * 64, NOW)
    # A date in the future is today at most.
    websites.record([https_answer(check, finding=Finding(NOW + 30 * DAY, "sitemap", "x", "a" * 64))], NOW + MINUTE)
    assert stored(check).last_update == NOW + MINUTE


def test_without_a_dated_source_the_fingerprint_tells_when_the_text_changed():
    check = website()

    def scan(at, fingerprint):
        finding = Finding(None, "", check.url, fingerprint)
        websites.record([https_answer(check, finding=finding)], at)
        return stored(check)

    first = scan(NOW, "a" * 64)
    # First sight: the watch starts; how old the text is nobody knows.
    assert (first.last_update, first.update_source, first.fingerprint_since) == (None, "", NOW)
    assert WebsiteWarning.STALE not in first.warnings
    same = scan(NOW + 6 * DAY, "a" * 64)
    assert (same.last_update, same.fingerprint_since) == (None, NOW)
    changed = scan(NOW + 7 * DAY, "b" * 64)
    assert (changed.last_update, changed.update_source, changed.update_detail, changed.fingerprint_since) == (
        NOW + 7 * DAY,
        "fingerprint",
        check.url,
        NOW + 7 * DAY,
    )
    again = scan(NOW + 8 * DAY, "b" * 64)
    assert again.last_update == NOW + 7 * DAY


def test_a_changed_fingerprint_does_not_override_a_dated_source():
    check = website()
    websites.record([https_answer(check, finding=Finding(NOW - 200 * DAY, "feed", "f", "a" * 64))], NOW)
    websites.record([https_answer(check, finding=Finding(NOW - 200 * DAY, "feed", "f", "b" * 64))], NOW + DAY)
    status = stored(check)
    assert (status.last_update, status.update_source, status.fingerprint_since) == (NOW - 200 * DAY, "feed", NOW + DAY)


def test_a_run_without_a_freshness_scan_keeps_the_stored_freshness_and_a_timeout_keeps_the_certificate():
    check = website()
    websites.record(
        [https_answer(check, tls_expires=NOW + 10 * DAY, finding=Finding(NOW - DAY, "news", check.url, "c" * 64))],
        NOW,
    )
    timeout = Result(key=check.pk, outcome=Outcome.TIMEOUT, detail="timed out after 10 s", status_code=None)
    timeout.ttfb_ms = timeout.total_ms = None
    websites.record([timeout], NOW + 5 * MINUTE)
    status = stored(check)
    assert (status.checked_at, status.status_code, status.detail, status.ttfb_ms) == (
        NOW + 5 * MINUTE,
        None,
        "timed out after 10 s",
        None,
    )
    assert (status.last_update, status.update_source, status.freshness_at, status.fingerprint) == (
        NOW - DAY,
        "news",
        NOW,
        "c" * 64,
    )
    assert (status.tls_expires, status.hsts) == (NOW + 10 * DAY, True)
    assert status.warnings == [WebsiteWarning.CERT_EXPIRING]


def test_a_stale_site_warns_and_reminds_once_per_period(settings):
    settings.SIMPUL_WEBSITE_REMINDER_DAYS = 7
    check = website()
    old = Finding(NOW - 120 * DAY, FreshnessSource.SITEMAP, "https://127.0.30.1/sitemap.xml", "d" * 64)
    for day in range(8):  # a check every day: the reminder on the first, again after seven days
        websites.record([https_answer(check, finding=old)], NOW + day * DAY)
    assert stored(check).warnings == [WebsiteWarning.STALE]
    events = list(CheckEvent.objects.filter(probe_check=check).order_by("at"))
    assert [(e.kind, e.at) for e in events] == [(EventKind.STALE, NOW), (EventKind.STALE, NOW + 7 * DAY)]
    local_date = (NOW - 120 * DAY).astimezone(datetime.timezone(datetime.timedelta(hours=7))).date()
    assert events[0].detail == f"last updated on {local_date.isoformat()} (120 days ago, found from sitemap)"


def test_the_check_may_set_its_own_staleness_and_an_unknown_update_is_not_stale():
    check = website(stale_days=30)
    websites.record([https_answer(check, finding=Finding(NOW - 40 * DAY, "feed", "f", "e" * 64))], NOW)
    assert stored(check).warnings == [WebsiteWarning.STALE]
    fresh = website("https://127.0.30.3/")
    websites.record([https_answer(fresh, finding=Finding(NOW - 40 * DAY, "feed", "f", "e" * 64))], NOW)
    assert stored(fresh).warnings == []
    unknown = website("https://127.0.30.4/")
    websites.record([https_answer(unknown, finding=Finding(None, "", unknown.url, ""))], NOW)
    assert (stored(unknown).warnings, stored(unknown).last_update) == ([], None)
    assert not CheckEvent.objects.filter(probe_check__in=[fresh, unknown]).exists()


def test_certificate_reminders_say_the_date_and_days_and_do_not_move_the_state():
    check = website()
    status_before = CheckStatus.objects.filter(probe_check=check).values_list("state", "since", "last_at").get()
    websites.record([https_answer(check, tls_expires=NOW + 12 * DAY + 3600 * datetime.timedelta(seconds=1))], NOW)
    websites.record([https_answer(check, tls_expires=NOW + 12 * DAY)], NOW + 5 * MINUTE)  # within the period
    event = CheckEvent.objects.get(probe_check=check)
    assert (event.kind, event.at, event.outcome, event.old_state, event.new_state) == (
        EventKind.CERT_EXPIRY,
        NOW,
        int(Outcome.OK),
        "",
        "",
    )
    assert event.detail == "certificate expires on 2026-06-13 (12 days left)"
    # The state machine and availability read state events only: the reminder moves neither.
    assert CheckStatus.objects.filter(probe_check=check).values_list("state", "since", "last_at").get() == status_before
    assert not Downtime.objects.exists()
    expired = website("https://127.0.30.5/")
    websites.record([https_answer(expired, tls_expires=NOW - 2 * DAY, status_code=None)], NOW)
    assert CheckEvent.objects.get(probe_check=expired).detail == "certificate expired on 2026-05-30 (2 days ago)"


def test_recorded_twice_leaves_the_same_rows():
    check = website()
    result = https_answer(check, tls_expires=NOW + 5 * DAY, finding=Finding(NOW - 100 * DAY, "feed", "f", "a" * 64))
    websites.record([result], NOW)
    first = list(WebsiteStatus.objects.values())
    websites.record([result], NOW)
    assert list(WebsiteStatus.objects.values()) == first
    assert CheckEvent.objects.count() == 2  # one certificate, one stale reminder


def test_a_deleted_check_is_skipped():
    check = website()
    gone = Result(key=check.pk + 1000)
    assert websites.record([https_answer(check), gone], NOW) == {"statuses": 1, "events": 0}


def test_recording_runs_the_same_queries_for_a_few_websites_or_many():
    def record_queries(n: int, start: int) -> int:
        checks = [website(f"https://127.0.31.{start + i}/") for i in range(n)]
        # each: an answer with a freshness finding, a certificate expiring and a stale site (two events)
        results = [
            https_answer(c, tls_expires=NOW + 5 * DAY, finding=Finding(NOW - 100 * DAY, "feed", "f", "a" * 64))
            for c in checks
        ]
        with CaptureQueriesContext(connection) as captured:
            counts = websites.record(results, NOW)
        assert counts == {"statuses": n, "events": 2 * n}
        # again, statuses stored and reminders made: the same queries less the events' insert
        with CaptureQueriesContext(connection) as again:
            assert websites.record(results, NOW + MINUTE)["events"] == 0
        return len(captured), len(again)

    # (SQLite splits an upsert of more than 999 values into batches: 30 rows stay in one)
    few = record_queries(3, 1)
    assert record_queries(30, 10) == few
    assert few[0] == few[1] + 1


# --- alerts ---------------------------------------------------------------------------------------------


@pytest.fixture
def sink(settings):
    """A local receiver of webhooks and Telegram messages (tests/probes/test_alerts.py's)."""
    from .test_alerts import Receiver

    receiver = Receiver()
    settings.SIMPUL_TELEGRAM_API = receiver.url
    settings.SIMPUL_BASE_URL = "https://simpul.kota.go.id"
    settings.SIMPUL_ALERT_LANGUAGE = "id"
    yield receiver
    receiver.close()


def reminders(check, at=NOW):
    """A certificate reminder and a stale reminder of ``check`` at ``at``."""
    websites.record(
        [https_answer(check, tls_expires=at + 9 * DAY, finding=Finding(at - 100 * DAY, "feed", "f", "a" * 64))], at
    )


def test_reminders_go_to_the_rules_that_take_them(sink):
    org = OrganizationFactory(short_name="Diskominfo", website="https://127.0.30.9/")
    check = Check.objects.get(organization=org)
    certificates = AlertChannel.objects.create(name="sertifikat", url=sink.url + "/cert")
    AlertRule.objects.create(name="cert", channel=certificates, on_down=False, on_certificate=True)
    stale = AlertChannel.objects.create(name="basi", url=sink.url + "/stale")
    AlertRule.objects.create(name="stale", channel=stale, on_down=False, on_stale=True, organization=org)
    everything_else = AlertChannel.objects.create(name="lain", url=sink.url + "/other")
    AlertRule.objects.create(name="down", channel=everything_else)  # down and recovery only
    reminders(check)
    counts = alerting.run(NOW + 3 * MINUTE)
    assert (counts["events"], counts["deliveries"], counts["sent"]) == (2, 2, 2)
    by_path = {r["path"]: json.loads(r["body"]) for r in sink.requests}
    assert set(by_path) == {"/cert", "/stale"}
    cert = by_path["/cert"]
    assert (cert["event"]["kind"], cert["event"]["event_kind"], cert["severity"]) == ("cert", "cert_expiry", "warning")
    assert cert["website"]["url"] == "https://127.0.30.9/"
    assert (cert["website"]["cert_expires_local"], cert["website"]["cert_days_left"]) == ("2026-06-10", 9)
    assert cert["organization"]["short_name"] == "Diskominfo"
    assert (cert["device"], cert["site"]) == (None, None)
    stale_body = by_path["/stale"]
    assert (stale_body["event"]["kind"], stale_body["website"]["days_since_update"]) == ("stale", 100)
    assert (stale_body["website"]["update_source"], stale_body["website"]["stale_days"]) == ("feed", 90)
    assert AlertDelivery.objects.get(channel=stale).summary == "Diskominfo (https://127.0.30.9/)"


def test_a_rule_without_the_kind_or_a_maintenance_window_sends_nothing(sink):
    org = OrganizationFactory(website="https://127.0.30.10/")
    check = Check.objects.get(organization=org)
    channel = AlertChannel.objects.create(name="hook", url=sink.url + "/x")
    AlertRule.objects.create(name="down only", channel=channel)
    reminders(check)
    alerting.run(NOW + 3 * MINUTE)
    assert set(AlertEventDecision.objects.values_list("decision", flat=True)) == {AlertDecision.NO_RULE}
    other = ApplicationFactory(url="https://127.0.30.11/", organization=org)
    AlertRule.objects.create(name="all", channel=channel, on_certificate=True, on_stale=True)
    MaintenanceWindow.objects.create(organization=org, start=NOW - DAY, end=NOW + DAY, reason="Migrasi server")
    reminders(Check.objects.get(application=other))
    alerting.run(NOW + 4 * MINUTE)
    assert set(
        AlertEventDecision.objects.filter(event__probe_check__application=other).values_list("decision", flat=True)
    ) == {AlertDecision.MAINTENANCE}
    assert not sink.requests


def test_the_telegram_text_of_website_reminders(sink):
    org = OrganizationFactory(short_name="Bappeda", website="https://127.0.30.12/")
    check = Check.objects.get(organization=org)
    channel = AlertChannel.objects.create(name="tg", kind="telegram", chat_id="-100", secret="123456:ABC-def_ghi")
    AlertRule.objects.create(name="web", channel=channel, on_down=False, on_certificate=True, on_stale=True)
    reminders(check)
    alerting.run(NOW + 3 * MINUTE)
    texts = sorted(json.loads(r["body"])["text"] for r in sink.requests)
    stale = texts[0].split("\n")
    assert stale[:3] == [
        "📰 <b>SITUS WEB TIDAK DIPERBARUI</b> · Peringatan",
        "<b>Situs web Bappeda</b>",
        "Situs web: https://127.0.30.12/",
    ]
    # (the source's label, FreshnessSource, in the alerts' language)
    assert stale[3].startswith("Terakhir diperbarui 21-02-2026, 100 hari lalu (ditemukan dari: ")
    assert stale[4] == "Diperingatkan setelah 90 hari tanpa pembaruan."
    assert texts[1].split("\n")[:4] == [
        "🔐 <b>SERTIFIKAT AKAN KEDALUWARSA</b> · Peringatan",
        "<b>Situs web Bappeda</b>",
        "Situs web: https://127.0.30.12/",
        "Sertifikat kedaluwarsa pada 10-06-2026 (9 hari lagi).",
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.SIMPUL_ALERT_LANGUAGE", "en")
        payload = AlertDelivery.objects.filter(kind="cert").get().payload
        assert alerting.telegram_text(payload).split("\n")[0] == "🔐 <b>CERTIFICATE EXPIRING</b> · Warning"
        payload["website"]["cert_days_left"] = -3
        assert "Certificate expired on 10-06-2026 (3 days ago)." in alerting.telegram_text(payload).split("\n")


# --- the whole way, on loopback ------------------------------------------------------------------------


class Site:
    """A local website: ``pages`` maps a path to (status, content type, body); anything else is 404."""

    def __init__(self, address: str, pages: dict[str, tuple[int, str, bytes]]):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.pages, self.hits = pages, []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.hits.append((self.path, self.headers.get("User-Agent", "")))
                status, kind, body = site.pages.get(self.path, (404, "text/plain", b"tidak ada"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.url = f"http://{address}:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _rss(published: datetime.datetime) -> bytes:
    from email.utils import format_datetime

    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Berita Dinas</title>'
        f"<item><title>Rapat koordinasi</title><pubDate>{format_datetime(published)}</pubDate></item>"
        "</channel></rss>"
    ).encode()


@pytest.fixture
def city_sites():
    """Three loopback sites: one with a feed, one answering 503, one whose port nobody listens on."""
    from django.utils import timezone

    published = timezone.now().replace(microsecond=0) - 5 * DAY
    home = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed/"></head>'
        b"<body><h1>Dinas Komunikasi dan Informatika</h1><p>Selamat datang di layanan publik kota.</p></body></html>"
    )
    fresh = Site(
        "127.0.0.1",
        {"/": (200, "text/html; charset=utf-8", home), "/feed/": (200, "application/rss+xml", _rss(published))},
    )
    broken = Site("127.0.0.1", {"/": (503, "text/html", b"<html><body>Sedang pemeliharaan</body></html>")})
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    yield {"fresh": fresh, "broken": broken, "closed": closed, "published": published}
    fresh.close()
    broken.close()


def _sweep(at: datetime.datetime) -> dict[str, int]:
    from infra.probes.models import ProbeRun
    from infra.probes.services import scheduling

    runs: list[int] = []
    counts = scheduling.schedule(enqueue=runs.append, now=at, force=True)
    for run_id in runs:
        scheduling.run_chunk(run_id)
    CheckStatus.objects.update(lease_until=None)
    return {**counts, "kinds": sorted(ProbeRun.objects.filter(pk__in=runs).values_list("kind", flat=True))}


@pytest.mark.django_db(transaction=True)
def test_schedule_to_website_status_on_loopback(city_sites, settings):
    from django.utils import timezone

    settings.SIMPUL_PROBE_HTTP_CHUNK = 2
    opd = OrganizationFactory(short_name="Diskominfo", website=city_sites["fresh"].url)
    service = ApplicationFactory(name="e-Planning", url=city_sites["broken"].url)
    gone = OrganizationFactory(short_name="Dispar", website=city_sites["closed"])
    checks = {c.url: c for c in Check.objects.all()}
    assert all(c.enabled for c in checks.values())
    start = timezone.now()
    counts = _sweep(start)
    assert (counts["checks"], counts["kinds"]) == (3, ["http", "http"])  # chunks of two
    ok, err, closed = (
        WebsiteStatus.objects.get(probe_check__organization=opd),
        WebsiteStatus.objects.get(probe_check__application=service),
        WebsiteStatus.objects.get(probe_check__organization=gone),
    )
    assert (ok.status_code, ok.final_url, ok.plain_http_only) == (200, city_sites["fresh"].url, True)
    assert ok.ttfb_ms is not None and ok.total_ms >= ok.ttfb_ms
    assert (ok.update_source, ok.last_update, ok.update_detail) == (
        FreshnessSource.FEED,
        city_sites["published"],
        city_sites["fresh"].url + "feed/",
    )
    assert ok.fingerprint and ok.freshness_at is not None
    assert ok.warnings == [WebsiteWarning.PLAIN_HTTP]
    assert err.status_code == 503 and closed.status_code is None and closed.detail
    states = dict(CheckStatus.objects.values_list("probe_check__url", "state"))
    assert states[city_sites["fresh"].url] == "up"  # up after one answer
    assert states[city_sites["broken"].url] == "unknown"  # down after two failures in a row
    outcomes = dict(Check.objects.values_list("url", "status__last_outcome"))
    assert (outcomes[city_sites["broken"].url], outcomes[city_sites["closed"]]) == (
        int(Outcome.HTTP_ERROR),
        int(Outcome.CONNECTION_REFUSED),
    )
    agent = {ua for _, ua in city_sites["fresh"].hits}
    assert agent == {settings.SIMPUL_HTTP_USER_AGENT}
    home_hits = len([p for p, _ in city_sites["fresh"].hits if p == "/"])

    # Five minutes later: one GET of the home page, no freshness scan (it ran less than 6 hours ago).
    feed_hits = len([p for p, _ in city_sites["fresh"].hits if p == "/feed/"])
    _sweep(start + datetime.timedelta(seconds=301))
    again = WebsiteStatus.objects.get(probe_check__organization=opd)
    assert again.freshness_at == ok.freshness_at and again.last_update == ok.last_update
    assert again.checked_at > ok.checked_at
    assert len([p for p, _ in city_sites["fresh"].hits if p == "/"]) == home_hits + 1
    assert len([p for p, _ in city_sites["fresh"].hits if p == "/feed/"]) == feed_hits
    states = dict(CheckStatus.objects.values_list("probe_check__url", "state"))
    assert states[city_sites["broken"].url] == states[city_sites["closed"]] == "down"
    down = CheckEvent.objects.get(probe_check__application=service, kind="state", new_state="down")
    assert "503" in down.detail  # the engine's words for the failure


@pytest.mark.django_db(transaction=True)
def test_a_host_name_is_resolved_and_fenced_by_the_engine_and_an_ip_outside_is_not_contacted(city_sites):
    """With SIMPUL_PROBE_NETWORKS set (loopback here), an ICMP check of a host name is refused; a website
    by host name is resolved by the engine, whose fence lets its loopback address through."""
    from infra.probes.models import Prober
    from infra.probes.services.probing import probe_now

    port = city_sites["fresh"].server.server_port
    by_name = Check.objects.create(kind="http", url=f"http://localhost:{port}/", address="localhost", timeout=5)
    outside = Check.objects.create(kind="http", url="http://10.255.255.1/", address="10.255.255.1", timeout=5)
    Prober.objects.create(name="uji")
    observations, _ = probe_now(list(Check.objects.select_related("website").order_by("pk")))
    outcome = {o.check_id: o.outcome for o in observations}
    assert outcome[by_name.pk] == int(Outcome.OK)
    assert outcome[outside.pk] == int(Outcome.LOCAL_ERROR)
    assert WebsiteStatus.objects.get(probe_check=by_name).status_code == 200
    assert "SIMPUL_PROBE_NETWORKS" in WebsiteStatus.objects.get(probe_check=outside).detail


@pytest.mark.django_db(transaction=True)
def test_probe_run_websites_prints_each_site(city_sites):
    import io

    from django.core.management import call_command

    OrganizationFactory(website=city_sites["fresh"].url)
    ApplicationFactory(url=city_sites["broken"].url)
    out = io.StringIO()
    call_command("probe", "run", "--websites", stdout=out)
    text = out.getvalue()
    assert "Probed 2 checks" in text and "1 answered" in text
    assert f"{city_sites['fresh'].url}: Reply; HTTP 200" in text
    assert f"{city_sites['broken'].url}: HTTP error; HTTP 503" in text
    assert "updated " in text and "(feed)" in text


def test_an_opd_maintenance_window_holds_its_websites_down_events():
    from infra.probes.models import Prober
    from infra.probes.services.recording import Observation, record

    org = OrganizationFactory(website="https://127.0.30.20/")
    application = ApplicationFactory(url="https://127.0.30.21/", organization=org)
    elsewhere = ApplicationFactory(url="https://127.0.30.22/")
    MaintenanceWindow.objects.create(organization=org, start=NOW - DAY, end=NOW + DAY, reason="Pindah server")
    checks = list(Check.objects.filter(url__startswith="https://127.0.30.2"))
    prober = Prober.objects.create(name="uji")
    for minute in range(2):  # down after two failures
        record([Observation(c.pk, NOW + minute * MINUTE, int(Outcome.TIMEOUT), 1, 0) for c in checks], prober.pk)
    held = dict(CheckEvent.objects.filter(kind="state", new_state="down").values_list("probe_check__url", "held"))
    assert held == {"https://127.0.30.20/": True, "https://127.0.30.21/": True, "https://127.0.30.22/": False}
    assert application.organization_id == org.pk and elsewhere.organization_id != org.pk
