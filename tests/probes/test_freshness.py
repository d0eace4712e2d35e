"""Freshness (infra.probes.freshness): when was a website last updated? Pure parsing over realistic pages,
feeds and sitemaps, then ``discover`` end to end against a real HTTP server on 127.0.0.1 that the tests
start, fetched by a small aiohttp client: each way of finding the last update and their order."""

from __future__ import annotations

import datetime
import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin

import aiohttp
import pytest

from infra.probes import choices
from infra.probes.engines.base import run_coroutine
from infra.probes.freshness import (
    FEED,
    LAST_MODIFIED,
    MAX_FETCHES,
    NEWS,
    SITEMAP,
    USUAL_FEED_PATHS,
    FetchedDoc,
    dates_in,
    decode,
    discover,
    feed_links,
    fingerprint,
    http_date,
    main_text,
    newest_in_feed,
    newest_news_date,
    sitemap_newest,
)

UTC = datetime.UTC
TODAY = datetime.date(2026, 12, 1)
NOW = datetime.datetime(2026, 12, 1, 10, 42, tzinfo=UTC)


def day(value: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(value, datetime.time(), UTC)


def rfc822(value: datetime.datetime) -> str:
    return value.strftime("%a, %d %b %Y %H:%M:%S +0000")


# --- samples ------------------------------------------------------------------------------------
def wordpress_home(posts: list[tuple[str, datetime.date]], *, feed_link: bool = True) -> str:
    """A WordPress 6 home page as a typical OPD theme renders it."""
    links = (
        '<link rel="alternate" type="application/rss+xml" title="Dinas Kesehatan &raquo; Feed" '
        'href="https://dinkes.example/feed/" />\n'
        '<link rel="alternate" type="application/rss+xml" title="Dinas Kesehatan &raquo; Comments Feed" '
        'href="https://dinkes.example/comments/feed/" />'
    )
    articles = "\n".join(
        f"""<article id="post-{i}" class="post-{i} post type-post status-publish">
  <header class="entry-header"><h2 class="entry-title"><a href="/?p={i}">{title}</a></h2>
  <div class="entry-meta"><time class="entry-date published" datetime="{published.isoformat()}T08:00:00+07:00">
  {published.day} {
            [
                "Januari",
                "Februari",
                "Maret",
                "April",
                "Mei",
                "Juni",
                "Juli",
                "Agustus",
                "September",
                "Oktober",
                "November",
                "Desember",
            ][published.month - 1]
        } {published.year}</time></div></header>
  <div class="entry-summary"><p>{title} — ringkasan kegiatan dinas.</p></div>
</article>"""
        for i, (title, published) in enumerate(posts, start=1)
    )
    return f"""<!DOCTYPE html>
<html lang="id-ID"><head><meta charset="UTF-8">
<title>Dinas Kesehatan Kota &#8211; Melayani dengan sepenuh hati</title>
{links if feed_link else ""}
<meta name="generator" content="WordPress 6.6.2" />
<link rel='stylesheet' href='https://dinkes.example/wp-content/themes/astra/style.css' />
<script>var wpNonce = "9f3c2a71be";</script>
</head><body class="home blog">
<header id="masthead" class="site-header"><div class="top-bar">Selasa, 1 Desember 2026</div>
<nav class="main-navigation"><ul><li><a href="/">Beranda</a></li><li><a href="/profil/">Profil</a></li></ul></nav>
</header>
<main id="main" class="site-main">
{articles}
</main>
<footer class="site-footer">Copyright © 2026 Dinas Kesehatan Kota. Powered by WordPress.</footer>
</body></html>"""


JOOMLA_HOME = """<!DOCTYPE html>
<html lang="id-id"><head>
<meta name="generator" content="Joomla! - Open Source Content Management" />
<title>Dinas Pendidikan</title>
<script src="/media/jui/js/jquery.min.js"></script>
</head><body>
<div class="blog-featured">
  <div class="items-leading"><div class="leading-0">
    <h2 class="item-title">Penerimaan Peserta Didik Baru</h2>
    <dl class="article-info"><dd class="published">Dipublikasikan: 18 November 2026</dd></dl>
    <p>Pendaftaran dibuka untuk jenjang SD dan SMP.</p>
  </div></div>
</div>
<form action="/index.php" method="post"><input type="hidden" name="a1b2c3d4e5f6a7b8c9d0" value="1"></form>
</body></html>"""

# A Drupal-like news list, in Indonesian, with its dates in several ways.
DRUPAL_NEWS = """<!DOCTYPE html>
<html lang="id" dir="ltr"><head><meta charset="utf-8">
<meta name="Generator" content="Drupal 10 (https://www.drupal.org)">
<title>Berita | Bappeda Kota</title></head>
<body>
<div class="region region-header"><div class="tanggal-hari-ini">Selasa, 1 Desember 2026</div></div>
<div class="view view-berita view-id-berita">
  <div class="view-content">
    <div class="views-row"><span class="field-content">Senin, 23 Nov 2026</span>
      <h3><a href="/berita/musrenbang-kecamatan">Musrenbang Kecamatan 2027</a></h3></div>
    <div class="views-row"><span class="field-content">16/11/2026</span>
      <h3><a href="/berita/rakor-rpjmd">Rapat Koordinasi RPJMD</a></h3></div>
    <div class="views-row"><span class="field-content">2026-11-02</span>
      <h3><a href="/berita/forum-opd">Forum Perangkat Daerah</a></h3></div>
  </div>
</div>
<div class="block-agenda-lain"><p>Rencana peluncuran aplikasi: 15 Januari 2027.</p></div>
<div id="footer">Terakhir diperbarui 1 Desember 2026 · Hak Cipta © 2026 Bappeda</div>
</body></html>"""


def portal(
    clock: str, visitors: dict[str, str], extra: str = "", token: str = "d41d8cd98f00b204e9800998ecf8427e"
) -> str:
    """A city portal page with a clock, a visitor counter and a session token in the page."""
    counter = "".join(f"<tr><td>{label}</td><td>{value}</td></tr>" for label, value in visitors.items())
    return f"""<html><head><title>Portal Resmi Pemerintah Kota</title>
<style>.jam {{ font-weight: bold }}</style>
<script>setInterval(function () {{ document.getElementById('jam').textContent = new Date(); }}, 1000);</script>
</head><body>
<div class="topbar"><span id="jam-digital">{clock}</span></div>
<div class="konten">
  <h1>Selamat datang di portal resmi</h1>
  <p>Pemerintah kota menyediakan layanan perizinan, kependudukan dan pengaduan masyarakat.</p>
  <p>Diperbarui {clock}. Sesi: {token}</p>
  {extra}
</div>
<div class="sidebar"><h4>Statistik Pengunjung</h4><table>{counter}</table>
<p>Sedang online: {visitors.get("Online", "1")} orang</p></div>
</body></html>"""


def rss(items: list[tuple[str, datetime.datetime | None]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>https://dinkes.example/?p={i}</link>"
        + (f"<pubDate>{rfc822(published)}</pubDate>" if published else "")
        + "</item>"
        for i, (title, published) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Dinas Kesehatan</title>'
        f"<link>https://dinkes.example</link><lastBuildDate>{rfc822(NOW)}</lastBuildDate>{entries}</channel></rss>"
    ).encode()


def atom(updated: list[datetime.datetime]) -> bytes:
    entries = "".join(
        f"<entry><title>Warta {i}</title><id>urn:warta:{i}</id><updated>{value.isoformat()}</updated></entry>"
        for i, value in enumerate(updated)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Diskominfo</title>'
        f"<id>urn:diskominfo</id><updated>{NOW.isoformat()}</updated>{entries}</feed>"
    ).encode()


def urlset(lastmods: list[str | None]) -> bytes:
    urls = "".join(
        f"<url><loc>https://bappeda.example/p/{i}</loc>" + (f"<lastmod>{value}</lastmod>" if value else "") + "</url>"
        for i, value in enumerate(lastmods)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def sitemap_index(children: list[tuple[str, str | None]]) -> bytes:
    items = "".join(
        f"<sitemap><loc>{loc}</loc>" + (f"<lastmod>{value}</lastmod>" if value else "") + "</sitemap>"
        for loc, value in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
    ).encode()


# --- dates --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 Desember 2026", datetime.date(2026, 12, 1)),
        ("Senin, 30 Nov 2026", datetime.date(2026, 11, 30)),
        ("Jum'at Kliwon, 4 Agt 2026", datetime.date(2026, 8, 4)),
        ("30/11/2026", datetime.date(2026, 11, 30)),
        ("05-03-2026", datetime.date(2026, 3, 5)),  # day first, as Indonesians write it
        ("11/30/2026", datetime.date(2026, 11, 30)),  # only month first can be right
        ("2026-11-30", datetime.date(2026, 11, 30)),
        ("2026-11-30T10:42:00+07:00", datetime.date(2026, 11, 30)),
        ("November 30, 2026", datetime.date(2026, 11, 30)),
        ("Monday, November 30th, 2026", datetime.date(2026, 11, 30)),
        ("Diposting 7 Pebruari 2025 oleh admin", datetime.date(2025, 2, 7)),
    ],
)
def test_dates_in_text(text, expected):
    assert dates_in(text) == [expected]


@pytest.mark.parametrize("text", ["31 Februari 2026", "Anggaran 2026", "© 2026", "versi 1.2.3", "12.345 pengunjung"])
def test_no_date_in_text(text):
    assert dates_in(text) == []


def test_http_date():
    assert http_date("Tue, 01 Dec 2026 10:42:00 GMT") == NOW
    assert http_date("Tuesday, 01-Dec-26 10:42:00 GMT") == NOW
    assert http_date("Tue, 01 Dec 2026 17:42:00 +0700") == NOW
    assert http_date("kemarin") is None
    assert http_date("") is None


# --- feeds --------------------------------------------------------------------------------------
def test_feed_links_of_a_wordpress_page_skip_the_comments_feed():
    html = wordpress_home([("Posyandu", datetime.date(2026, 11, 20))])
    assert feed_links(html, "https://dinkes.example/") == ["https://dinkes.example/feed/"]


def test_feed_links_resolve_against_the_page_and_its_base():
    html = """<head><link rel="alternate" type="application/atom+xml" href="atom.xml">
    <link rel="Alternate Feed" type="application/rss+xml; charset=utf-8" href="/rss?x=1&amp;y=2">
    <link rel="alternate" type="text/html" href="/en/"><link rel="stylesheet" href="a.css"></head>"""
    assert feed_links(html, "https://kota.example/dinkes/index.php") == [
        "https://kota.example/dinkes/atom.xml",
        "https://kota.example/rss?x=1&y=2",
    ]
    based = '<base href="https://cdn.example/site/"><link rel="alternate" type="application/rss+xml" href="f.xml">'
    assert feed_links(based, "https://kota.example/") == ["https://cdn.example/site/f.xml"]


def test_usual_feed_paths_cover_wordpress_joomla_and_common_names():
    assert USUAL_FEED_PATHS[:2] == ("/feed/", "/?feed=rss2")
    assert "/index.php?format=feed&type=rss" in USUAL_FEED_PATHS
    assert "/index.php?format=feed&type=atom" in USUAL_FEED_PATHS
    assert {"/rss", "/rss.xml", "/feed.xml", "/atom.xml"} <= set(USUAL_FEED_PATHS)


def test_newest_in_an_rss_feed():
    body = rss([("Lama", NOW - datetime.timedelta(days=40)), ("Baru", NOW - datetime.timedelta(days=3))])
    assert newest_in_feed(body, now=NOW) == NOW - datetime.timedelta(days=3)


def test_newest_in_an_atom_feed_takes_updated_entries():
    body = atom([NOW - datetime.timedelta(days=9), NOW - datetime.timedelta(days=2, hours=5)])
    assert newest_in_feed(body, now=NOW) == NOW - datetime.timedelta(days=2, hours=5)


def test_a_feed_dated_in_the_future_counts_as_now():
    body = rss([("Jam server salah", NOW + datetime.timedelta(days=400))])
    assert newest_in_feed(body, now=NOW) == NOW


def test_a_feed_without_dated_entries_says_nothing():
    # The channel's lastBuildDate is "now" on every request: only entries count.
    assert newest_in_feed(rss([("Tanpa tanggal", None)]), now=NOW) is None
    assert newest_in_feed(rss([]), now=NOW) is None


@pytest.mark.parametrize(
    "body",
    [
        JOOMLA_HOME.encode(),  # a soft 404: the home page where the feed should be
        b"",
        b"/etc/passwd",  # given as bytes, feedparser would open this as a file name
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<rss version='2.0'><channel><item><title>&b;</title><pubDate>Mon, 30 Nov 2026 00:00:00 GMT</pubDate>"
        b"</item></channel></rss>",
    ],
)
def test_what_is_no_feed(body):
    assert newest_in_feed(body, now=NOW) is None


# --- sitemaps -----------------------------------------------------------------------------------
def test_sitemap_newest_lastmod():
    body = urlset(["2026-10-01", "2026-11-17T09:30:00+07:00", None, "2026-11-02"])
    assert sitemap_newest(body, now=NOW) == (datetime.datetime(2026, 11, 17, 2, 30, tzinfo=UTC), [])


def test_sitemap_index_lists_its_children_newest_first():
    body = sitemap_index(
        [
            ("https://bappeda.example/page-sitemap.xml", "2026-05-01T00:00:00+00:00"),
            ("https://bappeda.example/post-sitemap.xml", "2026-11-20T07:00:00+00:00"),
            ("https://bappeda.example/category-sitemap.xml", None),
        ]
    )
    newest, children = sitemap_newest(body, now=NOW)
    assert newest == datetime.datetime(2026, 11, 20, 7, tzinfo=UTC)
    assert children == [
        "https://bappeda.example/post-sitemap.xml",
        "https://bappeda.example/page-sitemap.xml",
        "https://bappeda.example/category-sitemap.xml",
    ]


def test_a_sitemap_that_stamps_the_current_time_is_not_trusted():
    stamped = [(NOW - datetime.timedelta(seconds=s)).isoformat() for s in (0, 1, 1, 2, 3)]
    assert sitemap_newest(urlset(stamped), now=NOW) == (None, [])
    # Today's date on every URL: the same.
    assert sitemap_newest(urlset([TODAY.isoformat()] * 4), now=NOW) == (None, [])


def test_identical_old_lastmods_are_a_real_build_date():
    # A static site generated once, long ago: the same lastmod everywhere is the truth.
    assert sitemap_newest(urlset(["2025-06-30"] * 5), now=NOW) == (day(datetime.date(2025, 6, 30)), [])
    # One recent URL is just one recent URL.
    assert sitemap_newest(urlset([NOW.isoformat()]), now=NOW) == (NOW, [])


def test_gzipped_and_truncated_sitemaps_are_read():
    body = urlset(["2026-09-01", "2026-11-29", "2026-10-10"])
    assert sitemap_newest(gzip.compress(body), now=NOW)[0] == day(datetime.date(2026, 11, 29))
    # Cut off by the fetch's size cap: what came is still read.
    cut = body[: body.index(b"2026-10-10")]
    assert sitemap_newest(cut, now=NOW)[0] == day(datetime.date(2026, 11, 29))


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Not found</body></html>",
        b"",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><urlset><url><loc>&lol3;</loc>'
        b"<lastmod>2026-11-30</lastmod></url></urlset>",
        b'<?xml version="1.0"?><!DOCTYPE u SYSTEM "file:///etc/passwd"><urlset><url><loc>x</loc></url></urlset>',
    ],
)
def test_what_is_no_sitemap(body):
    assert sitemap_newest(body, now=NOW) == (None, [])


# --- news dates ---------------------------------------------------------------------------------
def test_news_dates_of_a_drupal_news_list():
    # The newest item (23 Nov), not today's date in the header, the footer's "last updated" or a future plan.
    assert newest_news_date(DRUPAL_NEWS, TODAY) == day(datetime.date(2026, 11, 23))


def test_news_dates_of_wordpress_articles_come_from_their_time_elements():
    html = wordpress_home([("Posyandu", datetime.date(2026, 11, 20)), ("Vaksinasi", datetime.date(2026, 11, 27))])
    assert newest_news_date(html, TODAY) == datetime.datetime(2026, 11, 27, 1, tzinfo=UTC)


def test_news_dates_of_a_joomla_page():
    assert newest_news_date(JOOMLA_HOME, TODAY) == day(datetime.date(2026, 11, 18))


def test_dates_near_news_markup_win_over_other_dates():
    html = """<body><div class="berita-terkini"><p>3 November 2026: Pelantikan</p></div>
    <div class="pojok"><p>Jadwal layanan berlaku mulai 25 November 2026</p></div></body>"""
    assert newest_news_date(html, TODAY) == day(datetime.date(2026, 11, 3))


def test_dates_outside_news_markup_count_when_there_is_no_news_markup_but_today_does_not():
    html = "<body><p>Hari ini: 1 Desember 2026</p><p>Pengumuman seleksi 12 Oktober 2026</p></body>"
    assert newest_news_date(html, TODAY) == day(datetime.date(2026, 10, 12))
    assert newest_news_date("<body><p>Selasa, 1 Desember 2026</p></body>", TODAY) is None


def test_tomorrow_counts_but_later_dates_do_not():
    html = """<div class="news"><p>2 Desember 2026</p><p>25 Desember 2026</p><p>1999-01-01</p></div>"""
    assert newest_news_date(html, TODAY) == day(datetime.date(2026, 12, 2))
    assert newest_news_date('<div class="news">7 Mei 1985</div>', TODAY) is None


def test_a_page_without_dates_has_no_news_date():
    assert newest_news_date(portal("10:42", {"Hari ini": "42"}), TODAY) is None
    assert newest_news_date("", TODAY) is None


# --- main text and fingerprint ------------------------------------------------------------------
def test_main_text_keeps_the_content_and_drops_the_rest():
    text = main_text(wordpress_home([("Posyandu Balita", datetime.date(2026, 11, 20))]), TODAY)
    assert "posyandu balita ringkasan kegiatan dinas" in text
    for gone in ("wpnonce", "beranda", "profil", "copyright", "selasa", "desember", "2026"):
        assert gone not in text.split(), gone
    assert text == text.lower() and "  " not in text


def test_main_text_drops_forms_comments_hidden_blocks_and_tokens():
    html = """<body><!-- generated 10:42:07 by cache node 7 --><p>Layanan Perizinan</p>
    <form><label>Cari</label><input name="csrfmiddlewaretoken" value="x"></form>
    <div hidden>Token 3f9a</div><div style="display: none">rahasia</div>
    <p>sessid=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA== eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0</p></body>"""
    assert main_text(html, TODAY) == "layanan perizinan"


def test_main_text_drops_times_dates_and_counters():
    html = """<p>Anggaran 2027 naik. Pukul 10.42 WIB, 10:42, 7:05 pm. Sabtu, 28 Nov 2026; 28/11/26; 20261201;
    24 Jumadil Awal 1448 H. Diposting 5 menit yang lalu. Pengunjung: 12.345 — Visitors today 42 — Online: 3 —
    Hits 998 — Dibaca 120 kali.</p>"""
    expected = "anggaran 2027 naik pukul diposting pengunjung visitors today online hits dibaca kali"
    assert main_text(html, TODAY) == expected


def test_fingerprint_ignores_the_clock_the_counter_and_the_token():
    before = portal("Selasa, 1 Desember 2026 10:42:07 WIB", {"Hari ini": "42", "Kemarin": "130", "Total": "12.345"})
    after = portal(
        "Rabu, 2 Desember 2026 08:05:59 WIB",
        {"Hari ini": "7", "Kemarin": "201", "Total": "12.552"},
        token="9e107d9d372bb6826bd81d3542a419d6",
    )
    assert before != after
    assert fingerprint(before, TODAY) == fingerprint(after, datetime.date(2026, 12, 2))


def test_fingerprint_changes_with_a_new_article():
    before = portal("10:42", {"Hari ini": "42"})
    after = portal("10:43", {"Hari ini": "43"}, extra="<h2>Pendaftaran CPNS dibuka</h2><p>Formasi 120 orang.</p>")
    assert fingerprint(before, TODAY) != fingerprint(after, TODAY)
    assert len(fingerprint(before, TODAY)) == 64


def test_a_fingerprint_survives_malformed_html():
    html = "<body><div class='berita'><p>Rapat <b>evaluasi<p>kinerja</div></span></body>"
    assert main_text(html, TODAY) == "rapat evaluasi kinerja"
    assert main_text("<header><p>tidak ditutup", TODAY) == ""


def test_decode_follows_the_declared_charset():
    body = "<p>Pemutakhiran data — Kecamatan Tlogosari</p>".encode("windows-1252")
    assert "—" in decode(FetchedDoc("http://x/", 200, {"Content-Type": "text/html; charset=windows-1252"}, body))
    meta = b'<meta charset="iso-8859-1"><p>caf\xe9</p>'
    assert "café" in decode(FetchedDoc("http://x/", 200, {}, meta))


def test_the_source_names_are_the_models_choices():
    assert {FEED, SITEMAP, NEWS, LAST_MODIFIED, "fingerprint"} == set(choices.FreshnessSource.values)


# --- discover against a real local server -------------------------------------------------------
class Site:
    """A threading HTTP server on 127.0.0.1 serving ``routes``: path (with query) -> (status, headers,
    body). Records the paths asked for."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.asked: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.asked.append(self.path)
                status, headers, body = site.routes.get(self.path, (404, {}, b"<h1>Not Found</h1>"))
                self.send_response(status)
                for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def page(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **headers: str):
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = (
            200,
            {"Content-Type": content_type, **{k.replace("_", "-"): v for k, v in headers.items()}},
            data,
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    yield served
    served.close()


async def _discover(url: str, today: datetime.date, calls: list[str]):
    async with aiohttp.ClientSession() as session:

        async def fetch(target: str) -> FetchedDoc | None:
            calls.append(target)
            try:
                async with session.get(target, timeout=aiohttp.ClientTimeout(total=5)) as response:
                    body = await response.content.read(2 * 1024 * 1024)
                    return FetchedDoc(str(response.url), response.status, dict(response.headers), body)
            except (aiohttp.ClientError, TimeoutError):
                return None

        home = await fetch(url)
        assert home is not None
        calls.clear()
        return await discover(fetch, home, today)


def run(site: Site, path: str = "", today: datetime.date | None = None) -> tuple[object, list[str]]:
    calls: list[str] = []
    finding = run_coroutine(_discover(urljoin(site.base, path), today or datetime.datetime.now(UTC).date(), calls))
    assert len(calls) <= MAX_FETCHES
    return finding, calls


# The real clock when the tests start, to the second (feeds and sitemaps carry seconds): discover clamps
# to the real now, so the end-to-end tests date their sites relative to it.
STARTED = datetime.datetime.now(UTC).replace(microsecond=0)


def recent(days: int, hours: int = 0) -> datetime.datetime:
    """A moment some days before the tests started."""
    return STARTED - datetime.timedelta(days=days, hours=hours)


def test_discover_prefers_the_declared_feed_over_everything_else(site):
    today = datetime.datetime.now(UTC).date()
    html = wordpress_home([("Posyandu", today - datetime.timedelta(days=1))], feed_link=False)
    html = html.replace("</head>", '<link rel="alternate" type="application/rss+xml" href="/kabar.xml"></head>')
    site.page("/", html, Last_Modified=rfc822(recent(0, 1)))
    site.page("/kabar.xml", rss([("Lama", recent(30)), ("Terbaru", recent(12))]), "application/rss+xml")
    site.page("/sitemap.xml", urlset([recent(2).isoformat()]), "application/xml")
    finding, calls = run(site)
    assert (finding.last_update, finding.source, finding.detail) == (recent(12), FEED, site.base + "kabar.xml")
    assert calls == [site.base + "kabar.xml"]
    assert finding.fingerprint == fingerprint(html, today)


def test_discover_finds_the_wordpress_feed_without_a_link(site):
    site.page("/", wordpress_home([("Posyandu", datetime.date(2026, 11, 20))], feed_link=False))
    site.page("/?feed=rss2", rss([("Vaksinasi", recent(40))]), "application/rss+xml")
    finding, calls = run(site)
    assert (finding.last_update, finding.source, finding.detail) == (recent(40), FEED, site.base + "?feed=rss2")
    assert calls == [site.base + "feed/", site.base + "?feed=rss2"]


def test_discover_finds_the_joomla_feed_first_on_a_joomla_site(site):
    site.page("/", JOOMLA_HOME)
    site.page("/index.php?format=feed&type=atom", atom([recent(95), recent(100)]), "application/atom+xml")
    finding, calls = run(site)
    assert (finding.source, finding.last_update) == (FEED, recent(95))
    assert calls == [site.base + "index.php?format=feed&type=rss", site.base + "index.php?format=feed&type=atom"]


def test_discover_of_a_site_in_a_directory_looks_under_it(site):
    site.page("/dinkes/", wordpress_home([], feed_link=False))
    site.page("/dinkes/feed/", rss([("Rapat", recent(5))]), "application/rss+xml")
    finding, _calls = run(site, "dinkes/")
    assert (finding.source, finding.detail) == (FEED, site.base + "dinkes/feed/")


def test_a_feed_without_dates_hands_over_to_the_sitemap(site):
    site.page("/", '<head><link rel="alternate" type="application/rss+xml" href="/rss"></head><p>Dinas</p>')
    site.page("/rss", rss([("Tanpa tanggal", None)]), "application/rss+xml")
    site.page("/sitemap.xml", urlset([recent(50).isoformat(), recent(20).isoformat()]), "application/xml")
    finding, calls = run(site)
    assert (finding.last_update, finding.source, finding.detail) == (recent(20), SITEMAP, site.base + "sitemap.xml")
    assert calls == [site.base + "rss", site.base + "sitemap.xml"]  # no other feed tried after the site's own


def test_discover_follows_robots_to_a_sitemap_index_newest_child_first(site):
    site.page("/", "<p>Selamat datang</p>")
    site.page("/robots.txt", "User-agent: *\nDisallow: /admin\nSitemap: /peta/index.xml\n", "text/plain")
    children = [
        (site.base + f"peta/{name}.xml", (recent(age)).isoformat())
        for name, age in [("halaman", 300), ("berita", 9), ("galeri", 60), ("arsip", 900)]
    ]
    site.page("/peta/index.xml", sitemap_index(children), "application/xml")
    site.page("/peta/berita.xml", urlset([recent(11).isoformat(), recent(14).isoformat()]), "application/xml")
    site.page("/peta/galeri.xml", urlset([recent(61).isoformat()]), "application/xml")
    site.page("/peta/halaman.xml", urlset([recent(301).isoformat()]), "application/xml")
    finding, calls = run(site)
    assert finding.source == SITEMAP
    # The index says its news sitemap changed 9 days ago; that is the newest trustworthy date.
    assert (finding.last_update, finding.detail) == (recent(9), site.base + "peta/index.xml")
    children_asked = [c for c in calls if "/peta/" in c and not c.endswith("index.xml")]
    # Newest first, as far as the budget goes (three feed guesses, sitemap.xml, robots.txt, the index).
    assert children_asked == [site.base + "peta/berita.xml", site.base + "peta/galeri.xml"]


def test_a_sitemap_index_without_dates_is_read_through_its_children(site):
    site.page("/", "<p>Selamat datang</p>")
    site.page("/wp-sitemap.xml", sitemap_index([(site.base + "wp-sitemap-posts-post-1.xml", None)]), "application/xml")
    site.page(
        "/wp-sitemap-posts-post-1.xml", urlset([recent(33).isoformat(), recent(70).isoformat()]), "application/xml"
    )
    finding, _calls = run(site)
    assert (finding.source, finding.last_update, finding.detail) == (
        SITEMAP,
        recent(33),
        site.base + "wp-sitemap-posts-post-1.xml",
    )


def test_a_sitemap_stamped_with_the_current_time_hands_over_to_the_news_dates(site):
    today = datetime.datetime.now(UTC).date()
    news = DRUPAL_NEWS.replace("23 Nov 2026", f"{(today - datetime.timedelta(days=4)):%d %b %Y}")
    site.page("/", news)
    now = datetime.datetime.now(UTC).replace(microsecond=0).isoformat()
    site.page("/sitemap.xml", urlset([now] * 6), "application/xml")
    finding, calls = run(site)
    assert (finding.source, finding.last_update, finding.detail) == (
        NEWS,
        day(today - datetime.timedelta(days=4)),
        site.base,
    )
    assert site.base + "sitemap.xml" in calls


def test_news_dates_come_before_last_modified(site):
    site.page("/", JOOMLA_HOME, Last_Modified=rfc822(recent(2)))
    finding, _calls = run(site, today=TODAY)
    assert (finding.source, finding.last_update) == (NEWS, day(datetime.date(2026, 11, 18)))


def test_last_modified_when_nothing_else_dates_the_site(site):
    site.page("/", "<h1>Kantor Kecamatan</h1><p>Alamat dan jam layanan.</p>", Last_Modified=rfc822(recent(130)))
    finding, calls = run(site)
    assert (finding.source, finding.last_update, finding.detail) == (LAST_MODIFIED, recent(130), "Last-Modified")
    # Every usual place was tried, within the budget: three feed paths, then the sitemaps.
    tried = ["feed/", "rss", "rss.xml", "sitemap.xml", "robots.txt", "sitemap_index.xml", "wp-sitemap.xml"]
    assert calls == [site.base + path for path in tried]


def test_a_last_modified_of_now_is_a_dynamic_page_not_an_update(site):
    site.page("/", "<h1>Kantor Kecamatan</h1>", Last_Modified=rfc822(datetime.datetime.now(UTC)))
    finding, _calls = run(site)
    assert (finding.last_update, finding.source) == (None, "")
    assert finding.fingerprint == fingerprint("<h1>Kantor Kecamatan</h1>", datetime.datetime.now(UTC).date())


def test_nothing_dated_leaves_the_fingerprint_and_the_clock_does_not_change_it(site):
    today = datetime.datetime.now(UTC).date()
    site.page("/", portal("10:42:07 WIB", {"Hari ini": "42", "Total": "12.345"}))
    first, _calls = run(site)
    assert (first.last_update, first.source, first.detail) == (None, "", site.base)
    site.page(
        "/", portal("10:47:31 WIB", {"Hari ini": "44", "Total": "12.347"}, token="0cc175b9c0f1b6a831c399e269772661")
    )
    assert run(site)[0].fingerprint == first.fingerprint
    site.page("/", portal("10:52:00 WIB", {"Hari ini": "45"}, extra="<p>Pengumuman lelang jabatan</p>"))
    assert run(site)[0].fingerprint != first.fingerprint
    assert first.fingerprint == fingerprint(portal("23:59", {"Hari ini": "1", "Total": "9"}), today)


def test_failures_move_on_and_the_budget_holds(site):
    site.page("/", '<head><link rel="alternate" type="application/rss+xml" href="http://127.0.0.1:9/feed"></head>')
    for path in ("/feed/", "/rss", "/rss.xml", "/sitemap.xml", "/robots.txt"):
        site.routes[path] = (500, {}, b"Internal Server Error")
    finding, calls = run(site)
    assert (finding.last_update, finding.source) == (None, "")
    assert calls[0] == "http://127.0.0.1:9/feed"  # nothing listens there: refused, and on to the next
    assert len(calls) == MAX_FETCHES


def test_a_fetch_that_raises_is_a_failure_too():
    async def broken(url: str) -> FetchedDoc | None:
        raise OSError("boom")

    home = FetchedDoc("http://127.0.0.1:9/", 200, {"Last-Modified": "Mon, 02 Mar 2026 00:00:00 GMT"}, b"<p>Situs</p>")
    finding = run_coroutine(discover(broken, home, TODAY))
    assert (finding.source, finding.last_update) == (LAST_MODIFIED, datetime.datetime(2026, 3, 2, tzinfo=UTC))


def test_broken_markup_is_read_in_linear_time():
    # html.parser alone takes minutes over 150 kB of unterminated tags; escaped first, well under a second.
    started = datetime.datetime.now(UTC)
    assert main_text("<p>Layanan</p>" + "<a " * 50_000 + "<p>Terpadu</p>", TODAY).startswith("layanan")
    assert newest_news_date("<!--" + "<div class='news'>" * 20_000 + "<!" * 50_000, TODAY) is None
    assert sitemap_newest(b"<urlset>" + b"<url><loc>" * 200_000, now=NOW) == (None, [])
    assert newest_in_feed(b"<rss>" + b"<item>" * 100_000, now=NOW) is None
    assert datetime.datetime.now(UTC) - started < datetime.timedelta(seconds=10)
