"""The demo city's websites, served from loopback: ``manage.py demo_websites`` (``make run`` starts it).

Every OPD website and public service of ``infra.inventory.demo.websites`` (``data/websites.csv``) gets
its own 127.0.0.x address, with HTTP on :data:`HTTP_PORT` and HTTPS on :data:`HTTPS_PORT`, so that the
websites report shows every case without touching the internet: feeds, sitemaps and news lists whose
dates are computed from the moment of the request (fresh stays fresh and stale stays stale on any day),
a page whose text changes daily, a page that only shows a clock and a visitor counter, certificates
valid, expiring in about ten days, expired, for the wrong name and self-signed, mixed content, plain
HTTP only, an HTTP error, a slow site, a public service whose page shows a maintenance notice, and a
site that is down (nothing listens at its address).

Certificates come from a demo CA made at first start (``cryptography``) and kept in
``SIMPUL_VAR_DIR/demo-websites/ca.pem``; ``make run``/``make serve`` point the probes at it through
``SIMPUL_HTTP_CA_FILE``. The sites' own certificates are made again at every start, so their expiry
dates stay relative to today. The server binds loopback addresses only (Linux routes all of
127.0.0.0/8 to the loopback interface; nothing needs configuring).
"""

from __future__ import annotations

import asyncio
import datetime
import errno
import ipaddress
import os
import random
import signal
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from infra.inventory.demo.data import APPLICATIONS, OPD_ROWS
from infra.inventory.demo.websites import DEMO_SITES, HTTP_PORT, HTTPS_PORT, LOOPBACK, SLOW_SECONDS, DemoSite
from infra.probes.engines.base import run_coroutine

__all__ = [
    "DEMO_SITES",
    "HTTPS_PORT",
    "HTTP_PORT",
    "SLOW_SECONDS",
    "DemoServerError",
    "DemoWebsites",
    "Page",
    "ensure_ca",
    "render",
    "running",
    "serve",
]

WIB = ZoneInfo("Asia/Jakarta")
CA_NAME = "Simpul Demo CA (demo only, not for production)"
# A certificate for another service of the city: what the wrong-name site presents.
WRONG_NAME = "webmail.bandarlampungkota.go.id"
VISITORS_START = 48_213

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
NEWS_TITLES = (
    "Rapat Koordinasi Program Kerja {short} Tahun Anggaran {year}",
    "Kepala {short} Meninjau Pelayanan di Kecamatan Kedaton",
    "Sosialisasi Standar Pelayanan Publik kepada Masyarakat",
    "{short} Raih Penghargaan Keterbukaan Informasi Publik",
    "Bimbingan Teknis Pengelolaan Data bagi Operator Kelurahan",
    "Penandatanganan Perjanjian Kinerja Pejabat {short}",
    "Apel Pagi dan Pembinaan Disiplin Aparatur Sipil Negara",
    "Musyawarah Perencanaan Pembangunan Tingkat Kota",
    "Pelayanan Keliling di Kecamatan Sukarame dan Way Halim",
    "Evaluasi Triwulan Realisasi Anggaran {short}",
)
ANNOUNCEMENTS = (
    "Pendaftaran pelatihan kepemimpinan administrator dibuka bagi pejabat eselon III.",
    "Pengumpulan laporan kinerja bulanan paling lambat pada akhir pekan ini.",
    "Pegawai yang belum memperbarui data keluarga diminta segera melapor ke subbagian umum.",
    "Uji kompetensi jabatan fungsional dilaksanakan di aula lantai dua.",
    "Layanan konsultasi kenaikan pangkat dibuka setiap pagi di loket kepegawaian.",
    "Formulir cuti tahunan kini diajukan melalui aplikasi e-Kinerja.",
    "Pemeriksaan kesehatan berkala pegawai dilaksanakan bersama Dinas Kesehatan.",
)
ADVICE = (
    "Pastikan nomor induk pegawai Anda sesuai dengan data pada SIMPEG.",
    "Simpan bukti pengajuan sampai permohonan Anda selesai diproses.",
    "Hubungi operator kepegawaian OPD bila data Anda belum muncul.",
    "Periksa kembali berkas sebelum mengunggah ke aplikasi.",
    "Informasi resmi hanya disampaikan melalui kanal milik pemerintah kota.",
)


class DemoServerError(Exception):
    """Why the demo web server cannot start (an address or port in use, a broken CA file)."""


# --- dates and names -------------------------------------------------------------------------------


def tanggal(day: datetime.date, weekday: bool = True) -> str:
    """An Indonesian date: "Senin, 1 Desember 2026" (what OPD news lists print)."""
    text = f"{day.day} {BULAN[day.month - 1]} {day.year}"
    return f"{HARI[day.weekday()]}, {text}" if weekday else text


_ORG_NAMES = {short: name for name, short, _kind in OPD_ROWS}
_APP_NAMES = {app.short_name: app.name for app in APPLICATIONS}


def site_name(site: DemoSite) -> str:
    """The name a site shows: the OPD's or the application's full name."""
    names = _ORG_NAMES if site.object == "opd" else _APP_NAMES
    return names.get(site.owner, site.owner)


@dataclass(frozen=True)
class Item:
    """A news item of a site: its title, path and publication moment (aware)."""

    title: str
    path: str
    published: datetime.datetime


def items(site: DemoSite, now: datetime.datetime, count: int = 6) -> list[Item]:
    """The site's newest ``count`` items, newest first: the first ``site.age_days`` days (and twenty
    minutes) before ``now``, the others a few days apart (the same gaps for the same site every day)."""
    rng = random.Random(site.address or site.owner)
    moment = now - datetime.timedelta(days=site.age_days, minutes=20)
    titles = list(NEWS_TITLES)
    rng.shuffle(titles)
    found = []
    for i in range(count):
        local = moment.astimezone(WIB)
        title = titles[i % len(titles)].format(short=site.owner, year=local.year)
        slug = "-".join(title.lower().split()[:6])
        found.append(Item(title, f"/berita/{local:%Y/%m/%d}/{slug}/", moment))
        moment -= datetime.timedelta(days=rng.randint(2, 9), hours=rng.randint(0, 5))
    return found


# --- pages -----------------------------------------------------------------------------------------


@dataclass
class Page:
    """One answer of a site: status, content type, body and extra headers."""

    status: int
    content_type: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """What :func:`render` needs of a request: path, query, the base URL it came to, and the base URL of
    the same address's plain HTTP port (for mixed content)."""

    path: str
    query: str
    base: str  # "https://127.0.0.11:8443"
    http_base: str  # "http://127.0.0.11:8080"


def _html(title: str, body: str, head: str = "", generator: str = "") -> str:
    meta = f'<meta name="generator" content="{escape(generator)}">\n' if generator else ""
    return (
        '<!DOCTYPE html>\n<html lang="id">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n{meta}"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _header(site: DemoSite) -> str:
    return (
        f"<header><h1>{escape(site_name(site))}</h1><p>Pemerintah Kota Bandar Lampung</p>\n"
        '<nav><a href="/">Beranda</a> <a href="/profil/">Profil</a> <a href="/berita/">Berita</a> '
        '<a href="/kontak/">Kontak</a></nav></header>'
    )


def _footer(site: DemoSite) -> str:
    return f"<footer>&copy; {escape(site_name(site))}. Jl. Dr. Susilo No. 2, Bandar Lampung.</footer>"


def _news_list(news: list[Item], dated: bool) -> str:
    rows = []
    for item in news:
        day = item.published.astimezone(WIB).date()
        when = f' <span class="tanggal">{tanggal(day)}</span>' if dated else ""
        rows.append(f'<article><h3><a href="{item.path}">{escape(item.title)}</a></h3>{when}</article>')
    return "\n".join(rows)


def _rss(site: DemoSite, news: list[Item], base: str, now: datetime.datetime) -> str:
    entries = "".join(
        f"<item><title>{xml_escape(i.title)}</title><link>{base}{i.path}</link>"
        f'<guid isPermaLink="true">{base}{i.path}</guid>'
        f"<pubDate>{format_datetime(i.published.astimezone(WIB))}</pubDate>"
        f"<description>{xml_escape(i.title)}.</description></item>\n"
        for i in news
    )
    newest = news[0].published if news else now
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{xml_escape(site_name(site))}</title><link>{base}/</link>"
        f"<description>Berita {xml_escape(site_name(site))}</description><language>id-ID</language>"
        f"<lastBuildDate>{format_datetime(newest.astimezone(WIB))}</lastBuildDate>\n"
        f"{entries}</channel>\n</rss>\n"
    )


def _atom(site: DemoSite, news: list[Item], base: str) -> str:
    entries = "".join(
        f'<entry><title>{xml_escape(i.title)}</title><link href="{base}{i.path}"/>'
        f"<id>{base}{i.path}</id><updated>{i.published.astimezone(WIB).isoformat()}</updated>"
        f"<summary>{xml_escape(i.title)}.</summary></entry>\n"
        for i in news
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f'<title>{xml_escape(site_name(site))}</title><link href="{base}/"/><id>{base}/</id>'
        f"<updated>{news[0].published.astimezone(WIB).isoformat()}</updated>\n{entries}</feed>\n"
    )


def _urlset(locations: list[tuple[str, datetime.datetime]]) -> str:
    urls = "".join(
        f"<url><loc>{loc}</loc><lastmod>{moment.astimezone(WIB).isoformat(timespec='seconds')}</lastmod></url>\n"
        for loc, moment in locations
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


def _home(site: DemoSite, request: Request, now: datetime.datetime, head: str = "", generator: str = "") -> str:
    """A CMS home page: the site's header, its latest news (dated unless the case says otherwise)."""
    news = items(site, now)
    dated = site.case in ("wordpress", "atom", "joomla", "news", "slow")
    extra = ""
    if "mixed_content" in site.flags and request.base.startswith("https:"):
        # Resources over plain HTTP on an HTTPS page: what browsers block or warn about.
        extra = (
            f'<img src="{request.http_base}/wp-content/uploads/logo-pemkot.png" alt="Logo">\n'
            f'<script src="{request.http_base}/wp-content/js/statistik.js"></script>\n'
        )
    body = (
        f"{_header(site)}\n<main>\n{extra}<h2>Berita Terbaru</h2>\n{_news_list(news, dated)}\n"
        "<section><h2>Layanan</h2><p>Informasi pelayanan, pengaduan dan permohonan informasi publik.</p>"
        f"</section>\n</main>\n{_footer(site)}"
    )
    return _html(site_name(site), body, head, generator)


def render(site: DemoSite, request: Request, now: datetime.datetime, visitors: int = 0) -> Page:
    """The answer of ``site`` to ``request`` at ``now`` (pure: the server adds only the slow site's delay).

    ``visitors``: the clock page's visitor counter (the server counts its requests)."""
    html = "text/html"
    path, base = request.path, request.base
    if path == "/robots.txt":
        line = f"\nSitemap: {base}/sitemap.xml" if site.case in ("sitemap", "sitemap_index") else ""
        return Page(200, "text/plain", f"User-agent: *\nAllow: /{line}\n")
    if "home_redirect" in site.flags and path == "/" and not request.query:
        return Page(302, html, "", {"Location": f"{base}/beranda/"})
    home = path in ("/", "/beranda/") if "home_redirect" in site.flags else path in ("/", "/index.php", "/berita/")
    case = site.case
    news = items(site, now)
    article = next((i for i in news if i.path == path), None)
    if article is not None and case not in ("daily_text", "clock", "error", "login", "maintenance", "queue"):
        day = article.published.astimezone(WIB).date()
        dated = "" if case in ("sitemap", "sitemap_index", "last_modified") else f"<p>{tanggal(day)}</p>"
        body = f"{_header(site)}\n<main><h2>{escape(article.title)}</h2>{dated}<p>{escape(article.title)}.</p></main>"
        return Page(200, html, _html(article.title, body))
    if case in ("wordpress", "slow"):
        if path in ("/feed/", "/feed") or (path == "/" and "feed=rss2" in request.query):
            return Page(200, "application/rss+xml", _rss(site, news, base, now))
        if home:
            head = (
                f'<link rel="alternate" type="application/rss+xml" title="{escape(site_name(site))} &raquo; Feed" '
                f'href="{base}/feed/">\n<link rel="stylesheet" href="{base}/wp-content/themes/opd/style.css">\n'
            )
            return Page(200, html, _home(site, request, now, head, "WordPress 6.5.3"))
    elif case == "atom":
        if path == "/feed.atom":
            return Page(200, "application/atom+xml", _atom(site, news, base))
        if home:
            head = '<link rel="alternate" type="application/atom+xml" title="Berita" href="/feed.atom">\n'
            return Page(200, html, _home(site, request, now, head))
    elif case == "joomla":
        if path == "/index.php" and "format=feed" in request.query:
            if "type=atom" in request.query:
                return Page(200, "application/atom+xml", _atom(site, news, base))
            return Page(200, "application/rss+xml", _rss(site, news, base, now))
        if home:
            return Page(200, html, _home(site, request, now, generator="Joomla! - Open Source Content Management"))
    elif case in ("sitemap", "sitemap_index"):
        locations = [(f"{base}{i.path}", i.published) for i in news]
        pages = [(f"{base}/profil/", news[-1].published), (f"{base}/kontak/", news[-1].published)]
        if case == "sitemap" and path == "/sitemap.xml":
            return Page(200, "application/xml", _urlset(locations + pages))
        if case == "sitemap_index":
            if path == "/sitemap.xml":
                children = "".join(
                    f"<sitemap><loc>{base}/{name}</loc><lastmod>{moment.astimezone(WIB).isoformat()}</lastmod></sitemap>\n"
                    for name, moment in (
                        ("post-sitemap.xml", news[0].published),
                        ("page-sitemap.xml", news[-1].published),
                    )
                )
                return Page(
                    200,
                    "application/xml",
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{children}</sitemapindex>\n',
                )
            if path == "/post-sitemap.xml":
                return Page(200, "application/xml", _urlset(locations))
            if path == "/page-sitemap.xml":
                return Page(200, "application/xml", _urlset(pages))
        if home:
            return Page(200, html, _home(site, request, now))
    elif case == "news" and home:
        return Page(200, html, _home(site, request, now))
    elif case == "last_modified" and path in ("/", "/index.html"):
        changed = now - datetime.timedelta(days=site.age_days, hours=3)
        body = (
            f"{_header(site)}\n<main><h2>Selamat Datang</h2><p>Situs resmi {escape(site_name(site))}. "
            "Tugas pokok, struktur organisasi dan layanan kami.</p></main>\n" + _footer(site)
        )
        return Page(200, html, _html(site_name(site), body), {"Last-Modified": format_datetime(changed, usegmt=True)})
    elif case == "daily_text" and path == "/":
        day = now.astimezone(WIB).date().toordinal()
        body = (
            f"{_header(site)}\n<main><h2>Pengumuman</h2><p>{ANNOUNCEMENTS[day % len(ANNOUNCEMENTS)]}</p>"
            f"<h2>Perhatian</h2><p>{ADVICE[day % len(ADVICE)]}</p></main>\n{_footer(site)}"
        )
        return Page(200, html, _html(site_name(site), body))
    elif case == "clock" and path == "/":
        local = now.astimezone(WIB)
        counter = f"{visitors:,}".replace(",", ".")  # 48.214, as Indonesian pages print it
        body = (
            f"{_header(site)}\n<main><h2>Selamat Datang</h2>"
            f"<p>Situs resmi {escape(site_name(site))}: informasi kebencanaan dan kesiapsiagaan.</p>\n"
            f'<p class="jam">{tanggal(local.date())}, pukul <span id="jam">{local:%H:%M:%S}</span> WIB</p>\n'
            f'<p class="statistik">Pengunjung: <span id="pengunjung">{counter}</span></p>\n'
            "<script>setInterval(function(){document.getElementById('jam').textContent="
            "new Date().toLocaleTimeString('id-ID')},1000)</script>\n"
            f"</main>\n{_footer(site)}"
        )
        return Page(200, html, _html(site_name(site), body))
    elif case == "error" and path == "/":
        return Page(500, html, _html("Kesalahan Basis Data", "<h1>Error establishing a database connection</h1>"))
    elif case == "login" and path == "/":
        body = (
            f"<main><h1>{escape(site_name(site))}</h1><p>Pemerintah Kota Bandar Lampung</p>\n"
            '<form method="post" action="/masuk/"><label>Nama pengguna <input name="u"></label>'
            '<label>Kata sandi <input type="password" name="p"></label><button type="submit">Masuk</button></form>\n'
            '<p><a href="/pendaftaran/">Pendaftaran akun baru</a></p></main>'
        )
        return Page(200, html, _html(site_name(site), body))
    elif case == "maintenance" and path == "/":
        body = (
            f"<main><h1>{escape(site_name(site))}</h1><h2>Sedang dalam pemeliharaan</h2>"
            "<p>Mohon maaf, layanan sedang dalam pemeliharaan sistem. Silakan kembali beberapa saat lagi.</p></main>"
        )
        return Page(200, html, _html(site_name(site), body))
    elif case == "queue" and path == "/":
        local = now.astimezone(WIB)
        served = max(0, (local.hour - 8) * 12 + local.minute // 5)
        body = (
            f"<main><h1>{escape(site_name(site))}</h1><p>Mal Pelayanan Publik Kota Bandar Lampung</p>"
            f'<p>Nomor antrean yang sedang dilayani: <strong id="antrean">A-{served:03d}</strong></p>'
            "<p>Ambil nomor antrean di anjungan mandiri lantai satu.</p></main>"
        )
        return Page(200, html, _html(site_name(site), body))
    if path.startswith("/wp-content/"):
        kind = "text/css" if path.endswith(".css") else "application/javascript"
        return Page(200, kind, "/* demo */\n")
    return Page(404, html, _html("Halaman tidak ditemukan", "<h1>404</h1><p>Halaman tidak ditemukan.</p>"))


# --- certificates ----------------------------------------------------------------------------------


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pemerintah Kota Bandar Lampung (demo)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def ensure_ca(directory: Path) -> Path:
    """The demo CA's certificate file in ``directory`` (``ca.pem``, its key in ``ca-key.pem``), made the
    first time. This is the file ``SIMPUL_HTTP_CA_FILE`` points at."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "ca.pem", directory / "ca-key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    name = _name(CA_NAME)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _key_pem(key))
    tmp = cert_path.with_suffix(".tmp")
    tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tmp.replace(cert_path)  # whole or absent: a reader never sees half a file
    return cert_path


def _load_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path = ensure_ca(directory)
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key((directory / "ca-key.pem").read_bytes(), password=None)
    except (ValueError, OSError) as e:
        raise DemoServerError(
            f"The demo CA in {directory} cannot be read ({e}): delete that folder to make a new one."
        ) from e
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise DemoServerError(f"The demo CA key in {directory} is not an EC key: delete that folder to make a new one.")
    return cert, key


def site_certificate(
    site: DemoSite, ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], now: datetime.datetime
) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) for ``site`` as its ``tls`` kind says: valid (80 days left), expiring
    (10 days left), expired (12 days ago), wrong name (another host's), self-signed (no CA knows it)."""
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address(site.address))]
    common = site.address
    if site.tls == "wrong_name":
        names, common = [x509.DNSName(WRONG_NAME)], WRONG_NAME
    lifetime = {
        "expiring": (now - datetime.timedelta(days=355), now + datetime.timedelta(days=10)),
        "expired": (now - datetime.timedelta(days=377), now - datetime.timedelta(days=12)),
    }.get(site.tls, (now - datetime.timedelta(days=10), now + datetime.timedelta(days=80)))
    issuer, signer = ca_cert.subject, ca_key
    if site.tls == "self_signed":
        issuer, signer = _name(common), key
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(lifetime[0])
        .not_valid_after(lifetime[1])
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        # Python 3.13's default context checks X.509 strictly: a certificate names the key that signed it.
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False)
        .sign(signer, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


# --- the server ------------------------------------------------------------------------------------

SITE_KEY = web.AppKey("site", DemoSite)


class DemoWebsites:
    """The demo's websites on loopback: one small aiohttp application per site, bound to the site's
    address on the HTTP port (content for a plain-HTTP site, a redirect to HTTPS for the others) and the
    HTTPS port. ``start``/``stop`` run inside an event loop; :func:`serve` and :func:`running` drive it."""

    def __init__(
        self,
        directory: Path,
        sites: Sequence[DemoSite] = DEMO_SITES,
        *,
        http_port: int = HTTP_PORT,
        https_port: int = HTTPS_PORT,
        slow_seconds: float = SLOW_SECONDS,
        clock: Callable[[], datetime.datetime] | None = None,
    ) -> None:
        for site in sites:
            if site.address and ipaddress.ip_address(site.address) not in LOOPBACK:
                raise DemoServerError(
                    f"{site.owner}: {site.address} is not a loopback address; the demo serves 127.0.0.0/8 only."
                )
        self.directory = directory
        self.sites = [s for s in sites if s.served]
        self.http_port, self.https_port = http_port, https_port
        self.slow_seconds = slow_seconds
        self.clock = clock or (lambda: datetime.datetime.now(datetime.UTC))
        self.visitors: dict[str, int] = {}
        self.listening: list[str] = []
        self._runners: list[web.AppRunner] = []

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    def _context(self, site: DemoSite, ca, now: datetime.datetime) -> ssl.SSLContext:
        cert_pem, key_pem = site_certificate(site, ca, now)
        folder = self.directory / "sites"
        folder.mkdir(exist_ok=True)
        cert_path, key_path = folder / f"{site.address}.pem", folder / f"{site.address}-key.pem"
        cert_path.write_bytes(cert_pem)
        _write_private(key_path, key_pem)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert_path, key_path)
        return context

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        site = request.app[SITE_KEY]
        address = site.address
        if site.tls != "none" and not request.secure:
            # The HTTP port of an HTTPS site sends visitors to HTTPS, as a well-kept site does.
            raise web.HTTPMovedPermanently(f"https://{address}:{self.https_port}{request.path_qs}")
        if site.case == "slow":
            await asyncio.sleep(self.slow_seconds)
        if site.case == "clock" and request.path == "/":
            self.visitors[address] = self.visitors.get(address, VISITORS_START) + 1
        scheme = "https" if request.secure else "http"
        port = self.https_port if request.secure else self.http_port
        page = render(
            site,
            Request(
                request.path, request.query_string, f"{scheme}://{address}:{port}", f"http://{address}:{self.http_port}"
            ),
            self.clock(),
            self.visitors.get(address, VISITORS_START),
        )
        headers = dict(page.headers)
        if request.secure and "hsts" in site.flags:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        body = b"" if request.method == "HEAD" else page.body.encode()
        return web.Response(
            status=page.status, body=body, headers=headers, content_type=page.content_type, charset="utf-8"
        )

    async def start(self) -> None:
        """Bind every served site; on failure nothing stays bound and :class:`DemoServerError` says why."""
        now = self.clock()
        ca = _load_ca(self.directory)
        try:
            for site in self.sites:
                app = web.Application()
                app[SITE_KEY] = site
                app.router.add_route("*", "/{tail:.*}", self._handle)
                runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
                await runner.setup()
                self._runners.append(runner)
                ports: list[tuple[int, ssl.SSLContext | None]] = [(self.http_port, None)]
                if site.tls != "none":
                    ports.append((self.https_port, self._context(site, ca, now)))
                for port, context in ports:
                    try:
                        await web.TCPSite(runner, site.address, port, ssl_context=context).start()
                    except OSError as e:
                        raise DemoServerError(_bind_error(site.address, port, e)) from e
                    self.listening.append(f"{'https' if context else 'http'}://{site.address}:{port}/")
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        self.listening.clear()


def _bind_error(address: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"{address}:{port} is already in use: is the demo web server running already (make run and "
            "make serve start one)? Stop it first, or free that port."
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return (
            f"{address} is not an address of this machine: the demo needs all of 127.0.0.0/8 on the loopback "
            "interface (Linux has it; elsewhere add the addresses as loopback aliases)."
        )
    return f"{address}:{port}: {error.strerror or error}"


def serve(server: DemoWebsites, out: TextIO) -> None:
    """Run ``server`` until SIGINT (Ctrl-C) or SIGTERM (what ``make serve`` sends when it stops)."""

    async def main() -> None:
        await server.start()
        out.write(
            f"Demo websites: {len(server.sites)} sites on {len(server.listening)} loopback ports "
            f"(HTTP {server.http_port}, HTTPS {server.https_port}); demo CA {server.ca_file}\n"
        )
        out.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await server.stop()

    run_coroutine(main())


@contextmanager
def running(server: DemoWebsites) -> Iterator[DemoWebsites]:
    """``server`` serving from a thread of its own while the block runs (tests, benchmarks)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="demo-websites", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(60)
        try:
            yield server
        finally:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(60)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


# --- the demo's checks -----------------------------------------------------------------------------


def follow_demo_checks(
    sites: Sequence[DemoSite] = DEMO_SITES, http_port: int = HTTP_PORT, https_port: int = HTTPS_PORT
) -> dict[str, int]:
    """The demo's website checks, made sure of (``probe demo-history`` calls it, after ``load_demo``):
    every application URL and OPD website followed by its automatic check (``load_demo``'s saves made
    them already; this also catches a city loaded before), and the public services' checks given the
    text their page must show (e-Budgeting's maintenance notice lacks it: content missing). Returns
    the follow counts and how many checks got their expected text."""
    from infra.core.choices import ChangeSource
    from infra.core.context import change_context

    from .choices import CheckKind
    from .models import Check
    from .services import websites

    counts = websites.follow()
    expected = {site.url(http_port, https_port): site.expect_text for site in sites if site.expect_text}
    checks = Check.objects.filter(kind=CheckKind.HTTP, auto_created=True, url__in=expected).order_by("pk")
    counts["expect_text"] = 0
    with change_context(source=ChangeSource.COMMAND):
        for check in checks:
            if check.expect_text != expected[check.url]:
                check.expect_text = expected[check.url]
                check.save()
                counts["expect_text"] += 1
    return counts
