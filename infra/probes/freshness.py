"""When was this website last updated? Read from what the site itself publishes (docs/probes.md,
"Freshness: how Simpul finds a website's last update").

In order of trust: a feed (RSS or Atom), the sitemap's newest ``lastmod``, the dates of the newest items
in the home page's news list, the home page's ``Last-Modified`` header. The first that gives a
plausible date wins. A fingerprint of the home page's main text (scripts, styles, navigation, forms,
times, dates, visitor counters and tokens removed) is always computed and returned: the services compare
it with the stored one, the last resort for sites that publish no date at all.

Plain parsing plus one async orchestrator (``discover``) over a ``fetch`` the HTTP engine hands in: no
ORM, no Django settings, no network of its own. Every input is untrusted: sizes are bounded, XML is read
without entities (defusedxml), feeds are parsed from memory (never from a name feedparser could open),
and any parsing failure just means "this source says nothing".
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import hashlib
import io
import re
import unicodedata
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import feedparser
from defusedxml import DefusedXmlException

UTC = datetime.UTC

# --- what discover works with -------------------------------------------------------------------


@dataclass(frozen=True)
class FetchedDoc:
    """One fetched document: the URL it finally came from, its status, headers and (capped) body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Finding:
    """What ``discover`` found: the last update (aware UTC) and how, plus the page text's fingerprint."""

    last_update: datetime.datetime | None
    source: str  # a FreshnessSource value, or "" when nothing dated was found
    detail: str  # where: the feed or sitemap URL, "Last-Modified", the page URL
    fingerprint: str  # hex sha256 of the home page's main text ("" when no page body came)


Fetch = Callable[[str], Awaitable[FetchedDoc | None]]

# FreshnessSource values (infra.probes.choices): repeated here so this module needs no Django.
FEED, SITEMAP, NEWS, LAST_MODIFIED, FINGERPRINT = "feed", "sitemap", "news", "last_modified", "fingerprint"

# At most this many fetches per discover (the home page, already fetched, not counted); feeds may use
# at most FEED_FETCHES of them (of which at most FEED_GUESSES at the usual paths), the sitemaps the rest.
# A sitemap index: at most SITEMAP_CHILDREN children, newest first, as far as the budget goes.
MAX_FETCHES = 8
FEED_FETCHES = 4
FEED_GUESSES = 3
SITEMAP_CHILDREN = 3
# XML larger than this (after gunzip) is not read whole; a truncated sitemap is still read by pattern.
MAX_XML_BYTES = 8 * 1024 * 1024
# No website was updated before this day: an older date is a mistake or a placeholder.
EARLIEST = datetime.date(1995, 1, 1)
# Sitemap lastmods that all lie within this span of each other and this close to now were stamped by
# a generator at request time, not by edits (docs: "Sitemaps that stamp the current time").
GENERATED_SPREAD = datetime.timedelta(minutes=5)
GENERATED_RECENT = datetime.timedelta(days=1)
# A Last-Modified this close to the response's Date (or now) is a dynamic page's "now", not an edit.
DYNAMIC_LAST_MODIFIED = datetime.timedelta(minutes=2)

# Where feeds usually are, relative to the site's home directory. WordPress first (most OPD sites),
# then Joomla, then common names. discover reorders them by the CMS the home page shows.
WORDPRESS_FEED_PATHS = ("/feed/", "/?feed=rss2")
JOOMLA_FEED_PATHS = ("/index.php?format=feed&type=rss", "/index.php?format=feed&type=atom")
COMMON_FEED_PATHS = ("/rss", "/rss.xml", "/feed.xml", "/atom.xml")
USUAL_FEED_PATHS: tuple[str, ...] = WORDPRESS_FEED_PATHS + JOOMLA_FEED_PATHS + COMMON_FEED_PATHS
USUAL_SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml")

_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml"}

# --- dates in text ------------------------------------------------------------------------------
# A small local table (infra/inventory/spreadsheets/cells.py has the same names; importing it would make
# the probes depend on the inventory's spreadsheet code).
_MONTH_NAMES = {
    1: ("januari", "january", "jan"),
    2: ("februari", "february", "pebruari", "feb", "peb"),
    3: ("maret", "march", "mar"),
    4: ("april", "apr"),
    5: ("mei", "may"),
    6: ("juni", "june", "jun"),
    7: ("juli", "july", "jul"),
    8: ("agustus", "august", "agust", "agst", "agu", "ags", "agt", "aug"),
    9: ("september", "sept", "sep"),
    10: ("oktober", "october", "okt", "oct"),
    11: ("november", "nopember", "nov", "nop"),
    12: ("desember", "december", "des", "dec"),
}
_MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?(?![^\W\d_])"
_WEEKDAY_NAMES = (
    "senin",
    "selasa",
    "rabu",
    "kamis",
    "jumat",
    "jum'at",
    "sabtu",
    "minggu",
    "ahad",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_WEEKDAY_SHORT = ("sen", "sel", "rab", "kam", "jum", "sab", "min", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY = "(?:" + "|".join(sorted(_WEEKDAY_NAMES + _WEEKDAY_SHORT, key=len, reverse=True)) + r")\.?"
# Javanese market days, written after the weekday on some city portals ("Senin Pahing").
_PASARAN = r"(?:\s+(?:legi|pahing|pon|wage|kliwon))?"
# A weekday (and market day) written before a date: "Senin, 30", "Sen 30/11", "Mon, Nov 30".
_WEEKDAY_BEFORE_DATE = re.compile(rf"\b{_WEEKDAY}{_PASARAN}\s*,?\s*(?=\d|{_MONTH})", re.I)
_ORDINAL = r"(?:st|nd|rd|th)?"

# Dates written out (any day), each with an optional weekday in front.
_D_MONTH_Y = re.compile(rf"(?<!\d)(\d{{1,2}}){_ORDINAL}[\s\-/.]*{_MONTH}[\s\-/.,]*(\d{{4}})(?!\d)", re.I)
_MONTH_D_Y = re.compile(rf"\b{_MONTH}\s*(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}})(?!\d)", re.I)
_NUMERIC_DMY = re.compile(r"(?<![\d/.\-])(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?![\d])", re.I)
_NUMERIC_YMD = re.compile(
    r"(?<![\d/.\-])(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})(?![\d])"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}|\s*(?:wib|wita|wit|am|pm|utc|gmt)\b)?)?",
    re.I,
)
# Only removed from the fingerprint's text (never read as a date: no year, or a two-digit one).
_D_MONTH = re.compile(rf"(?<!\d)\d{{1,2}}{_ORDINAL}[\s\-/.]*{_MONTH}", re.I)
_MONTH_D = re.compile(rf"\b{_MONTH}\s*\d{{1,2}}{_ORDINAL}(?![\d])", re.I)
_NUMERIC_SHORT = re.compile(r"(?<![\d/.\-])\d{1,2}([/.\-])\d{1,2}\1\d{2}(?![\d])", re.I)
_HIJRI = re.compile(
    r"(?<!\d)\d{1,2}\s+(?:muharr?am|s[h]?afar|rabi'?u?l?\s*(?:awal|akhir|ula|tsani|ts-tsani)|"
    r"jumadil?\s*(?:awal|akhir|ula|tsani|ts-tsani)|rajab|s[yh]a'?ban|ramadh?an|s[yh]aw+al|"
    r"[dz]h?ul\s*[qk]a'?[i]?dah|[dz]h?ul\s*hij+ah)(?:\s+\d{3,4})?(?:\s*h\b)?",
    re.I,
)
_TIME = re.compile(
    r"(?<![\d.,:])\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?![\d]|[.,:]\d)"
    r"(?:\s*(?:wib|wita|wit|am|pm|a\.m\.|p\.m\.|utc|gmt|[+-]\d{2}:?\d{2})\b)?",
    re.I,
)
_RELATIVE = re.compile(
    r"\b(?:(?:\d+|an?|one|se)\s*(?:detik|menit|jam|hari|minggu|pekan|bulan|tahun|seconds?|secs?|"
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+(?:yang\s+|yg\s+)?(?:lalu|ago)|"
    r"baru\s+saja|just\s+now)\b",
    re.I,
)
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright|hak\s+cipta)\s*©?\s*(\d{4})(?:\s*[-–]\s*\d{4})?", re.I)
# Weekday names and time zones left alone (a clock's "Senin" or "WIB" written apart from it).
_NOISE_WORD = re.compile(r"\b(?:" + "|".join((*_WEEKDAY_NAMES, "wib", "wita")) + r")\b", re.I)
# Session ids, CSRF tokens, hashes: long runs of base64/hex characters that carry a digit, are all hex,
# or have capitals inside (ordinary words do none of these).
_TOKEN_CANDIDATE = re.compile(r"[A-Za-z0-9+/=_.\-]{16,}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_WORD = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Words of visitor counters and statistics widgets: a number within COUNTER_WINDOW words of one is the
# counter's value ("Pengunjung hari ini: 42", "Visitors today 42", "Online: 3", "Dibaca 120 kali").
_COUNTER_WORDS = frozenset(
    """pengunjung kunjungan visitor visitors visit visits hits hit online views view pageview pageviews
    dilihat dibaca tayang tayangan viewed reads statistik statistics stats counter counters hari ini
    kemarin today yesterday minggu pekan bulan tahun week month year total jumlah users user guests
    guest tamu sedang kali""".split()
)
COUNTER_WINDOW = 3


def _ymd(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def dates_in(text: str) -> list[datetime.date]:
    """Every date written in ``text``: Indonesian and English month names ("1 Desember 2026",
    "Senin, 30 Nov 2026", "November 30, 2026"), day-first numbers ("30/11/2026") and ISO ("2026-11-30")."""
    found: list[datetime.date] = []
    for m in _D_MONTH_Y.finditer(text):
        found.append(_ymd(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))))
    for m in _MONTH_D_Y.finditer(text):
        found.append(_ymd(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))))
    for m in _NUMERIC_DMY.finditer(text):
        first, second, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        # Day first (Indonesia), unless only month first can be right (an American "11/30/2026").
        found.append(_ymd(year, first, second) if second > 12 >= first else _ymd(year, second, first))
    for m in _NUMERIC_YMD.finditer(text):
        found.append(_ymd(int(m.group(1)), int(m.group(3)), int(m.group(4))))
    return [d for d in found if d is not None]


def _iso_datetime(value: str) -> datetime.datetime | None:
    """A W3C/ISO date or date-time (sitemaps, ``<time datetime>``) as aware UTC; a bare date is its
    midnight UTC (the same calendar day in Indonesia's zones); no zone means UTC."""
    value = value.strip()
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d{2}", value):
        value += "-01"
    elif re.fullmatch(r"\d{4}", value):
        value += "-01-01"
    try:
        parsed = datetime.datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
        day = m and _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if not day:
            return None
        parsed = datetime.datetime.combine(day, datetime.time(), UTC)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), UTC)


def http_date(value: str) -> datetime.datetime | None:
    """An HTTP date ("Tue, 01 Dec 2026 10:00:00 GMT", and the obsolete forms) as aware UTC, else None."""
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# --- HTML ---------------------------------------------------------------------------------------
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr keygen".split())
# Removed from the main text (and never read for news dates).
_SKIP_TAGS = frozenset("script style noscript template nav form svg iframe object select button textarea".split())
# The page's own header and footer; an article's <header> (title, date) is kept.
_PAGE_FRAME = frozenset({"header", "footer"})
_CONTENT_TAGS = frozenset({"article", "main"})
# Widgets that change by themselves: clocks, visitor counters, weather (by class or id).
_WIDGET = re.compile(
    r"(?:^|[\s_\-])(?:clock|jam|waktu|counter|hitcounter|statcounter|visitors?|pengunjung|cuaca|weather|"
    r"sholat|shalat|salat|prayer|kurs)(?:$|[\s_\-])",
    re.I,
)
# The page's own header and footer written as classes or ids of plain elements (older templates).
_FRAME = re.compile(r"(?:^|[\s_\-])(?:header|footer|top-?bar|masthead|copyright)(?:$|[\s_\-])", re.I)
# Markup around news items (by tag, class or id).
_NEWS = re.compile(
    r"news|berita|artikel|article|post|entry|blog|kabar|warta|pengumuman|agenda|terkini|latest|recent|"
    r"headline|publish|pubdate|posted|date-?published",
    re.I,
)
_BLOCK = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure h1 h2 h3 h4 h5 h6 hr li "
    "main ol p pre section table td th tr ul title".split()
)


class _Walker(HTMLParser):
    """Walks a page once: its visible main text in pieces, each marked when inside news markup, plus
    the machine-readable dates of <time datetime> and itemprop="datePublished"/"dateModified".

    Zones (skipped, news, content) are kept per tag as a stack of the tag's nesting level they opened
    at, and counted per kind: constant work per tag however deep the page nests."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: dict[str, int] = {}  # tag -> how many are open
        self.stacks: dict[str, list[tuple[int, str]]] = {}  # tag -> [(level it opened at, kind)]
        self.kinds = {"skip": 0, "news": 0, "content": 0}
        self.pieces: list[tuple[str, bool]] = []
        self.stamps: list[str] = []
        self.feeds: list[tuple[str, str]] = []  # (href, title) of declared feeds
        self.base = ""

    def _in(self, kind: str) -> bool:
        return self.kinds[kind] > 0

    def _zone(self, tag: str, kind: str) -> None:
        self.stacks.setdefault(tag, []).append((self.open[tag], kind))
        self.kinds[kind] += 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "base" and a.get("href") and not self.base:
            self.base = a["href"]
        elif tag == "link":
            rels = a.get("rel", "").lower().split()
            if "alternate" in rels and a.get("type", "").lower().split(";")[0].strip() in _FEED_TYPES:
                self.feeds.append((a.get("href", ""), a.get("title", "")))
        if tag not in _VOID:
            self.open[tag] = self.open.get(tag, 0) + 1
        if self._in("skip"):
            return
        if tag in ("time", "meta") or "itemprop" in a:
            stamp = a.get("datetime") or (
                a.get("content", "") if a.get("itemprop", "") in ("datePublished", "dateModified") else ""
            )
            if stamp:
                self.stamps.append(stamp)
        if tag in _BLOCK:
            self.pieces.append(("\n", False))
        if tag in _VOID:
            return
        marks = f"{a.get('class', '')} {a.get('id', '')}"
        news = bool(_NEWS.search(marks))
        frame = tag in _PAGE_FRAME or (_FRAME.search(marks) and not news)
        if (
            tag in _SKIP_TAGS
            or (frame and not self._in("content"))
            or "hidden" in a
            or a.get("aria-hidden") == "true"
            or a.get("role") == "navigation"
            or re.search(r"display\s*:\s*none", a.get("style", ""))
            or _WIDGET.search(marks)
        ):
            self._zone(tag, "skip")
        elif tag in _CONTENT_TAGS:
            self._zone(tag, "content")
            if tag == "article":
                self._zone(tag, "news")
        elif news:
            self._zone(tag, "news")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <div/> opens and closes at once: nothing it would open stays open.
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self._close(tag)

    def _close(self, tag: str) -> None:
        level = self.open.get(tag, 0)
        if level <= 0:
            return  # an end tag that closes nothing
        self.open[tag] = level - 1
        stack = self.stacks.get(tag)
        while stack and stack[-1][0] >= level:
            self.kinds[stack.pop()[1]] -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("body", "html"):
            self.open.clear()
            self.stacks.clear()
            self.kinds = dict.fromkeys(self.kinds, 0)
            return
        self._close(tag)
        if tag in _BLOCK:
            self.pieces.append(("\n", False))

    def handle_data(self, data: str) -> None:
        if data and not self._in("skip"):
            self.pieces.append((data, self._in("news")))


# Only the first characters of a page are read for its text and news dates (the top holds both).
MAX_HTML_CHARS = 1_000_000
# A "<" whose next "<" or ">" is another "<" (or nothing) opens no tag: html.parser rescans such a "<"
# from every later one (minutes for 150 kB of "<a "), so it is written as text first.
_UNTERMINATED = re.compile(r"<(?=[^<>]*(?:<|$))")


def defused(html: str) -> str:
    """``html`` without comments and with every "<" that opens no tag escaped: linear time, and what
    html.parser then reads it in is linear too (each tag ends before the next one starts)."""
    html = html[:MAX_HTML_CHARS]
    parts = []
    start = 0
    while (opening := html.find("<!--", start)) >= 0:
        parts.append(html[start:opening])
        closing = html.find("-->", opening + 4)
        if closing < 0:
            start = len(html)
            break
        start = closing + 3
    parts.append(html[start:])
    return _UNTERMINATED.sub("&lt;", "".join(parts))


def _walk(html: str) -> _Walker:
    walker = _Walker()
    try:
        walker.feed(defused(html))
        walker.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup: keep what it read
        pass
    return walker


def decode(doc: FetchedDoc) -> str:
    """The document's text: the charset of its Content-Type, else of a <meta> in its first bytes, else
    UTF-8 (undecodable bytes replaced)."""
    body = doc.body or b""
    charset = ""
    content_type = header(doc.headers, "content-type")
    m = re.search(r"charset=[\"']?([\w.:\-]+)", content_type, re.I)
    if m:
        charset = m.group(1)
    elif body.startswith(b"\xef\xbb\xbf"):
        charset = "utf-8-sig"
    else:
        m = re.search(rb"<meta[^>]+charset=[\"']?([\w.:\-]+)", body[:4096], re.I)
        charset = m.group(1).decode("ascii", "replace") if m else ""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value whatever the case of its name ("" when absent)."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), "")
    return value or ""


def feed_links(html: str, base_url: str) -> list[str]:
    """The feeds a page declares (``<link rel="alternate" type="application/rss+xml|atom+xml">``),
    absolute, in page order, without duplicates and without comment feeds (their entries are readers'
    comments, not what the site publishes)."""
    walker = _walk(html)
    base = urljoin(base_url, walker.base) if walker.base else base_url
    links: list[str] = []
    for href, title in walker.feeds:
        if not href.strip() or re.search(r"comment|komentar", f"{href} {title}", re.I):
            continue
        url = urljoin(base, href.strip())
        if urlsplit(url).scheme in ("http", "https") and url not in links:
            links.append(url)
    return links


def _cms(html: str) -> str:
    """ "wordpress", "joomla" or "" from the page's generator meta and asset paths."""
    lowered = html[:200_000].lower()
    if "wp-content/" in lowered or "wp-includes/" in lowered or 'content="wordpress' in lowered:
        return "wordpress"
    if any(mark in lowered for mark in ("joomla", "/media/jui/", "/media/system/js/", "option=com_")):
        return "joomla"
    return ""


# --- main text and fingerprint --------------------------------------------------------------------
def _is_token(run: str) -> bool:
    """A run of 16+ token characters is a token when it carries a digit, is all hex, or has capitals
    inside it (base64). A token of lower-case letters only is indistinguishable from a long word: kept."""
    if any(c.isdigit() for c in run) or _HEX.fullmatch(run):
        return True
    return sum(c.isupper() for c in run[1:]) >= 2


def _without_noise(text: str, today: datetime.date) -> str:
    """``text`` with what changes by itself taken out: tokens, dates and times of any day, relative times,
    copyright years, weekday names."""
    text = unicodedata.normalize("NFKC", text)
    for day in (today, today - datetime.timedelta(days=1)):
        for compact in (f"{day:%Y%m%d}", f"{day:%d%m%Y}"):
            text = re.sub(rf"(?<!\d){compact}(?!\d)", " ", text)
    text = _TOKEN_CANDIDATE.sub(lambda m: " " if _is_token(m.group()) else m.group(), text)
    text = _WEEKDAY_BEFORE_DATE.sub(" ", text)
    for pattern in (_NUMERIC_YMD, _D_MONTH_Y, _MONTH_D_Y, _NUMERIC_DMY, _HIJRI, _D_MONTH, _MONTH_D, _RELATIVE, _TIME):
        text = pattern.sub(" ", text)
    text = _NUMERIC_SHORT.sub(" ", text)
    text = _COPYRIGHT.sub(" ", text)
    return _NOISE_WORD.sub(" ", text)


def _without_counters(words: list[str]) -> list[str]:
    """The words without the numbers of counters: a number within COUNTER_WINDOW words of a counter word,
    and any number in an unbroken run of numbers with such a one (a widget's row of values)."""
    numbers = [bool(_NUMBER.fullmatch(word)) for word in words]
    drop = [False] * len(words)
    for i, word in enumerate(words):
        if word in _COUNTER_WORDS:
            for j in range(max(0, i - COUNTER_WINDOW), min(len(words), i + COUNTER_WINDOW + 1)):
                drop[j] = drop[j] or numbers[j]
    for i in range(1, len(words)):  # forwards, then backwards: whole runs of numbers
        drop[i] = drop[i] or (numbers[i] and drop[i - 1])
    for i in range(len(words) - 2, -1, -1):
        drop[i] = drop[i] or (numbers[i] and drop[i + 1])
    return [word for word, dropped in zip(words, drop, strict=True) if not dropped]


def main_text(html: str, today: datetime.date) -> str:
    """The page's main text as the fingerprint reads it: without scripts, styles, comments, navigation,
    the page's header and footer, forms and self-changing widgets; without dates, times, counters and
    tokens; lower case words separated by single spaces."""
    raw = " ".join(piece for piece, _news in _walk(html).pieces)
    words = _WORD.findall(_without_noise(raw, today).lower())
    return " ".join(_without_counters(words))


def fingerprint(html: str, today: datetime.date) -> str:
    """Hex sha256 of ``main_text``: equal for two versions of a page that differ only in noise."""
    return hashlib.sha256(main_text(html, today).encode("utf-8")).hexdigest()


# --- news list dates ----------------------------------------------------------------------------
def newest_news_date(html: str, today: datetime.date) -> datetime.datetime | None:
    """The newest plausible date of the page's news items (aware UTC; a bare date is its midnight).

    Plausible: from 1995 to tomorrow, outside scripts, navigation, the page's header and footer and
    clock or counter widgets. Dates inside news markup (<article>, <time datetime>, classes such as
    "news", "berita", "post") are preferred; only when there are none do other dates count, and then
    not today's (a page that prints today's date somewhere must not look updated today)."""
    walker = _walk(html)
    latest = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.max, UTC)
    earliest = _midnight(EARLIEST)
    marked: list[datetime.datetime] = []
    other: list[datetime.datetime] = []
    for stamp in walker.stamps:
        parsed = _iso_datetime(stamp)
        if parsed:
            marked.append(parsed)
    # Whole runs of text between block boundaries, so "30" and "November 2026" in two inline tags join.
    runs: list[tuple[str, bool]] = []
    for piece, news in walker.pieces:
        if piece == "\n" or not runs or runs[-1][1] != news:
            runs.append((piece, news))
        else:
            runs[-1] = (runs[-1][0] + " " + piece, news)
    for text, news in runs:
        text = _COPYRIGHT.sub(" ", text)
        for day in dates_in(text):
            if news:
                marked.append(_midnight(day))
            elif day != today:
                other.append(_midnight(day))
    for candidates in (marked, other):
        plausible = [value for value in candidates if earliest <= value <= latest]
        if plausible:
            return max(plausible)
    return None


# --- feeds --------------------------------------------------------------------------------------
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.I)
# feedparser reads about 1.5 MB a second, slower with deep nesting: a "feed" of more entries than this
# (real ones carry 10 to a few hundred) is not read.
MAX_FEED_ENTRIES = 2000
_ENTRY_OPENING = re.compile(rb"<(?:[\w.\-]+:)?(?:item|entry)\b", re.I)


def _read_feed(body: bytes, now: datetime.datetime) -> tuple[bool, datetime.datetime | None]:
    """(is a feed with entries, its newest entry date clamped to now)."""
    if not body or len(body) > MAX_XML_BYTES or _ENTITY_DECLARATION.search(body[:65536]):
        return False, None
    if len(_ENTRY_OPENING.findall(body)) > MAX_FEED_ENTRIES:
        return False, None
    try:
        # From a stream: given bytes, feedparser would first try them as a file name.
        parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    except Exception:  # an untrusted document: any failure means "no feed here"
        return False, None
    if not parsed.get("version") or not parsed.entries:
        return False, None
    newest: datetime.datetime | None = None
    for entry in parsed.entries:
        present = entry.keys()  # the real keys: .get("updated_parsed") would fall back (with a warning)
        for key in ("published_parsed", "updated_parsed", "created_parsed"):
            stamp = entry[key] if key in present else None
            if not stamp:
                continue
            try:
                value = datetime.datetime(*stamp[:6], tzinfo=UTC)
            except (TypeError, ValueError):
                continue
            if value.date() >= EARLIEST and (newest is None or value > newest):
                newest = value
    return True, (min(newest, now) if newest else None)


def newest_in_feed(body: bytes, *, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """The newest entry date (published or updated) of an RSS or Atom feed, aware UTC; a date in the
    future (a wrong clock) counts as now. None: not a feed, no entries, or no dated entry."""
    return _read_feed(body, now or datetime.datetime.now(UTC))[1]


# --- sitemaps -----------------------------------------------------------------------------------
def _gunzip(body: bytes) -> bytes:
    """A gzipped sitemap's XML, at most MAX_XML_BYTES of it (a bomb stops there)."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, MAX_XML_BYTES)
    except zlib.error:
        return b""


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


# A sitemap that does not parse (cut off by the size cap) is read field by field: each <loc> starts an
# entry, a <lastmod> dates the current one. Every part is bounded, so this is linear whatever the body.
_SITEMAP_FIELD = re.compile(
    rb"<(?:[\w.\-]+:)?(loc|lastmod)\b[^<>]{0,200}>\s*(?:<!\[CDATA\[([^\]<]{0,2000})\]\]>|([^<]{0,2000}))", re.I
)


def _sitemap_entries(body: bytes) -> tuple[str, list[tuple[str, str]]] | None:
    """("urlset" or "sitemapindex", [(loc, lastmod)]) of a sitemap, None when it is none. Parsed without
    DTD entities (defusedxml); a document that does not parse (cut off by the size cap) is read by pattern."""
    body = _gunzip(body)[:MAX_XML_BYTES]
    if not body or _ENTITY_DECLARATION.search(body[:65536]):
        return None
    try:
        root: Element = SafeET.fromstring(body)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError):
        kind = "sitemapindex" if re.search(rb"<(?:[\w.\-]+:)?sitemapindex\b", body[:4096]) else "urlset"
        if not re.search(rb"<(?:[\w.\-]+:)?(?:urlset|sitemapindex)\b", body[:4096]):
            return None
        entries: list[tuple[str, str]] = []
        for m in _SITEMAP_FIELD.finditer(body):
            value = (m.group(2) or m.group(3) or b"").decode("utf-8", "replace").strip()
            if m.group(1).lower() == b"loc":
                entries.append((value, ""))
            elif entries and not entries[-1][1]:
                entries[-1] = (entries[-1][0], value)
        return kind, entries
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        return None
    entries = []
    for child in root:
        if _local(child.tag) not in ("url", "sitemap"):
            continue
        fields = {_local(field.tag): (field.text or "").strip() for field in child}
        entries.append((fields.get("loc", ""), fields.get("lastmod", "")))
    return kind, entries


def _trusted_newest(stamps: Iterable[datetime.datetime], now: datetime.datetime) -> datetime.datetime | None:
    """The newest of a document's lastmods, None when they look generated: two or more, all within
    GENERATED_SPREAD of each other and within GENERATED_RECENT of now. Future ones count as now."""
    values = [value for value in stamps if value.date() >= EARLIEST]
    if not values:
        return None
    newest = max(values)
    if len(values) >= 2 and newest - min(values) <= GENERATED_SPREAD and abs(newest - now) <= GENERATED_RECENT:
        return None
    return min(newest, now)


def _read_sitemap(body: bytes, now: datetime.datetime) -> tuple[datetime.datetime | None, list[str]] | None:
    """(newest trusted lastmod, children newest first) of a sitemap; None when the body is no sitemap."""
    parsed = _sitemap_entries(body)
    if parsed is None:
        return None
    kind, entries = parsed
    dated = [(loc.strip(), _iso_datetime(lastmod) if lastmod else None) for loc, lastmod in entries]
    newest = _trusted_newest((value for _loc, value in dated if value), now)
    children: list[str] = []
    if kind == "sitemapindex":
        floor = _midnight(datetime.date.min)
        ordered = sorted(dated, key=lambda item: item[1] or floor, reverse=True)
        children = [loc for loc, _value in ordered if urlsplit(loc).scheme in ("http", "https")]
    return newest, children


def sitemap_newest(body: bytes, *, now: datetime.datetime | None = None) -> tuple[datetime.datetime | None, list[str]]:
    """(the newest trustworthy ``lastmod``, the child sitemaps of an index newest first). Lastmods that
    all carry the same recent time (a generator that stamps the current time) are not trusted: None."""
    return _read_sitemap(body, now or datetime.datetime.now(UTC)) or (None, [])


def robots_sitemaps(text: str, base_url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt, absolute."""
    found = []
    for m in re.finditer(r"(?im)^\s*sitemap\s*:\s*(\S+)", text[:200_000]):
        url = urljoin(base_url, m.group(1))
        if urlsplit(url).scheme in ("http", "https") and url not in found:
            found.append(url)
    return found


# --- discover -----------------------------------------------------------------------------------
class _Budget:
    """Fetches at most ``limit`` documents, each URL once; a failure, an error status or an exception
    of ``fetch`` is None."""

    def __init__(self, fetch: Fetch, limit: int) -> None:
        self.fetch = fetch
        self.left = limit
        self.done: dict[str, FetchedDoc | None] = {}

    async def get(self, url: str) -> FetchedDoc | None:
        if url in self.done:
            return self.done[url]
        if self.left <= 0:
            return None
        self.left -= 1
        try:
            doc = await self.fetch(url)
        except Exception:  # fetch promises None on failure; one that raises moves on too
            doc = None
        if doc is not None and not (200 <= doc.status < 300 and doc.body):
            doc = None
        self.done[url] = doc
        return doc


def _clock(today: datetime.date, now: datetime.datetime | None) -> datetime.datetime:
    """Now, for clamping future dates: the real time when it falls on ``today`` (give or take a day),
    else noon UTC of ``today`` (a caller that asks about another day gets a consistent clock)."""
    if now is not None:
        return now.astimezone(UTC)
    real = datetime.datetime.now(UTC)
    if abs(real.date() - today) <= datetime.timedelta(days=1):
        return real
    return datetime.datetime.combine(today, datetime.time(12), UTC)


def _site_url(home_url: str, path: str) -> str:
    """``path`` (written from the site's root) under the home page's directory: a site at
    https://kota.go.id/dinkes/ has its feed at https://kota.go.id/dinkes/feed/."""
    return urljoin(urljoin(home_url, "./"), path.lstrip("/"))


def _feed_candidates(html: str, home_url: str) -> list[str]:
    """The declared feeds, then FEED_GUESSES usual paths, those of the page's CMS first."""
    cms = _cms(html)
    if cms == "wordpress":
        paths = WORDPRESS_FEED_PATHS + COMMON_FEED_PATHS
    elif cms == "joomla":
        paths = JOOMLA_FEED_PATHS + COMMON_FEED_PATHS
    else:
        paths = (WORDPRESS_FEED_PATHS[0], *COMMON_FEED_PATHS, JOOMLA_FEED_PATHS[0])
    candidates = feed_links(html, home_url) if html else []
    for path in paths[:FEED_GUESSES]:
        url = _site_url(home_url, path)
        if url not in candidates:
            candidates.append(url)
    return candidates


async def _from_feeds(
    budget: _Budget, html: str, home_url: str, now: datetime.datetime
) -> tuple[datetime.datetime, str] | None:
    tried = 0
    for url in _feed_candidates(html, home_url):
        if tried >= FEED_FETCHES or budget.left <= 0:
            break
        tried += 1
        doc = await budget.get(url)
        if doc is None:
            continue
        is_feed, newest = await asyncio.to_thread(_read_feed, doc.body, now)
        if is_feed:  # the site's feed: dated or not, no other feed is tried
            return (newest, url) if newest else None
    return None


async def _from_sitemaps(
    budget: _Budget, html: str, home_url: str, now: datetime.datetime
) -> tuple[datetime.datetime, str] | None:
    queue = [_site_url(home_url, USUAL_SITEMAP_PATHS[0]), "robots.txt"]
    later = [_site_url(home_url, path) for path in USUAL_SITEMAP_PATHS[1:]]
    if _cms(html) == "wordpress":
        later.reverse()
    queue += later
    while queue and budget.left > 0:
        url = queue.pop(0)
        if url == "robots.txt":
            doc = await budget.get(urljoin(home_url, "/robots.txt"))
            if doc is not None:
                listed = robots_sitemaps(decode(doc), doc.url or home_url)
                queue[0:0] = [u for u in listed if u not in queue and u not in budget.done]
            continue
        doc = await budget.get(url)
        read = await asyncio.to_thread(_read_sitemap, doc.body, now) if doc is not None else None
        if read is None:
            continue
        # The site's sitemap: read it (and a bounded number of its children), then stop looking.
        best = (read[0], url) if read[0] else None
        pending = [urljoin(url, child) for child in read[1]]
        for child in pending[:SITEMAP_CHILDREN]:
            if budget.left <= 0:
                break
            child_doc = await budget.get(child)
            child_read = await asyncio.to_thread(_read_sitemap, child_doc.body, now) if child_doc is not None else None
            if child_read and child_read[0] and (best is None or child_read[0] > best[0]):
                best = (child_read[0], child)
        return best
    return None


async def discover(
    fetch: Fetch, home: FetchedDoc, today: datetime.date, *, now: datetime.datetime | None = None
) -> Finding:
    """When was the site last updated, from its home page and at most MAX_FETCHES more documents:
    feed, then sitemap, then news dates, then Last-Modified; the fingerprint is always computed.

    ``home`` is the home page as fetched (its final URL after redirects); ``fetch`` gets any other
    document (None on failure). ``today`` is the local day of the check; ``now`` (tests) the clock that
    future dates are clamped to."""
    now = _clock(today, now)
    html = decode(home) if home.body else ""
    # Parsing is CPU work (up to a second for a megabyte): in a thread, so the engine's event loop (and
    # the timings it measures for other sites meanwhile) does not wait for it.
    page_print = await asyncio.to_thread(fingerprint, html, today) if html else ""
    budget = _Budget(fetch, MAX_FETCHES)
    home_url = home.url

    found = await _from_feeds(budget, html, home_url, now)
    if found:
        return Finding(found[0], FEED, found[1], page_print)
    found = await _from_sitemaps(budget, html, home_url, now)
    if found:
        return Finding(found[0], SITEMAP, found[1], page_print)
    if html:
        newest = await asyncio.to_thread(newest_news_date, html, today)
        if newest:
            return Finding(min(newest, now), NEWS, home_url, page_print)
    modified = http_date(header(home.headers, "last-modified"))
    if modified and modified <= now + GENERATED_RECENT:
        served = http_date(header(home.headers, "date")) or now
        if served - modified > DYNAMIC_LAST_MODIFIED:
            return Finding(min(modified, now), LAST_MODIFIED, "Last-Modified", page_print)
    return Finding(None, "", home_url, page_print)
