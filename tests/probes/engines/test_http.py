"""The HTTP(S) engine against real web servers on loopback (tests/probes/webservers.py): each outcome,
redirects, timeouts, TLS facts, HSTS, expected text, plain HTTP only, mixed content, the network fence,
concurrency and politeness, and the freshness wiring.

Certificates come from a CA the tests make. Names resolve from a table given to the engine (``hosts``),
so nothing reaches a DNS server; all traffic stays on 127.0.0.0/8 and ::1.
"""

from __future__ import annotations

import asyncio
import datetime
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.probes.engines.base import Outcome
from infra.probes.engines.http import BODY_CAP, HttpResult, HttpTarget, check, contains_text, mixed_content
from tests.probes.webservers import (
    LocalCA,
    Reply,
    WebServers,
    closed_port,
    redirect,
    self_signed,
    server_context,
)

NOW = datetime.datetime.now(datetime.UTC)
DAY = datetime.timedelta(days=1)
PAGE = "<html><head><title>Dinas Kesehatan</title></head><body><h1>Selamat datang</h1></body></html>"


@pytest.fixture(scope="module")
def web() -> Iterator[WebServers]:
    with WebServers() as servers:
        yield servers


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    return LocalCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def secure(web: WebServers, ca: LocalCA) -> Any:
    """An HTTPS site with a valid certificate for 127.0.0.1, ::1 and localhost, sending HSTS."""
    return web.site(
        {
            "/": Reply(200, PAGE, headers=(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)),
            "/no-hsts": Reply(200, PAGE),
            "/zero-hsts": Reply(200, PAGE, headers=(("Strict-Transport-Security", "max-age=0"),)),
        },
        tls=ca.context(["127.0.0.1", "localhost", "::1"]),
    )


def run(*targets: HttpTarget, ca: LocalCA | None = None, **options: Any) -> list[HttpResult]:
    options.setdefault("https_port", closed_port())
    options.setdefault("hosts", {})
    return check(list(targets), ca_file=str(ca.ca_file) if ca else "", **options)


def one(url: str, ca: LocalCA | None = None, **options: Any) -> HttpResult:
    fields = {k: options.pop(k) for k in ("timeout", "expect_text", "freshness") if k in options}
    return run(HttpTarget(1, url, **fields), ca=ca, **options)[0]


# --- answers ------------------------------------------------------------------------------------


def test_ok_over_http_times_the_first_byte_and_the_whole_page(web: WebServers) -> None:
    site = web.site({"/": Reply(200, PAGE, delay=0.1, body_delay=0.2)})
    before = datetime.datetime.now(datetime.UTC)
    result = one(site.url())
    assert result.outcome is Outcome.OK and result.detail == ""
    assert result.status_code == 200 and result.final_url == site.url()
    assert result.ttfb_ms >= 100
    assert result.total_ms - result.ttfb_ms >= 180
    assert result.started.tzinfo is not None and before <= result.started <= before + datetime.timedelta(seconds=5)
    assert result.redirects == [] and result.tls_version == "" and result.hsts is None


def test_checking_from_a_thread_that_already_runs_an_event_loop(web: WebServers) -> None:
    """Async code, or a library's sync API built on a loop (Playwright's, in the browser tests, shares
    a worker with these), calls check() with a loop running: it runs on a loop of its own instead."""
    site = web.site({"/": Reply(200, PAGE)})

    async def inside_a_loop() -> list[HttpResult]:
        return [one(site.url())]

    results: list[HttpResult] = []
    # a thread of the test's own, as this one may run a loop already (Playwright's, in the same worker)
    worker = threading.Thread(target=lambda: results.extend(asyncio.run(inside_a_loop())))
    worker.start()
    worker.join(timeout=30)
    (result,) = results
    assert result.outcome is Outcome.OK and result.status_code == 200


@pytest.mark.parametrize("status", [404, 500, 503])
def test_an_error_status_is_an_http_error(web: WebServers, status: int) -> None:
    site = web.site({"/": Reply(status, "<html>gone</html>")})
    result = one(site.url())
    assert result.outcome is Outcome.HTTP_ERROR
    assert result.status_code == status and result.detail.startswith(f"HTTP {status}")
    assert not result.outcome.answered


def test_one_request_per_target_with_a_clear_user_agent(web: WebServers, secure: Any, ca: LocalCA) -> None:
    site = web.site({"/": Reply(200, PAGE)})
    before = len(secure.requests)
    run(HttpTarget(1, site.url()), HttpTarget(2, secure.url()), ca=ca, user_agent="Simpul-test/1 (Diskominfo)")
    assert len(site.requests) == 1 and len(secure.requests) == before + 1
    assert site.requests[0].headers["user-agent"] == "Simpul-test/1 (Diskominfo)"
    assert secure.requests[-1].headers["user-agent"] == "Simpul-test/1 (Diskominfo)"
    assert site.requests[0].method == "GET"


def test_the_default_user_agent_names_simpul(web: WebServers) -> None:
    site = web.site({"/": Reply(200, PAGE)})
    check([HttpTarget(1, site.url())], hosts={})
    assert site.requests[0].headers["user-agent"].startswith("Simpul/")


def test_a_server_that_drops_the_connection_is_an_error(web: WebServers) -> None:
    site = web.site({"/": Reply(drop=True)})
    result = one(site.url())
    assert result.outcome is Outcome.ERROR and result.detail


def test_not_a_web_address_is_refused_locally() -> None:
    result = one("ftp://127.0.0.1/file")
    assert result.outcome is Outcome.LOCAL_ERROR and "not an http(s) URL" in result.detail


def test_ipv6_literals_work(web: WebServers, secure: Any, ca: LocalCA) -> None:
    plain = web.site({"/": Reply(200, PAGE)}, host="::1")
    v6 = web.site({"/": Reply(200, PAGE)}, host="::1", tls=ca.context(["::1"]))
    first, second = run(HttpTarget(1, plain.url()), HttpTarget(2, v6.url()), ca=ca)
    assert plain.url().startswith("http://[::1]:")
    assert first.outcome is Outcome.OK and first.final_url == plain.url()
    assert second.outcome is Outcome.OK and second.tls_version.startswith("TLS")


# --- failures before an answer ------------------------------------------------------------------


def test_nothing_listening_is_connection_refused() -> None:
    result = one(f"http://127.0.0.1:{closed_port()}/")
    assert result.outcome is Outcome.CONNECTION_REFUSED and "refused" in result.detail
    assert result.status_code is None and result.ttfb_ms is None and result.plain_http_only is None


def test_a_name_that_does_not_resolve(web: WebServers) -> None:
    site = web.site({"/": Reply(200, PAGE)})
    missing = one(f"http://nowhere.test:{site.port}/", hosts={"situs.test": ["127.0.0.1"]})
    found = one(f"http://situs.test:{site.port}/", hosts={"situs.test": ["127.0.0.1"]})
    assert missing.outcome is Outcome.NAME_NOT_RESOLVED and "nowhere.test" in missing.detail
    assert found.outcome is Outcome.OK and site.requests[-1].headers["host"] == f"situs.test:{site.port}"


def test_a_silent_server_times_out_fast(web: WebServers) -> None:
    silent = web.silent()
    started = time.perf_counter()
    result = one(silent.url(), timeout=0.3)
    assert time.perf_counter() - started < 3
    assert result.outcome is Outcome.TIMEOUT and "0.3 s" in result.detail


@pytest.mark.parametrize(
    "reply",
    [Reply(hang=True), Reply(200, PAGE, delay=2), Reply(200, PAGE, body_delay=2)],
    ids=["hang", "slow", "slow-body"],
)
def test_an_answer_later_than_the_timeout_is_a_timeout(web: WebServers, reply: Reply) -> None:
    site = web.site({"/": reply})
    started = time.perf_counter()
    result = one(site.url(), timeout=0.3)
    assert time.perf_counter() - started < 1.9  # the slow answers come after 2 s
    assert result.outcome is Outcome.TIMEOUT and result.status_code is None


def test_the_timeout_covers_the_whole_redirect_chain(web: WebServers) -> None:
    """Each hop answers within the timeout; all of them together do not."""
    site = web.site({"/": redirect("/a"), "/a": Reply(302, "", headers=(("Location", "/b"),), delay=0.3)})
    site.routes["/b"] = Reply(200, PAGE, delay=0.3)
    result = one(site.url(), timeout=0.5)
    assert result.outcome is Outcome.TIMEOUT and result.redirects[0] == (302, site.url("/a"))


# --- redirects ----------------------------------------------------------------------------------


def test_a_redirect_chain_is_followed_and_recorded(web: WebServers) -> None:
    other = web.site({"/end": Reply(200, PAGE)}, host="127.0.0.2")
    site = web.site({"/": redirect("/step", 301), "/step": redirect(other.url("/end"), 307)})
    result = one(site.url())
    assert result.outcome is Outcome.OK and result.final_url == other.url("/end")
    assert result.redirects == [(301, site.url("/step")), (307, other.url("/end"))]
    assert result.ttfb_ms < result.total_ms


def test_a_redirect_loop_is_too_many_redirects(web: WebServers) -> None:
    site = web.site({"/a": redirect("/b"), "/b": redirect("/a")})
    result = one(site.url("/a"), max_redirects=4)
    assert result.outcome is Outcome.HTTP_ERROR and "too many redirects" in result.detail
    assert len(result.redirects) == 5 and len(site.requests) == 5 and result.status_code == 302


def test_a_cookie_set_on_a_redirect_goes_back_on_the_next_hop(web: WebServers) -> None:
    def gate(request: Any) -> Reply:
        if "visited=1" in request.headers.get("cookie", ""):
            return Reply(200, PAGE)
        return Reply(302, "", headers=(("Location", "/"), ("Set-Cookie", "visited=1; Path=/")))

    site = web.site({"/": gate})
    result = one(site.url())
    assert result.outcome is Outcome.OK and result.redirects == [(302, site.url())]


def test_a_redirect_to_a_closed_port_is_refused(web: WebServers) -> None:
    target = f"http://127.0.0.1:{closed_port()}/baru"
    site = web.site({"/": redirect(target)})
    result = one(site.url())
    assert result.outcome is Outcome.CONNECTION_REFUSED and result.redirects == [(302, target)]


def test_a_redirect_to_another_scheme_is_an_http_error(web: WebServers) -> None:
    site = web.site({"/": redirect("mailto:admin@kota.go.id")})
    result = one(site.url())
    assert result.outcome is Outcome.HTTP_ERROR and "not a web page" in result.detail


# --- the network fence --------------------------------------------------------------------------


def refuse(*addresses: str) -> Any:
    return lambda ip: f"{ip} is outside SIMPUL_PROBE_NETWORKS" if ip in addresses else ""


def test_a_refused_address_is_never_contacted(web: WebServers) -> None:
    site = web.site({"/": Reply(200, PAGE)})
    by_literal = one(site.url(), allowed=refuse("127.0.0.1"))
    by_name = one(f"http://situs.test:{site.port}/", allowed=refuse("127.0.0.1"), hosts={"situs.test": ["127.0.0.1"]})
    for result in (by_literal, by_name):
        assert result.outcome is Outcome.LOCAL_ERROR and "127.0.0.1 is outside" in result.detail
    assert site.requests == [] and site.connections == 0


def test_a_name_goes_only_to_its_allowed_addresses(web: WebServers) -> None:
    allowed_site = web.site({"/": Reply(200, "<p>allowed</p>")}, host="127.0.0.2")
    refused_site = web.site({"/": Reply(200, "<p>refused</p>")}, host="127.0.0.1", port=allowed_site.port)
    result = one(
        f"http://dua.test:{allowed_site.port}/",
        expect_text="allowed",
        allowed=refuse("127.0.0.1"),
        hosts={"dua.test": ["127.0.0.1", "127.0.0.2"]},
    )
    assert result.outcome is Outcome.OK and refused_site.connections == 0


def test_every_redirect_hop_passes_the_fence(web: WebServers) -> None:
    forbidden = web.site({"/": Reply(200, PAGE)}, host="127.0.0.3")
    site = web.site({"/": redirect(forbidden.url())})
    result = one(site.url(), allowed=refuse("127.0.0.3"))
    assert result.outcome is Outcome.LOCAL_ERROR and "127.0.0.3" in result.detail
    assert result.redirects == [(302, forbidden.url())] and forbidden.connections == 0


# --- TLS ----------------------------------------------------------------------------------------


def test_a_valid_certificate_is_described(secure: Any, ca: LocalCA) -> None:
    result = one(secure.url(), ca=ca)
    assert result.outcome is Outcome.OK
    assert result.tls_version in ("TLSv1.2", "TLSv1.3")
    assert "CN=Simpul Test CA" in result.tls_issuer and "CN=127.0.0.1" in result.tls_subject
    assert result.tls_expires is not None and 88 <= (result.tls_expires - NOW).days <= 90
    assert result.hsts is True and result.plain_http_only is False


def test_hsts_needs_a_positive_max_age(secure: Any, ca: LocalCA) -> None:
    missing, zero = run(HttpTarget(1, secure.url("/no-hsts")), HttpTarget(2, secure.url("/zero-hsts")), ca=ca)
    assert missing.hsts is False and zero.hsts is False


def test_a_name_is_checked_against_its_certificate(web: WebServers, ca: LocalCA) -> None:
    named = web.site({"/": Reply(200, PAGE)}, tls=ca.context(["situs.test"]))
    hosts = {"situs.test": ["127.0.0.1"], "lain.test": ["127.0.0.1"]}
    right = one(f"https://situs.test:{named.port}/", ca=ca, hosts=hosts)
    wrong = one(f"https://lain.test:{named.port}/", ca=ca, hosts=hosts)
    assert right.outcome is Outcome.OK and "CN=situs.test" in right.tls_subject
    assert wrong.outcome is Outcome.TLS_WRONG_NAME and "CN=situs.test" in wrong.tls_subject


@pytest.mark.parametrize(
    ("validity", "outcome"),
    [
        ({"not_before": NOW - 60 * DAY, "not_after": NOW - DAY}, Outcome.TLS_EXPIRED),
        ({"not_before": NOW + DAY, "not_after": NOW + 60 * DAY}, Outcome.TLS_EXPIRED),
        ({}, Outcome.OK),
    ],
    ids=["expired", "not-yet-valid", "valid"],
)
def test_certificate_validity(web: WebServers, ca: LocalCA, validity: dict, outcome: Outcome) -> None:
    site = web.site({"/": Reply(200, PAGE)}, tls=ca.context(["127.0.0.1"], **validity))
    result = one(site.url(), ca=ca)
    assert result.outcome is outcome
    assert result.tls_expires == (validity.get("not_after") or result.tls_expires).replace(microsecond=0)
    assert "CN=Simpul Test CA" in result.tls_issuer and result.tls_version


def test_a_certificate_for_another_address_is_the_wrong_name(web: WebServers, ca: LocalCA) -> None:
    site = web.site({"/": Reply(200, PAGE)}, tls=ca.context(["kota.test"]))
    result = one(site.url(), ca=ca)
    assert result.outcome is Outcome.TLS_WRONG_NAME and "127.0.0.1" in result.detail
    assert "CN=kota.test" in result.tls_subject and result.tls_expires is not None


def test_self_signed_and_unknown_authorities_are_untrusted(web: WebServers, ca: LocalCA, tmp_path: Path) -> None:
    own = web.site({"/": Reply(200, PAGE)}, tls=server_context(*self_signed(tmp_path, ["127.0.0.1"])))
    ours = web.site({"/": Reply(200, PAGE)}, tls=ca.context(["127.0.0.1"]))
    self_made = one(own.url(), ca=ca)
    no_ca_file = one(ours.url())  # the test CA is not in the system's store
    assert self_made.outcome is Outcome.TLS_UNTRUSTED and self_made.tls_issuer == self_made.tls_subject
    assert no_ca_file.outcome is Outcome.TLS_UNTRUSTED and "CN=Simpul Test CA" in no_ca_file.tls_issuer
    assert own.requests == [] and ours.requests == []  # no request goes over a connection not trusted


def test_tls_to_a_plain_http_server_is_a_tls_error(web: WebServers) -> None:
    site = web.site({"/": Reply(200, PAGE)})
    result = one(site.url().replace("http://", "https://"))
    assert result.outcome is Outcome.TLS_ERROR and result.tls_subject == ""


# --- the page: expected text, plain HTTP, mixed content -----------------------------------------


def test_expected_text_found_or_missing(web: WebServers) -> None:
    site = web.site({"/": Reply(200, "<p>Dinas  Pekerjaan\n Umum &amp; Penataan Ruang</p>")})
    found, spaced, missing = run(
        HttpTarget(1, site.url(), expect_text="dinas pekerjaan umum & penataan ruang"),
        HttpTarget(2, site.url(), expect_text="Pekerjaan Umum"),
        HttpTarget(3, site.url(), expect_text="Dinas Kesehatan"),
    )
    assert found.outcome is Outcome.OK and found.content_found is True
    assert spaced.outcome is Outcome.OK
    assert missing.outcome is Outcome.CONTENT_MISSING and missing.content_found is False
    assert "Dinas Kesehatan" in missing.detail and missing.status_code == 200
    assert not missing.outcome.answered


def test_an_error_page_with_the_text_is_still_an_http_error(web: WebServers) -> None:
    site = web.site({"/": Reply(500, PAGE)})
    result = one(site.url(), expect_text="Dinas Kesehatan")
    assert result.outcome is Outcome.HTTP_ERROR and result.content_found is True


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<p>Kantor Café Kota</p>".encode("windows-1252"), "text/html; charset=windows-1252"),
        ('<meta charset="iso-8859-1"><p>Kantor Café Kota</p>'.encode("latin-1"), "text/html"),
        ("<p>Kantor Café Kota</p>".encode(), "text/html"),
    ],
    ids=["header", "meta", "utf-8"],
)
def test_the_text_is_read_in_the_page_charset(web: WebServers, body: bytes, content_type: str) -> None:
    site = web.site({"/": Reply(200, body, content_type=content_type)})
    assert one(site.url(), expect_text="Café Kota").outcome is Outcome.OK


def test_contains_text_ignores_case_spaces_and_entities() -> None:
    assert contains_text("<b>Badan  Keuangan &amp;\nAset</b>", "badan keuangan & aset")
    assert contains_text("anything", "  ")
    assert not contains_text("Badan Keuangan", "Badan Kepegawaian")


def test_plain_http_only(web: WebServers, ca: LocalCA) -> None:
    """http:// with nothing on HTTPS, with HTTPS beside it, and sent on to HTTPS."""
    https = web.site({"/": Reply(200, PAGE)}, tls=ca.context(["127.0.0.1"]))
    plain = web.site({"/": Reply(200, PAGE)})
    upgrading = web.site({"/": redirect(https.url())})
    only, both = (one(plain.url(), ca=ca, https_port=port) for port in (closed_port(), https.port))
    upgraded = one(upgrading.url(), ca=ca, https_port=closed_port())
    assert only.outcome is Outcome.OK and only.plain_http_only is True
    assert both.plain_http_only is False and https.requests[-1].path == "/"
    assert upgraded.plain_http_only is False and upgraded.final_url == https.url()


def test_https_that_sends_back_to_http_or_fails_counts_as_plain_http(
    web: WebServers, ca: LocalCA, tmp_path: Path
) -> None:
    plain = web.site({"/": Reply(200, PAGE)})
    downgrading = web.site({"/": redirect(plain.url())}, tls=ca.context(["127.0.0.1"]))
    untrusted = web.site({"/": Reply(200, PAGE)}, tls=server_context(*self_signed(tmp_path, ["127.0.0.1"])))
    assert one(plain.url(), ca=ca, https_port=downgrading.port).plain_http_only is True
    assert one(plain.url(), ca=ca, https_port=untrusted.port).plain_http_only is True


MIXED_PAGE = """<html><head>
<link rel="stylesheet" href="http://cdn.kota.test/style.css">
<link rel="canonical" href="http://kota.test/">
<script src="HTTP://cdn.kota.test/app.js"></script>
<script src="https://cdn.kota.test/safe.js"></script>
<script src="//cdn.kota.test/relative-scheme.js"></script>
</head><body>
<img src="/logo.png"><img src="http://foto.kota.test/a.jpg">
<picture><source srcset="http://foto.kota.test/b.webp 1x, https://foto.kota.test/b2.webp 2x"></picture>
<iframe src="http://peta.kota.test/embed"></iframe>
<video src="http://video.kota.test/v.mp4" poster="https://video.kota.test/p.jpg"></video>
<audio src="http://radio.kota.test/live.mp3"></audio>
<a href="http://kota.test/berita">a link is not a resource</a>
<img src="http://foto.kota.test/a.jpg">
</body></html>"""


def test_mixed_content_lists_the_http_resources_of_an_https_page(web: WebServers, ca: LocalCA) -> None:
    https = web.site({"/": Reply(200, MIXED_PAGE)}, tls=ca.context(["127.0.0.1"]))
    plain = web.site({"/": Reply(200, MIXED_PAGE)})
    secure_page, plain_page = run(HttpTarget(1, https.url()), HttpTarget(2, plain.url()), ca=ca)
    assert secure_page.mixed_content == [
        "http://cdn.kota.test/style.css",
        "HTTP://cdn.kota.test/app.js",
        "http://foto.kota.test/a.jpg",
        "http://foto.kota.test/b.webp",
        "http://peta.kota.test/embed",
        "http://video.kota.test/v.mp4",
        "http://radio.kota.test/live.mp3",
    ]
    assert plain_page.mixed_content == []  # an http page has no mixed content: it is all plain


def test_a_base_href_over_http_makes_relative_resources_mixed() -> None:
    page = '<base href="http://kota.test/"><script src="app.js"></script><img src="https://kota.test/x.png">'
    assert mixed_content(page, "https://kota.test/") == ["http://kota.test/app.js"]
    assert mixed_content("<img src=/a.png><<>broken", "https://kota.test/") == []


# --- concurrency and politeness -----------------------------------------------------------------


def test_many_silent_sites_take_about_one_timeout(web: WebServers) -> None:
    silent = [web.silent(host=f"127.81.0.{n}") for n in range(1, 61)]
    started = time.perf_counter()
    results = run(*(HttpTarget(n, s.url(), timeout=0.5) for n, s in enumerate(silent)))
    assert time.perf_counter() - started < 5  # one after the other: 30 s
    assert [r.outcome for r in results] == [Outcome.TIMEOUT] * 60
    assert [r.key for r in results] == list(range(60))


def test_total_concurrency_is_bounded() -> None:
    with WebServers() as own:
        sites = [own.site({"/": Reply(200, PAGE, delay=0.2)}, host=f"127.82.0.{n}") for n in range(1, 13)]
        targets = [HttpTarget(n, s.url()) for n, s in enumerate(sites)]
        run(*targets, concurrency=4)
        bounded, own.peak = own.peak, 0
        results = run(*targets, concurrency=50)
        assert bounded == 4 and own.peak >= 8  # all 12 at once, unless this machine is very busy
        assert all(r.outcome is Outcome.OK for r in results)


def test_per_host_politeness(web: WebServers) -> None:
    busy = web.site({"/": Reply(200, PAGE, delay=0.15)}, host="127.83.0.1")
    other = web.site({"/": Reply(200, PAGE, delay=0.15)}, host="127.83.0.2")
    targets = [HttpTarget(n, busy.url(f"/?n={n}")) for n in range(8)] + [HttpTarget(100, other.url())]
    started = time.perf_counter()
    results = run(*targets, per_host=2)
    wall = time.perf_counter() - started
    assert busy.connections == 8 and busy.peak == 2
    assert wall >= 4 * 0.15
    assert results[-1].outcome is Outcome.OK
    assert other.requests[0].at < max(r.at for r in busy.requests)  # not queued behind the busy host
    # The wait for a host's slot is not the site's time: the last in the queue waited three rounds.
    assert max(r.ttfb_ms for r in results) < wall * 1000 / 2


# --- freshness ----------------------------------------------------------------------------------


class Recorder:
    """A stand-in for freshness.discover that fetches what a test asks and returns a marker."""

    def __init__(self, urls: list[str], fail: bool = False) -> None:
        self.urls, self.fail = urls, fail
        self.home: Any = None
        self.fetched: dict[str, Any] = {}
        self.today: datetime.date | None = None

    async def __call__(self, fetch: Any, home: Any, today: datetime.date) -> Any:
        self.home, self.today = home, today
        for url in self.urls:
            self.fetched[url] = await fetch(url)
        if self.fail:
            raise RuntimeError("a parser bug")
        return "finding"


def test_freshness_gets_the_home_page_and_a_fetch_kept_to_the_site(web: WebServers) -> None:
    elsewhere = web.site({"/feed/": Reply(200, "<rss/>")}, host="127.84.0.2")
    site = web.site(
        {
            "/": redirect("/beranda"),
            "/beranda": Reply(200, PAGE, headers=(("Last-Modified", "Mon, 02 Nov 2026 08:00:00 GMT"),)),
            "/feed/": Reply(200, "<rss/>", content_type="application/rss+xml"),
            "/lama": redirect("/feed/", 301),
            "/keluar": redirect(elsewhere.url("/feed/")),
        },
        host="127.84.0.1",
    )
    urls = [site.url("/feed/"), site.url("/tidak-ada"), site.url("/lama"), site.url("/keluar"), elsewhere.url("/feed/")]
    recorder = Recorder(urls)
    result = one(site.url(), freshness=True, discover=recorder, today=datetime.date(2026, 12, 1))
    assert result.outcome is Outcome.OK and result.finding == "finding"
    assert recorder.today == datetime.date(2026, 12, 1)
    assert recorder.home.url == site.url("/beranda") and recorder.home.status == 200
    assert recorder.home.body == PAGE.encode() and recorder.home.headers["last-modified"].startswith("Mon")
    feed = recorder.fetched[site.url("/feed/")]
    assert feed.body == b"<rss/>" and feed.headers["Content-Type"] == "application/rss+xml"
    assert recorder.fetched[site.url("/tidak-ada")] is None  # a 404 is no document
    assert recorder.fetched[site.url("/lama")].url == site.url("/feed/")
    assert recorder.fetched[site.url("/keluar")] is None and recorder.fetched[elsewhere.url("/feed/")] is None
    assert elsewhere.connections == 0
    assert all(r.headers["user-agent"].startswith("Simpul/") for r in site.requests)


def test_no_freshness_unless_asked_and_a_failure_there_spoils_nothing(web: WebServers) -> None:
    site = web.site({"/": Reply(200, PAGE), "/feed/": Reply(200, "<rss/>")})
    quiet, failing = Recorder([site.url("/feed/")]), Recorder([], fail=True)
    without = one(site.url(), discover=quiet)
    broken = one(site.url(), freshness=True, discover=failing)
    assert without.finding is None and quiet.home is None and len(site.requests) == 2
    assert broken.outcome is Outcome.OK and broken.finding is None and failing.home is not None


def test_no_freshness_for_a_page_that_did_not_come(web: WebServers) -> None:
    site = web.site({"/": Reply(404, PAGE)})
    recorder = Recorder([])
    assert one(site.url(), freshness=True, discover=recorder).finding is None and recorder.home is None


def test_the_body_is_capped(web: WebServers) -> None:
    big = "<html><body>" + "x" * (BODY_CAP + 500_000) + "Penanda akhir</body></html>"
    site = web.site({"/": Reply(200, big)})
    recorder = Recorder([])
    result = one(site.url(), expect_text="Penanda akhir", freshness=True, discover=recorder)
    assert len(recorder.home.body) == BODY_CAP
    assert result.outcome is Outcome.CONTENT_MISSING  # the text lies beyond what is read


def test_the_real_discover_finds_a_feed(web: WebServers) -> None:
    from infra.probes import freshness

    published = "Mon, 23 Nov 2026 09:30:00 +0700"
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Berita</title>'
        f"<item><title>Vaksinasi</title><link>/berita/1</link><pubDate>{published}</pubDate></item>"
        "</channel></rss>"
    )
    home = (
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>Berita</body></html>'
    )
    site = web.site({"/": Reply(200, home), "/rss.xml": Reply(200, rss, content_type="application/rss+xml")})
    result = one(site.url(), freshness=True, today=datetime.date(2026, 12, 1))
    assert isinstance(result.finding, freshness.Finding)
    assert result.finding.source == "feed" and result.finding.detail == site.url("/rss.xml")
    assert result.finding.last_update == datetime.datetime(2026, 11, 23, 2, 30, tzinfo=datetime.UTC)
    assert len(result.finding.fingerprint) == 64


def test_targets_queued_past_the_calls_budget_are_reported_not_reached(web: WebServers) -> None:
    """A chunk of many checks of one host ends within its run's limit: what could not start in time
    says so instead of holding the run."""
    site = web.site({"/": Reply(200, PAGE, delay=1.0)})
    started = time.monotonic()
    results = run(*(HttpTarget(i, site.url(), timeout=5) for i in range(4)), per_host=1, budget=1.5)
    assert time.monotonic() - started < 3.5
    answered = [r for r in results if r.outcome == Outcome.OK]
    not_reached = [r for r in results if "not reached within this run's 1.5 s" in r.detail]
    assert len(answered) >= 1 and len(not_reached) >= 2
    assert all(r.outcome == Outcome.TIMEOUT for r in not_reached)
